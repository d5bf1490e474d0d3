// cmd_bench.cc — `actlab bench`: throughput of every activation on this machine,
// against the copy bandwidth measured in the same run.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "common.h"
#include "timer.h"

namespace actlab::cli {
namespace {

struct BenchOptions {
  std::vector<std::string> only;
  std::size_t size = 262144;
  int threads = 0;   // 0: the library's default
  std::string simd;  // empty: the best target for this CPU
  bool json = false;
};

}  // namespace

void add_bench(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand("bench", "Throughput of each activation on this machine, against its copy bandwidth");
  cmd->add_option("--fn", o->only, "Only these activations (repeatable)");
  cmd->add_option("--size", o->size, "Elements per array (default 262144 = 1 MiB of float32)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 28));
  cmd->add_option("--threads", o->threads, "Threads (default: all cores)")->check(CLI::Range(1, 64));
  cmd->add_option("--simd", o->simd,
                  "Cap the kernels at this SIMD target (e.g. AVX2 on an AVX-512 machine; 'best' by default)");
  cmd->add_flag("--json", o->json, "Machine-readable output");
  cmd->callback([o] {
    for (const auto& name : o->only) {
      if (find(name) == nullptr) throw Error("bench: unknown activation '" + name + "'; 'actlab list' shows them all");
    }
    if (!o->simd.empty()) {
      try {
        set_max_simd_target(o->simd);
      } catch (const Error& e) {
        throw Error(std::string("bench: ") + e.what());
      }
    }
    if (o->threads > 0) set_num_threads(o->threads);
    const std::size_t n = o->size;
    bench::AlignedVector<float> x(n), y(n), dy(n), dx(n);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-6.0f, 6.0f);
    for (auto& v : x) v = u(rng);
    for (auto& v : dy) v = u(rng);
    // The copy-speed rows split arrays over threads from kParallelMinElements (costlier rows
    // from 4 or 8 Ki elements); the copy, their yardstick, does likewise.
    const int copy_threads = n >= kParallelMinElements ? num_threads() : 1;
    const double copy_bw = bench::copy_bandwidth(n * sizeof(float), copy_threads);
    const bool progress = !o->json && isatty(STDERR_FILENO) != 0;
    nlohmann::json rows = nlohmann::json::array();
    if (!o->json) {
      fmt::print("{} float32 elements, {} thread(s), {} on {}; copy bandwidth {:.1f} GB/s\n", n, num_threads(),
                 simd_target(), cpu_model(), copy_bw / 1e9);
      fmt::print("{:<14} {:>10} {:>8} {:>7}   {:>10} {:>8} {:>7}   {:>10} {:>7}\n", "activation", "fwd ns/el", "GB/s",
                 "%copy", "bwd ns/el", "GB/s", "%copy", "bwy ns/el", "%copy");
    }
    for (const auto& row : catalog()) {
      if (!o->only.empty() && std::find(o->only.begin(), o->only.end(), row.name) == o->only.end()) continue;
      if (progress) fmt::print(stderr, "\r{:<20}", row.name);
      const Activation act(row.id);
      const double tf =
          bench::seconds_per_call([&] { act.forward(std::span<const float>(x), std::span<float>(y)); }, 5, 1e-3);
      const double tb = bench::seconds_per_call(
          [&] { act.backward(std::span<const float>(x), std::span<const float>(dy), std::span<float>(dx)); }, 5, 1e-3);
      // Backward from y (what a training engine runs for rows that can: no x kept), 12 bytes per element.
      const bool from_y = row.bwd == BwdFrom::kY;
      double ty = 0;
      if (from_y) {
        act.forward(std::span<const float>(x), std::span<float>(y));
        ty = bench::seconds_per_call(
            [&] { act.backward_from_y(std::span<const float>(y), std::span<const float>(dy), std::span<float>(dx)); },
            5, 1e-3);
      }
      const double nf = static_cast<double>(n);
      const double gf = 8.0 * nf / tf, gb = 12.0 * nf / tb;
      const double gy = from_y ? 12.0 * nf / ty : 0.0;
      if (o->json) {
        nlohmann::json r = {{"name", row.name},
                            {"forward_ns_per_element", tf * 1e9 / nf},
                            {"forward_gb_per_s", gf / 1e9},
                            {"forward_copy_share", gf / copy_bw},
                            {"backward_ns_per_element", tb * 1e9 / nf},
                            {"backward_gb_per_s", gb / 1e9},
                            {"backward_copy_share", gb / copy_bw},
                            {"backward_from_y_ns_per_element", nullptr},
                            {"backward_from_y_copy_share", nullptr}};
        if (from_y) {
          r["backward_from_y_ns_per_element"] = ty * 1e9 / nf;
          r["backward_from_y_copy_share"] = gy / copy_bw;
        }
        rows.push_back(std::move(r));
      } else {
        if (progress) fmt::print(stderr, "\r{:<20}\r", "");
        const std::string bwy = from_y ? fmt::format("{:>10.3f} {:>6.0f}%", ty * 1e9 / nf, 100 * gy / copy_bw)
                                       : fmt::format("{:>10} {:>7}", "-", "-");
        fmt::print("{:<14} {:>10.3f} {:>8.1f} {:>6.0f}%   {:>10.3f} {:>8.1f} {:>6.0f}%   {}\n", row.name, tf * 1e9 / nf,
                   gf / 1e9, 100 * gf / copy_bw, tb * 1e9 / nf, gb / 1e9, 100 * gb / copy_bw, bwy);
      }
    }
    if (o->json) {
      print_json({{"elements", n},
                  {"threads", num_threads()},
                  {"simd_target", simd_target()},
                  {"cpu", cpu_model()},
                  {"copy_gb_per_s", copy_bw / 1e9},
                  {"activations", rows}});
    } else {
      fmt::print(
          "\nForward moves 8 bytes per element, backward 12 (bwy: backward from the output y, for the rows that\n"
          "can); %copy compares with memcpy's bytes/s.\n");
    }
  });
}

}  // namespace actlab::cli
