// eltwise_peers.h — libtorch's and oneDNN's element-wise kernels for a catalog row,
// bound to float buffers: shared by the speed benchmark and the accuracy sweep.
// Each peer is compiled in only when found (ACTLAB_HAVE_TORCH, ACTLAB_HAVE_DNNL).
#ifndef ACTLAB_BENCH_COMMON_ELTWISE_PEERS_H_
#define ACTLAB_BENCH_COMMON_ELTWISE_PEERS_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "timer.h"

#ifdef ACTLAB_HAVE_TORCH
#include <ATen/ATen.h>
#endif
#ifdef ACTLAB_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace actlab::bench {

struct Buffers {
  AlignedVector<float> x, y, dy, dx;
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
// inside the timed call (where PyTorch has no out variant, the result is allocated, as in
// real use, and copied into dx so the accuracy sweep sees it).
inline PeerOps torch_ops(const std::string& name, Buffers& b) {
  const auto n = static_cast<int64_t>(b.x.size());
  auto T = [n](AlignedVector<float>& v) { return at::from_blob(v.data(), {n}, at::kFloat); };
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
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::mish_out(y, x); }),
                     F([=]() mutable { dx.copy_(at::mish_backward(dy, x)); })};
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
           [](auto x, auto y, auto dy, auto dx, auto) -> PeerOps {
             return {F([=]() mutable { at::hardswish_out(y, x); }),
                     F([=]() mutable { dx.copy_(at::hardswish_backward(dy, x)); })};
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
          // PyTorch has no kernel for these two: torch.nn.functional composes them from other
          // ops, and autograd differentiates the composition. These are the same ops (checked
          // bitwise against F.tanhshrink / F.softsign and their autograd gradients, 2^20 inputs),
          // with the forward's intermediate kept in `buf` as autograd keeps it.
          {"tanhshrink",
           [](auto x, auto y, auto dy, auto dx, auto buf) -> PeerOps {
             return {F([=]() mutable {
                       at::tanh_out(buf, x);
                       at::sub_out(y, x, buf);
                     }),
                     F([=]() mutable { at::add_out(dx, dy, at::tanh_backward(-dy, buf)); })};
           }},
          {"softsign",
           [](auto x, auto y, auto dy, auto dx, auto buf) -> PeerOps {
             return {F([=]() mutable {
                       at::abs_out(buf, x);
                       buf.add_(1);
                       at::div_out(y, x, buf);
                     }),
                     F([=]() mutable { at::add_out(dx, dy / buf, (-dy * ((x / buf) / buf)) * x.sgn()); })};
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
inline std::optional<DnnlAlg> dnnl_alg(const std::string& name) {
  using A = dnnl::algorithm;
  static const std::map<std::string, DnnlAlg> table = {
      {"identity", {A::eltwise_linear, 1, 0}},
      {"relu", {A::eltwise_relu, 0, 0}},
      {"relu6", {A::eltwise_clip, 0, 6}},
      {"leaky_relu", {A::eltwise_relu, 0.01f, 0}},
      {"prelu", {A::eltwise_relu, 0.25f, 0}},
      {"rrelu", {A::eltwise_relu, 0.2291667f, 0}},
      {"elu", {A::eltwise_elu, 1, 0}},
      {"celu", {A::eltwise_elu, 1, 0}},  // celu = elu at alpha = 1, the catalog's default
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

inline PeerOps dnnl_ops(const std::string& name, Buffers& b) {
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

}  // namespace actlab::bench

#endif  // ACTLAB_BENCH_COMMON_ELTWISE_PEERS_H_
