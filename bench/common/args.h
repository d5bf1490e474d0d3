// args.h — the benchmarks' numbers on the command line: a whole decimal number in a range,
// a comma-separated list of them, or of rows × cols shapes ("4096x1000"). Anything else
// ("abc", "12x", "-1", "", "1,,2") is refused, so that the caller prints one line and exits
// 2 instead of throwing.
#ifndef ACTLAB_BENCH_ARGS_H_
#define ACTLAB_BENCH_ARGS_H_

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace actlab::bench {

/** The number `text` spells, if it is whole, decimal and within [min, max]. */
inline std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return std::nullopt;
  }
  return v;
}

/** "a,b,c": each a count within [min, max]; at least one. */
inline std::optional<std::vector<std::uint64_t>> parse_counts(std::string_view text, std::uint64_t min,
                                                              std::uint64_t max) {
  std::vector<std::uint64_t> out;
  for (;;) {
    const auto comma = text.find(',');
    const auto v = parse_count(text.substr(0, comma), min, max);
    if (!v) return std::nullopt;
    out.push_back(*v);
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

/** "RxC,RxC": each a rows × cols pair, both within [1, max_side] and their product within
 *  [1, max_elements]; at least one. */
inline std::optional<std::vector<std::pair<std::uint64_t, std::uint64_t>>> parse_shapes(std::string_view text,
                                                                                        std::uint64_t max_side,
                                                                                        std::uint64_t max_elements) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (;;) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const auto x = item.find('x');
    if (x == std::string_view::npos) return std::nullopt;
    const auto rows = parse_count(item.substr(0, x), 1, max_side);
    const auto cols = parse_count(item.substr(x + 1), 1, max_side);
    if (!rows || !cols || *rows > max_elements / *cols) return std::nullopt;
    out.emplace_back(*rows, *cols);
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace actlab::bench

#endif  // ACTLAB_BENCH_ARGS_H_
