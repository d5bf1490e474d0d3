// softmax.cc — softmax, log_softmax and cross-entropy against libtorch and oneDNN, in one run.
//
//   actlab_bench_softmax [--threads 1,2] [--shapes 4096x1000,256x32000] [--simd TARGET] [--markdown]
//
// Shapes (rows × cols): 4096 × 1000 and 256 × 32000 (issue #4's) unless --shapes, float32. Forward and
// backward (from y) for softmax and log_softmax; cross-entropy forward plus
// gradient on class-index targets. Ratio = (faster peer time) / (actlab time).
// A memcpy row per shape and thread count gives the memory floor of the forward
// rows (8 bytes per element: read x, write y).
#include <algorithm>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "actlab/actlab.h"
#include "args.h"
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

struct Shape {
  std::size_t rows, cols;
};

}  // namespace

int main(int argc, char** argv) {
  actlab::bench::quiet_openmp_workers(argv);
  std::vector<int> thread_counts = {1, 2};
  std::vector<Shape> shapes = {{4096, 1000}, {256, 32000}};
  bool markdown = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      const auto v = actlab::bench::parse_counts(argv[++i], 1, 256);
      if (!v) {
        std::fprintf(stderr,
                     "actlab_bench_softmax: --threads wants whole numbers in [1, 256], comma-separated, not '%s'\n",
                     argv[i]);
        return 2;
      }
      thread_counts.assign(v->begin(), v->end());
    } else if (a == "--shapes" && i + 1 < argc) {
      // at most 2^28 elements a shape: five float arrays of it must fit in memory
      const auto v = actlab::bench::parse_shapes(argv[++i], std::uint64_t{1} << 28, std::uint64_t{1} << 28);
      if (!v) {
        std::fprintf(stderr,
                     "actlab_bench_softmax: --shapes wants rows x cols pairs such as 4096x1000, comma-separated, "
                     "at most 2^28 elements each, not '%s'\n",
                     argv[i]);
        return 2;
      }
      shapes.clear();
      for (const auto& [r, c] : *v) shapes.push_back({r, c});
    } else if (a == "--markdown") {
      markdown = true;
    } else if (a == "--simd" && i + 1 < argc) {
      if (!actlab::bench::cap_simd(argv[++i], "actlab_bench_softmax")) return 2;
    } else {
      std::fprintf(stderr, "usage: %s [--threads 1,2] [--shapes RxC,...] [--simd TARGET] [--markdown]\n", argv[0]);
      return 2;
    }
  }
  actlab::bench::print_simd_line();
  const char* sep = markdown ? " | " : "  ";
  std::printf("%s%-14s%s%-4s%s%-11s%s%2s%s%9s%s%9s%s%9s%s%7s%s\n", markdown ? "| " : "", "op", sep, "dir", sep, "shape",
              sep, "th", sep, "ns/elem", sep, "torch", sep, "onednn", sep, "ratio", markdown ? " |" : "");
  if (markdown) std::printf("|---|---|---|---:|---:|---:|---:|---:|\n");
  for (const Shape sh : shapes) {
    const std::size_t n = sh.rows * sh.cols;
    actlab::bench::AlignedVector<float> x(n), y(n), dy(n), dx(n), grad(n);
    std::vector<std::int64_t> target(sh.rows);
    std::mt19937 rng(2);
    std::normal_distribution<float> n01(0, 2);
    for (auto& v : x) v = n01(rng);
    for (auto& v : dy) v = n01(rng);
    for (auto& t : target) t = static_cast<std::int64_t>(rng() % sh.cols);
    const std::string shape = std::to_string(sh.rows) + "x" + std::to_string(sh.cols);
    for (const int threads : thread_counts) {
      actlab::bench::set_threads(threads);
      struct Op {
        const char* name;
        const char* dir;
        std::function<void()> ours, torch, onednn;
      };
      std::vector<Op> ops;
      using K = actlab::SoftmaxKind;
      for (const K kind : {K::kSoftmax, K::kLogSoftmax}) {
        const char* name = kind == K::kSoftmax ? "softmax" : "log_softmax";
        Op fwd{name,
               "fwd",
               [&, kind] { actlab::softmax_forward(kind, std::span<const float>(x), std::span<float>(y), sh.cols); },
               {},
               {}};
        Op bwd{name,
               "bwd",
               [&, kind] {
                 actlab::softmax_backward(kind, std::span<const float>(y), std::span<const float>(dy),
                                          std::span<float>(dx), sh.cols);
               },
               {},
               {}};
#ifdef ACTLAB_HAVE_TORCH
        const auto T = [&](actlab::bench::AlignedVector<float>& v) {
          return at::from_blob(v.data(), {static_cast<int64_t>(sh.rows), static_cast<int64_t>(sh.cols)}, at::kFloat);
        };
        at::Tensor tx = T(x), ty = T(y), tdy = T(dy), tdx = T(dx);
        if (kind == K::kSoftmax) {
          fwd.torch = [=]() mutable { at::_softmax_out(ty, tx, 1, false); };
          bwd.torch = [=]() mutable { at::_softmax_backward_data_out(tdx, tdy, ty, 1, at::kFloat); };
        } else {
          fwd.torch = [=]() mutable { at::_log_softmax_out(ty, tx, 1, false); };
          bwd.torch = [=]() mutable { at::_log_softmax_backward_data_out(tdx, tdy, ty, 1, at::kFloat); };
        }
#endif
#ifdef ACTLAB_HAVE_DNNL
        {
          static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
          static dnnl::stream strm(eng);
          const dnnl::memory::desc md({static_cast<long>(sh.rows), static_cast<long>(sh.cols)},
                                      dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
          dnnl::memory mx(md, eng, x.data()), my(md, eng, y.data()), mdy(md, eng, dy.data()), mdx(md, eng, dx.data());
          if (kind == K::kSoftmax) {
            const dnnl::softmax_forward::primitive_desc fpd(
                dnnl::softmax_forward::desc(dnnl::prop_kind::forward_training, md, 1), eng);
            const dnnl::softmax_backward::primitive_desc bpd(dnnl::softmax_backward::desc(md, md, 1), eng, fpd);
            auto f = std::make_shared<dnnl::softmax_forward>(fpd);
            auto b = std::make_shared<dnnl::softmax_backward>(bpd);
            fwd.onednn = [=] {
              f->execute(strm, {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}});
              strm.wait();
            };
            bwd.onednn = [=] {
              b->execute(strm, {{DNNL_ARG_DST, my}, {DNNL_ARG_DIFF_DST, mdy}, {DNNL_ARG_DIFF_SRC, mdx}});
              strm.wait();
            };
          } else {
            const dnnl::logsoftmax_forward::primitive_desc fpd(
                dnnl::logsoftmax_forward::desc(dnnl::prop_kind::forward_training, md, 1), eng);
            const dnnl::logsoftmax_backward::primitive_desc bpd(dnnl::logsoftmax_backward::desc(md, md, 1), eng, fpd);
            auto f = std::make_shared<dnnl::logsoftmax_forward>(fpd);
            auto b = std::make_shared<dnnl::logsoftmax_backward>(bpd);
            fwd.onednn = [=] {
              f->execute(strm, {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DST, my}});
              strm.wait();
            };
            bwd.onednn = [=] {
              b->execute(strm, {{DNNL_ARG_DST, my}, {DNNL_ARG_DIFF_DST, mdy}, {DNNL_ARG_DIFF_SRC, mdx}});
              strm.wait();
            };
          }
        }
#endif
        ops.push_back(fwd);
        ops.push_back(bwd);
      }
      Op ce{"cross_entropy",
            "f+b",
            [&] {
              actlab::cross_entropy(std::span<const float>(x), std::span<const std::int64_t>(target), sh.cols,
                                    std::span<float>(grad));
            },
            {},
            {}};
#ifdef ACTLAB_HAVE_TORCH
      {
        at::Tensor tx =
            at::from_blob(x.data(), {static_cast<int64_t>(sh.rows), static_cast<int64_t>(sh.cols)}, at::kFloat);
        at::Tensor tt = at::from_blob(target.data(), {static_cast<int64_t>(sh.rows)}, at::kLong);
        ce.torch = [=] {
          // What F.cross_entropy(x, t).backward() runs: log_softmax, nll_loss, and both backwards.
          const at::Tensor lp = at::_log_softmax(tx, 1, false);
          auto [loss, total] = at::nll_loss_forward(lp, tt, {}, 1, -100);
          const at::Tensor glp = at::nll_loss_backward(at::ones_like(loss), lp, tt, {}, 1, -100, total);
          (void)at::_log_softmax_backward_data(glp, lp, 1, at::kFloat);
        };
      }
#endif
      ops.push_back(ce);
      // The floor for these shapes: memcpy of the same bytes (read x, write y) with the
      // same thread count, as the fwd rows move; backward moves 1.5 times as much.
      const double copy_ns = 8.0 / actlab::bench::copy_bandwidth(n * sizeof(float), threads) * 1e9;
      std::printf("%s%-14s%s%-4s%s%-11s%s%2d%s%9.3f%s%9s%s%9s%s%7s%s\n", markdown ? "| " : "", "memcpy", sep, "-", sep,
                  shape.c_str(), sep, threads, sep, copy_ns, sep, "-", sep, "-", sep, "-", markdown ? " |" : "");
      for (const Op& op : ops) {
        const auto times = actlab::bench::seconds_per_call_interleaved({op.ours, op.torch, op.onednn}, 21);
        const double t = times[0], tt = times[1], td = times[2];
        const double best = (tt > 0 && td > 0) ? std::min(tt, td) : std::max(tt, td);
        const auto ns = [n](double s) { return s * 1e9 / static_cast<double>(n); };
        char tb[32] = "-", db[32] = "-", rb[32] = "-";
        if (tt > 0) std::snprintf(tb, sizeof tb, "%.3f", ns(tt));
        if (td > 0) std::snprintf(db, sizeof db, "%.3f", ns(td));
        if (best > 0) std::snprintf(rb, sizeof rb, "%.2fx", best / t);
        std::printf("%s%-14s%s%-4s%s%-11s%s%2d%s%9.3f%s%9s%s%9s%s%7s%s\n", markdown ? "| " : "", op.name, sep, op.dir,
                    sep, shape.c_str(), sep, threads, sep, ns(t), sep, tb, sep, db, sep, rb, markdown ? " |" : "");
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
