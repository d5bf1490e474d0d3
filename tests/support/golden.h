// golden.h — reading the checked-in golden files and measuring errors.
#ifndef ACTLAB_TESTS_GOLDEN_H_
#define ACTLAB_TESTS_GOLDEN_H_

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace actlab::testing {

struct GoldenRow {
  std::string spec;
  double x;
  double y;
  std::optional<double> dy;  // empty where the file says '-'
  int line;
};

inline double parse_hex(const std::string& s) {
  if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  return std::strtod(s.c_str(), nullptr);  // reads C99 hex floats exactly
}

/** Reads "spec\tx\ty\tdy" lines; '#' lines are the header. Checks the magic first line. */
inline std::vector<GoldenRow> read_golden(const std::string& file, const std::string& magic) {
  std::ifstream in(std::string(ACTLAB_TEST_DATA_DIR) + "/" + file);
  std::vector<GoldenRow> rows;
  std::string line;
  int n = 0;
  if (!std::getline(in, line) || line != "# actlab-golden " + magic) return rows;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    std::string spec, x, y, dy;
    std::getline(ss, spec, '\t');
    std::getline(ss, x, '\t');
    std::getline(ss, y, '\t');
    std::getline(ss, dy, '\t');
    GoldenRow r{spec, parse_hex(x), parse_hex(y), std::nullopt, n + 1};
    if (dy != "-") r.dy = parse_hex(dy);
    rows.push_back(r);
  }
  return rows;
}

/** Distance in units of the last place between two doubles (0 when both NaN, or equal). */
inline double ulp_distance(double want, double got) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got) ? 0 : INFINITY;
  if (want == got) return 0;
  if (std::isinf(want) || std::isinf(got)) return INFINITY;
  const double ulp = std::nextafter(std::fabs(want), INFINITY) - std::fabs(want);
  return std::fabs(want - got) / ulp;
}

/** Relative error; for subnormal or zero `want` the error in multiples of the smallest normal. */
inline double rel_error(double want, double got) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got) ? 0 : INFINITY;
  if (want == got) return 0;
  const double scale = std::max(std::fabs(want), std::numeric_limits<double>::min());
  return std::fabs(want - got) / scale;
}

/** Same bits, or both NaN. */
inline bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

inline std::string describe(double v) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%a (%.17g)", v, v);
  return buf;
}

}  // namespace actlab::testing

#endif  // ACTLAB_TESTS_GOLDEN_H_
