// accuracy.cc — every finite float32 input, for every catalog row, against a double reference.
//
//   actlab_bench_accuracy [--fn NAME]... [--stride K] [--simd TARGET] [--markdown]
//                         [--write-doc docs/accuracy.md]
//
// For each row and direction (forward; backward from x with dy = 1) it evaluates all
// 2^32 − 2^24 finite float bit patterns (every K-th with --stride K) with actlab's
// float32 kernels and, when installed, libtorch's and oneDNN's float kernels, and
// compares each result with actlab's float64 kernel on the same input. That reference
// is checked against mpmath to 2.2e-16 relative (docs/accuracy.md, first table), a
// billionth of a float ulp, so "ulp" below is the distance to the exact value in units
// of the correctly rounded float's ulp. Reported per implementation: the worst error and
// where it occurs, the share of results that are not the correctly rounded float
// (error > 0.5 ulp), and tail failures (a zero, or the wrong sign, where the exact value
// is at least the smallest subnormal in magnitude: below it, the double reference's own
// last-bit error can decide whether a value near 2^-150 rounds to 0 or to 2^-149).
// Blocks of 2^16 inputs run on all cores (one thread each).
// --write-doc replaces the text between the sweep markers of that file atomically.
// --simd caps actlab's kernels (and the peers') at a lower target, e.g. AVX2: the table
// then measures that target's code paths, and is not written into the document.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "actlab/actlab.h"
#include "args.h"
#include "eltwise_peers.h"
#include "names.h"
#include "peers.h"
#include "sweep_stats.h"

#ifdef ACTLAB_HAVE_TORCH
#include <ATen/Parallel.h>
#endif
#ifdef ACTLAB_HAVE_DNNL
#include <omp.h>
#endif

