// softmax.cc — the softmax family's API: validation, then the row kernels.
#include "actlab/softmax.h"

#include <cmath>
#include <string>

#include "actlab/error.h"
#include "kernels.h"
#include "text.h"

namespace actlab {
inline namespace v0 {
namespace {

std::size_t check_rows(SoftmaxKind kind, const char* what, std::size_t n, std::size_t cols, const SoftmaxOptions& o) {
  const std::string name = std::string(to_string(kind)) + "." + what;
  if (cols == 0) throw Error(name + ": rows must have at least one column");
  if (n % cols != 0) {
    throw Error(name + ": " + std::to_string(n) + " values do not split into rows of " + std::to_string(cols));
  }
  if (!std::isfinite(o.temperature) || o.temperature <= 0) {
    throw Error(name + ": temperature must be finite and > 0, got " + detail::number_text(o.temperature));
  }
  return n / cols;
}

void check_same(SoftmaxKind kind, const char* what, std::size_t a, std::size_t b, const char* an, const char* bn) {
  if (a != b) {
    throw Error(std::string(to_string(kind)) + "." + what + ": " + an + " has " + std::to_string(a) + " values but " +
                bn + " has " + std::to_string(b));
  }
}

template <class T>
void forward_impl(SoftmaxKind kind, std::span<const T> x, std::span<T> y, std::size_t cols, const SoftmaxOptions& o) {
  check_same(kind, "forward", x.size(), y.size(), "x", "y");
  const std::size_t rows = check_rows(kind, "forward", x.size(), cols, o);
  detail::softmax_rows(kind, x.data(), y.data(), rows, cols, 1.0 / o.temperature, o.masked_safe);
}

template <class T>
void backward_impl(SoftmaxKind kind, std::span<const T> y, std::span<const T> dy, std::span<T> dx, std::size_t cols,
                   const SoftmaxOptions& o) {
  check_same(kind, "backward", y.size(), dy.size(), "y", "dy");
  check_same(kind, "backward", y.size(), dx.size(), "y", "dx");
  const std::size_t rows = check_rows(kind, "backward", y.size(), cols, o);
  detail::softmax_backward_rows(kind, y.data(), dy.data(), dx.data(), rows, cols, 1.0 / o.temperature, o.masked_safe);
}

}  // namespace

std::optional<SoftmaxKind> softmax_kind(std::string_view name) noexcept {
  if (name == "softmax") return SoftmaxKind::kSoftmax;
  if (name == "log_softmax" || name == "logsoftmax") return SoftmaxKind::kLogSoftmax;
  if (name == "softmin") return SoftmaxKind::kSoftmin;
  return std::nullopt;
}

std::string_view to_string(SoftmaxKind kind) noexcept {
  switch (kind) {
    case SoftmaxKind::kSoftmax:
      return "softmax";
    case SoftmaxKind::kLogSoftmax:
      return "log_softmax";
    case SoftmaxKind::kSoftmin:
      return "softmin";
  }
  return "?";
}

void softmax_forward(SoftmaxKind kind, std::span<const float> x, std::span<float> y, std::size_t cols,
                     const SoftmaxOptions& o) {
  forward_impl(kind, x, y, cols, o);
}
void softmax_forward(SoftmaxKind kind, std::span<const double> x, std::span<double> y, std::size_t cols,
                     const SoftmaxOptions& o) {
  forward_impl(kind, x, y, cols, o);
}
void softmax_backward(SoftmaxKind kind, std::span<const float> y, std::span<const float> dy, std::span<float> dx,
                      std::size_t cols, const SoftmaxOptions& o) {
  backward_impl(kind, y, dy, dx, cols, o);
}
void softmax_backward(SoftmaxKind kind, std::span<const double> y, std::span<const double> dy, std::span<double> dx,
                      std::size_t cols, const SoftmaxOptions& o) {
  backward_impl(kind, y, dy, dx, cols, o);
}

}  // namespace v0
}  // namespace actlab
