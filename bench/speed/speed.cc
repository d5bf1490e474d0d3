// speed.cc — throughput of every catalog row against libtorch and oneDNN, in one run.
//
//   actlab_bench_speed [--fn NAME]... [--sizes 4096,262144,16777216] [--threads 1,2] [--markdown]
//
// For each row, direction (forward; backward from x; "bwy": backward from y where the row can), size and thread count
// it reports ns/element, GB/s, the share of the copy bandwidth measured in the same run, each peer's ns/element where
// the peer has the function, and the ratio (faster peer time) / (actlab time): above 1 means actlab is faster. Buffers
// hold x ~ U(-6, 6), where every function does real work.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "actlab/actlab.h"
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

struct Buffers {
  std::vector<float> x, y, dy, dx;
  explicit Buffers(std::size_t n) : x(n), y(n), dy(n), dx(n) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-6.0f, 6.0f);
    for (auto& v : x) v = u(rng);
    for (auto& v : dy) v = u(rng);
  }
};

// A peer's forward and backward for one row, bound to buffers; empty when it lacks the function.
struct PeerOps {
  std::function<void()> fwd;
  std::function<void()> bwd;
};

#ifdef ACTLAB_HAVE_TORCH
// libtorch: the *_out variants write into our buffers, so nothing is allocated
// inside the timed call (where PyTorch has no out variant, the result is allocated, as in real use).
PeerOps torch_ops(const std::string& name, Buffers& b) {
  const auto n = static_cast<int64_t>(b.x.size());
  auto T = [n](std::vector<float>& v) { return at::from_blob(v.data(), {n}, at::kFloat); };
  const at::Tensor tx = T(b.x), ty = T(b.y), tdy = T(b.dy), tdx = T(b.dx);
  const at::Tensor buffer = at::empty({n}, at::kFloat);
  using F = std::function<void()>;
  static const std::map<std::string, std::function<PeerOps(at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor)>>
      table = {
          {"relu",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::clamp_min_out(y, x, 0); }),
                     F([=]() mutable { at::threshold_backward_out(dx, dy, x, 0); })};
           }},
          {"relu6",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::hardtanh_out(y, x, 0, 6); }),
                     F([=]() mutable { at::hardtanh_backward_out(dx, dy, x, 0, 6); })};
           }},
          {"leaky_relu",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::leaky_relu_out(y, x, 0.01); }),
                     F([=]() mutable { at::leaky_relu_backward_out(dx, dy, x, 0.01, false); })};
           }},
          {"elu",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::elu_out(y, x, 1.0, 1.0, 1.0); }),
                     F([=]() mutable { at::elu_backward_out(dx, dy, 1.0, 1.0, 1.0, false, x); })};
           }},
          {"celu",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::elu_out(y, x, 1.0, 1.0, 1.0); }),
                     F([=]() mutable { at::elu_backward_out(dx, dy, 1.0, 1.0, 1.0, false, x); })};
           }},
          {"selu",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             const double a = 1.6732632423543772848170429916717, s = 1.0507009873554804934193349852946;
             return {F([=]() mutable { at::elu_out(y, x, a, s, 1.0); }),
                     F([=]() mutable { at::elu_backward_out(dx, dy, a, s, 1.0, false, x); })};
           }},
          {"gelu",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::gelu_out(y, x, "none"); }),
                     F([=]() mutable { at::gelu_backward_out(dx, dy, x, "none"); })};
           }},
          {"gelu_tanh",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::gelu_out(y, x, "tanh"); }),
                     F([=]() mutable { at::gelu_backward_out(dx, dy, x, "tanh"); })};
           }},
          {"silu",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::silu_out(y, x); }), F([=]() mutable { at::silu_backward_out(dx, dy, x); })};
           }},
          {"swish",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::silu_out(y, x); }), F([=]() mutable { at::silu_backward_out(dx, dy, x); })};
           }},
          {"mish",
           [](auto x, auto y, auto dy, auto, auto) -> PeerOps {
             return {F([=]() mutable { at::mish_out(y, x); }), F([=]() mutable { (void)at::mish_backward(dy, x); })};
           }},
          {"sigmoid",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::sigmoid_out(y, x); }),
                     F([=]() mutable { at::sigmoid_backward_out(dx, dy, y); })};  // PyTorch's backward uses y
           }},
          {"log_sigmoid",
           [](auto x, auto y, auto dy, auto dx, auto buf) -> PeerOps {
             return {F([=]() mutable { at::log_sigmoid_forward_out(y, buf, x); }),
                     F([=]() mutable { at::log_sigmoid_backward_out(dx, dy, x, buf); })};
           }},
          {"tanh",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::tanh_out(y, x); }),
                     F([=]() mutable { at::tanh_backward_out(dx, dy, y); })};  // PyTorch's backward uses y
           }},
          {"hardtanh",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::hardtanh_out(y, x, -1, 1); }),
                     F([=]() mutable { at::hardtanh_backward_out(dx, dy, x, -1, 1); })};
           }},
          {"hardsigmoid",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::hardsigmoid_out(y, x); }),
                     F([=]() mutable { at::hardsigmoid_backward_out(dx, dy, x); })};
           }},
          {"hardswish",
           [](auto x, auto y, auto dy, auto, auto) -> PeerOps {
             return {F([=]() mutable { at::hardswish_out(y, x); }),
                     F([=]() mutable { (void)at::hardswish_backward(dy, x); })};
           }},
          {"softplus",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::softplus_out(y, x, 1, 20); }),
                     F([=]() mutable { at::softplus_backward_out(dx, dy, x, 1, 20); })};
           }},
          {"softshrink",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::softshrink_out(y, x, 0.5); }),
                     F([=]() mutable { at::softshrink_backward_out(dx, dy, x, 0.5); })};
           }},
          {"hardshrink",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::hardshrink_out(y, x, 0.5); }),
                     F([=]() mutable { at::hardshrink_backward_out(dx, dy, x, 0.5); })};
           }},
          {"threshold",
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::threshold_out(y, x, 0, 0); }),
                     F([=]() mutable { at::threshold_backward_out(dx, dy, x, 0); })};
           }},
      };
  const auto it = table.find(name);
  if (it == table.end()) return {};
  return it->second(tx, ty, tdy, tdx, buffer);
}
#endif