namespace {

using actlab::bench::Buffers;
using actlab::bench::PeerOps;
using actlab::bench::sweep::account;
using actlab::bench::sweep::kMismatch;
using actlab::bench::sweep::Stats;

constexpr std::size_t kBlock = std::size_t{1} << 16;

enum Impl { kActlab, kTorch, kOnednn, kImpls };
constexpr const char* kImplName[kImpls] = {"actlab", "libtorch", "oneDNN"};

struct RowResult {
  std::string name;
  Stats s[2][kImpls];  // [direction][implementation]
  bool has[2][kImpls] = {};
};

// The finite float with the i-th bit pattern of the sweep (NaN/inf patterns skipped by the caller).
float from_bits(std::uint32_t b) { return std::bit_cast<float>(b); }

RowResult sweep_row(const actlab::Activation& act, const std::string& name, std::uint64_t stride, unsigned workers) {
  RowResult out;
  out.name = name;
  std::mutex mu;
  std::atomic<std::uint64_t> next{0};
  const std::uint64_t total = (std::uint64_t{1} << 32) / stride;
  const auto work = [&] {
#ifdef ACTLAB_HAVE_DNNL
    omp_set_num_threads(1);
#endif
    Buffers b(kBlock);
    std::vector<double> xd(kBlock), yd(kBlock), gd(kBlock, 1.0), dxd(kBlock);
    PeerOps peers[kImpls];
#ifdef ACTLAB_HAVE_TORCH
    peers[kTorch] = actlab::bench::torch_ops(name, b);
#endif
#ifdef ACTLAB_HAVE_DNNL
    peers[kOnednn] = actlab::bench::dnnl_ops(name, b);
#endif
    RowResult local;
    std::fill(b.dy.begin(), b.dy.end(), 1.0f);
    for (;;) {
      const std::uint64_t first = next.fetch_add(kBlock);
      if (first >= total) break;
      std::size_t n = 0;
      for (std::uint64_t k = first; k < std::min(total, first + kBlock); ++k) {
        const auto bits = static_cast<std::uint32_t>(k * stride);
        if ((bits & 0x7f800000u) == 0x7f800000u) continue;  // NaN and ±inf: tested bit-exactly elsewhere
        b.x[n++] = from_bits(bits);
      }
      if (n == 0) continue;
      for (std::size_t i = n; i < kBlock; ++i) b.x[i] = 0.0f;  // peers run on the whole buffer
      for (std::size_t i = 0; i < kBlock; ++i) xd[i] = b.x[i];
      act.forward(std::span<const double>(xd), std::span<double>(yd));
      act.backward(std::span<const double>(xd), std::span<const double>(gd), std::span<double>(dxd));
      act.forward(std::span<const float>(b.x), std::span<float>(b.y));
      act.backward(std::span<const float>(b.x), std::span<const float>(b.dy), std::span<float>(b.dx));
      account(local.s[0][kActlab], b.x.data(), yd.data(), b.y.data(), n);
      account(local.s[1][kActlab], b.x.data(), dxd.data(), b.dx.data(), n);
      local.has[0][kActlab] = local.has[1][kActlab] = true;
      for (int p = kTorch; p < kImpls; ++p) {
        if (!peers[p].fwd) continue;
        peers[p].fwd();
        account(local.s[0][p], b.x.data(), yd.data(), b.y.data(), n);
        local.has[0][p] = true;
        if (peers[p].bwd) {
          peers[p].bwd();  // libtorch's sigmoid and tanh backward read the y just computed
          account(local.s[1][p], b.x.data(), dxd.data(), b.dx.data(), n);
          local.has[1][p] = true;
        }
      }
    }
    const std::lock_guard<std::mutex> lock(mu);
    for (int d = 0; d < 2; ++d) {
      for (int p = 0; p < kImpls; ++p) {
        out.s[d][p].merge(local.s[d][p]);
        out.has[d][p] = out.has[d][p] || local.has[d][p];
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < workers; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  return out;
}

std::string fmt_ulp(double e) {
  char buf[32];
  if (e >= kMismatch) return "NaN/inf";
  if (e >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2g", e);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", e);
  }
  return buf;
}

std::string table(const std::vector<RowResult>& results, std::uint64_t stride) {
  std::ostringstream o;
  o << "| function | dir | impl | max ulp | at x | > 0.5 ulp | tail failures (nearest 0) |\n";
  o << "|---|---|---|---:|---:|---:|---|\n";
  for (const auto& r : results) {
    for (int d = 0; d < 2; ++d) {
      for (int p = 0; p < kImpls; ++p) {
        if (!r.has[d][p]) continue;
        const Stats& s = r.s[d][p];
        char at[32], share[32], tail[64];
        std::snprintf(at, sizeof at, "%.9g", static_cast<double>(s.worst_x));
        std::snprintf(
            share, sizeof share, "%.3g %%",
            100.0 * static_cast<double>(s.not_rounded) / static_cast<double>(std::max<std::uint64_t>(s.count, 1)));
        if (s.tail == 0) {
          std::snprintf(tail, sizeof tail, "0");
        } else {
          std::snprintf(tail, sizeof tail, "%llu (%.6g)", static_cast<unsigned long long>(s.tail),
                        static_cast<double>(s.tail_x));
        }
        o << "| `" << r.name << "` | " << (d == 0 ? "fwd" : "bwd") << " | " << kImplName[p] << " | " << fmt_ulp(s.worst)
          << " | " << at << " | " << share << " | " << tail << " |\n";
      }
    }
  }
  o << "\n"
    << (stride == 1 ? "All" : "Every " + std::to_string(stride) + "th of the") << " finite float32 inputs per row ("
    << results.size() << " rows).\n";
  return o.str();
}

// The document --write-doc will update, read and checked before the sweep starts (a full
// sweep takes minutes: a wrong path or a file without the markers fails at once).
struct Doc {
  std::string path, text;
  std::size_t begin = 0, end = 0;  // the text between the markers: [begin, end)
};
std::optional<Doc> read_doc(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "actlab_bench_accuracy: cannot read %s\n", path.c_str());
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  Doc doc{path, ss.str()};
  const std::string begin = "<!-- sweep:begin -->", end = "<!-- sweep:end -->";
  const auto b = doc.text.find(begin), e = doc.text.find(end);
  if (b == std::string::npos || e == std::string::npos || e < b) {
    std::fprintf(stderr, "actlab_bench_accuracy: %s has no %s ... %s markers\n", path.c_str(), begin.c_str(),
                 end.c_str());
    return std::nullopt;
  }
  doc.begin = b + begin.size();
  doc.end = e;
  return doc;
}

// Replaces the text between the markers, atomically (a temporary file renamed over it).
int write_doc(const Doc& doc, const std::string& body) {
  const std::string updated = doc.text.substr(0, doc.begin) + "\n" + body + doc.text.substr(doc.end);
  const std::string tmp = doc.path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << updated;
    if (!out.flush()) {
      std::fprintf(stderr, "actlab_bench_accuracy: cannot write %s\n", tmp.c_str());
      return 2;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, doc.path, ec);
  if (ec) {
    std::fprintf(stderr, "actlab_bench_accuracy: cannot replace %s: %s\n", doc.path.c_str(), ec.message().c_str());
    std::filesystem::remove(tmp, ec);
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> only;
  std::uint64_t stride = 1;
  std::string doc;
  bool capped = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--fn" && i + 1 < argc) {
      only.emplace_back(argv[++i]);
    } else if (a == "--stride" && i + 1 < argc) {
      const auto v = actlab::bench::parse_count(argv[++i], 1, std::uint64_t{1} << 31);
      if (!v) {
        std::fprintf(stderr, "actlab_bench_accuracy: --stride wants a whole number in [1, 2^31], not '%s'\n", argv[i]);
        return 2;
      }
      stride = *v;
    } else if (a == "--write-doc" && i + 1 < argc) {
      doc = argv[++i];
    } else if (a == "--simd" && i + 1 < argc) {
      if (!actlab::bench::cap_simd(argv[++i], "actlab_bench_accuracy")) return 2;
      capped = true;
    } else if (a == "--markdown") {
      // the table is always markdown; accepted for symmetry with the other benchmarks
    } else {
      std::fprintf(stderr, "usage: %s [--fn NAME]... [--stride K] [--simd TARGET] [--markdown] [--write-doc FILE]\n",
                   argv[0]);
      return 2;
    }
  }
  if (!actlab::bench::known_activations(only, "actlab_bench_accuracy")) return 2;
  std::optional<Doc> doc_in;
  if (!doc.empty()) {
    if (!only.empty()) {  // the table between the markers is the whole catalog's
      std::fprintf(stderr, "actlab_bench_accuracy: --write-doc replaces the whole table; run it without --fn\n");
      return 2;
    }
    if (capped) {  // the document's table is the best target's
      std::fprintf(stderr, "actlab_bench_accuracy: --write-doc records the best target; run it without --simd\n");
      return 2;
    }
    doc_in = read_doc(doc);
    if (!doc_in) return 2;
  }
  actlab::set_num_threads(1);  // the sweep's own workers use the cores
#ifdef ACTLAB_HAVE_TORCH
  at::set_num_threads(1);
#endif
  const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  std::vector<RowResult> results;
  for (const auto& row : actlab::catalog()) {
    const std::string name(row.name);
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
    results.push_back(sweep_row(actlab::Activation(row.id), name, stride, workers));
    std::fprintf(stderr, "%s done\n", name.c_str());
  }
  const std::string t = table(results, stride);
  if (capped) actlab::bench::print_simd_line();
  std::fputs(t.c_str(), stdout);
  return doc_in ? write_doc(*doc_in, t) : 0;
}
