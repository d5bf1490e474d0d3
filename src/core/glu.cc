// glu.cc — gated linear units from the element-wise kernels.
//
// Row by row: the activated half goes through the SIMD kernel (forward and
// derivative), then one pass multiplies. glu gates with the second half
// (PyTorch's F.glu); the others activate the first half (LLaMA / vLLM).
#include "actlab/glu.h"

#include <string>
#include <vector>

#include "actlab/activation.h"
#include "actlab/error.h"

namespace actlab {
inline namespace v0 {
namespace {

struct GluShape {
  ActId act;
  bool gate_is_second;  // glu: a·act(b); others: act(a)·b
};

GluShape shape_of(GluKind kind) {
  switch (kind) {
    case GluKind::kGlu:
      return {ActId::sigmoid, true};
    case GluKind::kReglu:
      return {ActId::relu, false};
    case GluKind::kGeglu:
      return {ActId::gelu, false};
    case GluKind::kGegluTanh:
      return {ActId::gelu_tanh, false};
    case GluKind::kSwiglu:
      return {ActId::silu, false};
  }
  return {ActId::identity, false};
}

std::size_t check(GluKind kind, const char* what, std::size_t in, std::size_t out, std::size_t in_cols,
                  std::size_t out_expected_factor_num, const char* out_name) {
  const std::string name = std::string(to_string(kind)) + "." + what;
  if (in_cols == 0 || in_cols % 2 != 0) {
    throw Error(name + ": the input width must be even and > 0 (two halves), got " + std::to_string(in_cols));
  }
  if (in % in_cols != 0) {
    throw Error(name + ": " + std::to_string(in) + " values do not split into rows of " + std::to_string(in_cols));
  }
  const std::size_t want = in / 2 * out_expected_factor_num;
  if (out != want) {
    throw Error(name + ": " + out_name + " has " + std::to_string(out) + " values, expected " + std::to_string(want));
  }
  return in / in_cols;
}

template <class T>
void forward_impl(GluKind kind, std::span<const T> x, std::span<T> y, std::size_t in_cols) {
  const std::size_t rows = check(kind, "forward", x.size(), y.size(), in_cols, 1, "y");
  const std::size_t h = in_cols / 2;
  const GluShape s = shape_of(kind);
  const Activation act(s.act);
  std::vector<T> g(h);
  for (std::size_t r = 0; r < rows; ++r) {
    const T* a = x.data() + r * in_cols;
    const T* b = a + h;
    const T* activated = s.gate_is_second ? b : a;
    const T* plain = s.gate_is_second ? a : b;
    act.forward(std::span<const T>(activated, h), std::span<T>(g));
    T* out = y.data() + r * h;
    for (std::size_t i = 0; i < h; ++i) out[i] = plain[i] * g[i];
  }
}

template <class T>
void backward_impl(GluKind kind, std::span<const T> x, std::span<const T> dy, std::span<T> dx, std::size_t in_cols) {
  const std::size_t rows = check(kind, "backward", x.size(), dy.size(), in_cols, 1, "dy");
  if (dx.size() != x.size()) {
    throw Error(std::string(to_string(kind)) + ".backward: dx has " + std::to_string(dx.size()) + " values, expected " +
                std::to_string(x.size()));
  }
  const std::size_t h = in_cols / 2;
  const GluShape s = shape_of(kind);
  const Activation act(s.act);
  std::vector<T> g(h), dg(h), gy(h);
  for (std::size_t r = 0; r < rows; ++r) {
    const T* a = x.data() + r * in_cols;
    const T* b = a + h;
    const T* activated = s.gate_is_second ? b : a;
    const T* plain = s.gate_is_second ? a : b;
    const T* up = dy.data() + r * h;
    // d/d(activated) = dy·plain·act'(activated); d/d(plain) = dy·act(activated).
    for (std::size_t i = 0; i < h; ++i) gy[i] = up[i] * plain[i];
    act.forward(std::span<const T>(activated, h), std::span<T>(g));
    act.backward(std::span<const T>(activated, h), std::span<const T>(gy), std::span<T>(dg));
    T* d_act = dx.data() + r * in_cols + (s.gate_is_second ? h : 0);
    T* d_plain = dx.data() + r * in_cols + (s.gate_is_second ? 0 : h);
    for (std::size_t i = 0; i < h; ++i) {
      const T grad_plain = up[i] * g[i];
      d_act[i] = dg[i];
      d_plain[i] = grad_plain;
    }
  }
}

}  // namespace

std::optional<GluKind> glu_kind(std::string_view name) noexcept {
  if (name == "glu") return GluKind::kGlu;
  if (name == "reglu") return GluKind::kReglu;
  if (name == "geglu") return GluKind::kGeglu;
  if (name == "geglu_tanh") return GluKind::kGegluTanh;
  if (name == "swiglu") return GluKind::kSwiglu;
  return std::nullopt;
}

std::string_view to_string(GluKind kind) noexcept {
  switch (kind) {
    case GluKind::kGlu:
      return "glu";
    case GluKind::kReglu:
      return "reglu";
    case GluKind::kGeglu:
      return "geglu";
    case GluKind::kGegluTanh:
      return "geglu_tanh";
    case GluKind::kSwiglu:
      return "swiglu";
  }
  return "?";
}

void glu_forward(GluKind kind, std::span<const float> x, std::span<float> y, std::size_t in_cols) {
  forward_impl(kind, x, y, in_cols);
}
void glu_forward(GluKind kind, std::span<const double> x, std::span<double> y, std::size_t in_cols) {
  forward_impl(kind, x, y, in_cols);
}
void glu_backward(GluKind kind, std::span<const float> x, std::span<const float> dy, std::span<float> dx,
                  std::size_t in_cols) {
  backward_impl(kind, x, dy, dx, in_cols);
}
void glu_backward(GluKind kind, std::span<const double> x, std::span<const double> dy, std::span<double> dx,
                  std::size_t in_cols) {
  backward_impl(kind, x, dy, dx, in_cols);
}

}  // namespace v0
}  // namespace actlab