#ifdef ACTLAB_HAVE_DNNL
// oneDNN: eltwise primitives created once; backward from src (x).
struct DnnlAlg {
  dnnl::algorithm alg;
  float alpha;
  float beta;
};
std::optional<DnnlAlg> dnnl_alg(const std::string& name) {
  using A = dnnl::algorithm;
  static const std::map<std::string, DnnlAlg> table = {
      {"identity", {A::eltwise_linear, 1, 0}},
      {"relu", {A::eltwise_relu, 0, 0}},
      {"relu6", {A::eltwise_clip, 0, 6}},
      {"leaky_relu", {A::eltwise_relu, 0.01f, 0}},
      {"prelu", {A::eltwise_relu, 0.25f, 0}},
      {"rrelu", {A::eltwise_relu, 0.2291667f, 0}},
      {"elu", {A::eltwise_elu, 1, 0}},
      {"gelu", {A::eltwise_gelu_erf, 0, 0}},
      {"gelu_tanh", {A::eltwise_gelu_tanh, 0, 0}},
      {"silu", {A::eltwise_swish, 1, 0}},
      {"swish", {A::eltwise_swish, 1, 0}},
      {"mish", {A::eltwise_mish, 0, 0}},
      {"sigmoid", {A::eltwise_logistic, 0, 0}},
      {"log_sigmoid", {A::eltwise_logsigmoid, 0, 0}},
      {"tanh", {A::eltwise_tanh, 0, 0}},
      {"hardtanh", {A::eltwise_clip, -1, 1}},
      {"hardswish", {A::eltwise_hardswish, 0, 0}},
      {"softplus", {A::eltwise_soft_relu, 0, 0}},
      {"relu_squared", {A::eltwise_square, 0, 0}},
  };
  const auto it = table.find(name);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

PeerOps dnnl_ops(const std::string& name, Buffers& b) {
  const auto a = dnnl_alg(name);
  if (!a) return {};
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  static dnnl::stream strm(eng);
  const dnnl::memory::desc md({static_cast<dnnl::memory::dim>(b.x.size())}, dnnl::memory::data_type::f32,
                              dnnl::memory::format_tag::a);
  dnnl::memory x(md, eng, b.x.data()), y(md, eng, b.y.data()), dy(md, eng, b.dy.data()), dx(md, eng, b.dx.data());
  const dnnl::eltwise_forward::primitive_desc fpd(
      dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, a->alg, md, a->alpha, a->beta), eng);
  const dnnl::eltwise_backward::primitive_desc bpd(dnnl::eltwise_backward::desc(a->alg, md, md, a->alpha, a->beta), eng,
                                                   fpd);
  auto fwd = std::make_shared<dnnl::eltwise_forward>(fpd);
  auto bwd = std::make_shared<dnnl::eltwise_backward>(bpd);
  return {[=] {
            fwd->execute(strm, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
            strm.wait();
          },
          [=] {
            bwd->execute(strm, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
            strm.wait();
          }};
}
#endif

std::vector<std::size_t> parse_list(const std::string& s) {
  std::vector<std::size_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoull(item));
  return out;
}

std::string size_label(std::size_t n) {
  if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " Mi";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + " Ki";
  return std::to_string(n);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> only;
  std::vector<std::size_t> sizes = {4096, 262144, 16777216};
  std::vector<std::size_t> thread_counts = {1, 2};
  bool markdown = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--fn" && i + 1 < argc) {
      only.emplace_back(argv[++i]);
    } else if (a == "--sizes" && i + 1 < argc) {
      sizes = parse_list(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      thread_counts = parse_list(argv[++i]);
    } else if (a == "--markdown") {
      markdown = true;
    } else {
      std::fprintf(stderr, "usage: %s [--fn NAME]... [--sizes N,N] [--threads T,T] [--markdown]\n", argv[0]);
      return 2;
    }
  }
  for (const auto& name : only) {
    if (actlab::find(name) == nullptr) {
      std::fprintf(stderr, "actlab_bench_speed: unknown activation '%s'\n", name.c_str());
      return 2;
    }
  }
  const char* sep = markdown ? " | " : "  ";
  std::printf("%s%-13s%s%-3s%s%6s%s%2s%s%9s%s%7s%s%6s%s%9s%s%9s%s%7s%s\n", markdown ? "| " : "", "function", sep, "dir",
              sep, "size", sep, "th", sep, "ns/elem", sep, "GB/s", sep, "%copy", sep, "torch", sep, "onednn", sep,
              "ratio", markdown ? " |" : "");
  if (markdown) std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const std::size_t n : sizes) {
    Buffers b(n);
    for (const std::size_t threads : thread_counts) {
      actlab::bench::set_threads(static_cast<int>(threads));
      // Forward moves 8 bytes per element, backward 12; copy moves 8 (read + write).
      // The kernels split arrays over threads only from 65,536 elements; the copy does likewise.
      const int copy_threads = n >= 65536 ? static_cast<int>(threads) : 1;
      const double copy_bw = actlab::bench::copy_bandwidth(n * sizeof(float), copy_threads);
      for (const auto& row : actlab::catalog()) {
        const std::string name(row.name);
        if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
        const Activation act(row.id);
        PeerOps torch, onednn;
#ifdef ACTLAB_HAVE_TORCH
        torch = torch_ops(name, b);
#endif
#ifdef ACTLAB_HAVE_DNNL
        onednn = dnnl_ops(name, b);
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
          if (dir == Dir::kBwy) act.forward(std::span<const float>(b.x), std::span<float>(b.y));
          const double t = actlab::bench::seconds_per_call(ours);
          const double bytes = static_cast<double>(n) * (dir == Dir::kFwd ? 8.0 : 12.0);
          const bool peer_takes_y = name == "sigmoid" || name == "tanh";
          const auto peer = [&](const PeerOps& p, bool is_torch) {
            if (dir == Dir::kBwy && !(is_torch && peer_takes_y)) return 0.0;
            const auto& f = dir == Dir::kFwd ? p.fwd : p.bwd;
            return f ? actlab::bench::seconds_per_call(f) : 0.0;
          };
          const double tt = peer(torch, true), td = peer(onednn, false);
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
