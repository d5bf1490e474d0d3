// speed.cc — throughput of every catalog row against libtorch and oneDNN, in one run.
//
//   actlab_bench_speed [--fn NAME]... [--sizes 4096,262144,16777216] [--threads 1,2] [--markdown]
//
// For each row, direction (forward; backward from x; "bwy": backward from y where the row can), size and thread count
// it reports ns/element, GB/s, the share of the copy bandwidth measured in the same run, each peer's ns/element where
// the peer has the function, and the ratio (faster peer time) / (actlab time): above 1 means actlab is faster. Each
// direction is compared with the same direction only: libtorch's sigmoid and tanh backward take y, so they appear in
// the bwy rows and not in the bwd (from x) rows. Buffers
// hold x ~ U(-6, 6), where every function does real work. Each contender has buffers of
// its own (the same values): at 16 Mi, with all three writing one y, whoever came before
// set the caches' state for the next. actlab's forward stores y non-temporally there, and
// when both peers wrote y (cached) between its calls, its relu forward read 0.41-0.55
// ns/elem against 0.28-0.31 with either peer alone, and libtorch's 0.50 against 0.34
// (this project's Intel Xeon, session 27).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "actlab/actlab.h"
#include "args.h"
#include "eltwise_peers.h"
#include "names.h"
#include "peers.h"
#include "timer.h"

#ifdef ACTLAB_HAVE_TORCH
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#endif
#ifdef ACTLAB_HAVE_DNNL
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace {

using actlab::Activation;

using actlab::bench::Buffers;
using actlab::bench::PeerOps;
#ifdef ACTLAB_HAVE_TORCH
using actlab::bench::torch_ops;
#endif
#ifdef ACTLAB_HAVE_DNNL
using actlab::bench::dnnl_ops;
#endif

std::string size_label(std::size_t n) {
  if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " Mi";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + " Ki";
  return std::to_string(n);
}

}  // namespace

int main(int argc, char** argv) {
  actlab::bench::quiet_openmp_workers(argv);
  std::vector<std::string> only;
  std::vector<std::size_t> sizes = {4096, 262144, 16777216};
  std::vector<std::size_t> thread_counts = {1, 2};
  bool markdown = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--fn" && i + 1 < argc) {
      only.emplace_back(argv[++i]);
    } else if ((a == "--sizes" || a == "--threads") && i + 1 < argc) {
      const bool is_sizes = a == "--sizes";
      const auto v = actlab::bench::parse_counts(argv[++i], 1, is_sizes ? std::uint64_t{1} << 30 : 256);
      if (!v) {
        std::fprintf(stderr, "actlab_bench_speed: %s wants whole numbers in [1, %s], comma-separated, not '%s'\n",
                     a.c_str(), is_sizes ? "2^30" : "256", argv[i]);
        return 2;
      }
      (is_sizes ? sizes : thread_counts).assign(v->begin(), v->end());
    } else if (a == "--markdown") {
      markdown = true;
    } else if (a == "--simd" && i + 1 < argc) {
      if (!actlab::bench::cap_simd(argv[++i], "actlab_bench_speed")) return 2;
    } else {
      std::fprintf(stderr, "usage: %s [--fn NAME]... [--sizes N,N] [--threads T,T] [--simd TARGET] [--markdown]\n",
                   argv[0]);
      return 2;
    }
  }
  if (!actlab::bench::known_activations(only, "actlab_bench_speed")) return 2;
  actlab::bench::print_simd_line();
  const char* sep = markdown ? " | " : "  ";
  std::printf("%s%-13s%s%-3s%s%6s%s%2s%s%9s%s%7s%s%6s%s%9s%s%9s%s%7s%s\n", markdown ? "| " : "", "function", sep, "dir",
              sep, "size", sep, "th", sep, "ns/elem", sep, "GB/s", sep, "%copy", sep, "torch", sep, "onednn", sep,
              "ratio", markdown ? " |" : "");
  if (markdown) std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const std::size_t n : sizes) {
    Buffers b(n);
#ifdef ACTLAB_HAVE_TORCH
    Buffers bt(n);
#endif
#ifdef ACTLAB_HAVE_DNNL
    Buffers bd(n);
#endif
    for (const std::size_t threads : thread_counts) {
      actlab::bench::set_threads(static_cast<int>(threads));
      // Forward moves 8 bytes per element, backward 12; copy moves 8 (read + write).
      // The copy-speed rows split arrays over threads from kParallelMinElements (costlier rows
      // from 4 or 8 Ki elements); the copy, their yardstick, does likewise.
      const int copy_threads = n >= actlab::kParallelMinElements ? static_cast<int>(threads) : 1;
      // From memory where a contender works from memory (its arrays outgrow the caches
      // between its calls: the library's streaming threshold), in cache elsewhere.
      const bool cold = n * sizeof(float) >= (std::size_t{8} << 20);  // src/core/parallel.h's kStreamMinBytes
      const double copy_bw = actlab::bench::copy_bandwidth(n * sizeof(float), copy_threads, cold);
      for (const auto& row : actlab::catalog()) {
        const std::string name(row.name);
        if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
        const Activation act(row.id);
        PeerOps torch, onednn;
#ifdef ACTLAB_HAVE_TORCH
        torch = torch_ops(name, bt);
#endif
#ifdef ACTLAB_HAVE_DNNL
        onednn = dnnl_ops(name, bd);
#endif
        // fwd; bwd = backward from x; bwy = backward from y (rows that can), whose only
        // peer is libtorch's sigmoid/tanh backward (it takes y).
        enum class Dir { kFwd, kBwd, kBwy };
        for (const Dir dir : {Dir::kFwd, Dir::kBwd, Dir::kBwy}) {
          if (dir == Dir::kBwy && row.bwd != actlab::BwdFrom::kY) continue;
          const auto ours = [&] {
            if (dir == Dir::kBwd) {
              act.backward(std::span<const float>(b.x), std::span<const float>(b.dy), std::span<float>(b.dx));
            } else if (dir == Dir::kBwy) {
              act.backward_from_y(std::span<const float>(b.y), std::span<const float>(b.dy), std::span<float>(b.dx));
            } else {
              act.forward(std::span<const float>(b.x), std::span<float>(b.y));
            }
          };
          if (dir == Dir::kBwy) {  // y for every contender (libtorch's sigmoid and tanh backward read it)
            act.forward(std::span<const float>(b.x), std::span<float>(b.y));
#ifdef ACTLAB_HAVE_TORCH
            std::copy(b.y.begin(), b.y.end(), bt.y.begin());
#endif
          }
          const double bytes = static_cast<double>(n) * (dir == Dir::kFwd ? 8.0 : 12.0);
          const bool peer_takes_y = name == "sigmoid" || name == "tanh";
          const auto peer = [&](const PeerOps& p, bool is_torch) -> std::function<void()> {
            if (dir == Dir::kBwy && !(is_torch && peer_takes_y)) return {};
            // libtorch's sigmoid/tanh backward takes y: it is timed in the bwy row, not against a backward from x.
            if (dir == Dir::kBwd && is_torch && peer_takes_y) return {};
            return dir == Dir::kFwd ? p.fwd : p.bwd;
          };
          const auto times =
              actlab::bench::seconds_per_call_interleaved({ours, peer(torch, true), peer(onednn, false)});
          const double t = times[0], tt = times[1], td = times[2];
          const double best_peer = (tt > 0 && td > 0) ? std::min(tt, td) : std::max(tt, td);
          const auto ns = [n](double s) { return s > 0 ? s * 1e9 / static_cast<double>(n) : 0.0; };
          char tbuf[32] = "-", dbuf[32] = "-", rbuf[32] = "-";
          if (tt > 0) std::snprintf(tbuf, sizeof tbuf, "%.3f", ns(tt));
          if (td > 0) std::snprintf(dbuf, sizeof dbuf, "%.3f", ns(td));
          if (best_peer > 0) std::snprintf(rbuf, sizeof rbuf, "%.2fx", best_peer / t);
          const char* dir_name = dir == Dir::kFwd ? "fwd" : dir == Dir::kBwd ? "bwd" : "bwy";
          std::printf("%s%-13s%s%-3s%s%6s%s%2zu%s%9.3f%s%7.1f%s%5.0f%%%s%9s%s%9s%s%7s%s\n", markdown ? "| " : "",
                      name.c_str(), sep, dir_name, sep, size_label(n).c_str(), sep, threads, sep, ns(t), sep,
                      bytes / t / 1e9, sep, 100.0 * (bytes / t) / copy_bw, sep, tbuf, sep, dbuf, sep, rbuf,
                      markdown ? " |" : "");
          std::fflush(stdout);
        }
      }
    }
  }
  return 0;
}
