// actlab/softmax.h — softmax, log_softmax and softmin over the rows of a (rows × cols) array.
//
//   actlab::softmax_forward(actlab::SoftmaxKind::kSoftmax, x, y, cols);
//   actlab::softmax_backward(actlab::SoftmaxKind::kSoftmax, y, dy, dx, cols);
//
// Arrays are row-major; rows = size / cols. Each row is computed with max
// subtraction from −inf, exp and sums in double, and one rounding to the
// output type, so any logit magnitude is stable. Backward is the
// vector–Jacobian product from the forward *output* y (never the Jacobian):
//   softmax:     dx = y·(dy − Σ dy·y) / T
//   log_softmax: dx = (dy − exp(y)·Σ dy) / T
//   softmin:     dx = −y·(dy − Σ dy·y) / T
// Rows run on all threads for large arrays; results are bitwise identical
// whatever the thread count. Outputs may alias inputs.
#ifndef ACTLAB_SOFTMAX_H_
#define ACTLAB_SOFTMAX_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "actlab/export.h"

namespace actlab {
inline namespace v0 {

enum class SoftmaxKind : std::uint8_t { kSoftmax, kLogSoftmax, kSoftmin };

struct SoftmaxOptions {
  /** softmax(x / T): T -> 0 approaches argmax, T -> inf the uniform distribution. Finite, > 0. */
  double temperature = 1.0;
  /** A row that is all −inf gives NaN (PyTorch); with masked_safe it gives zeros
   *  (softmax, softmin) or −inf (log_softmax) and a zero gradient. */
  bool masked_safe = false;
};

/** "softmax", "log_softmax", "softmin" (and "logsoftmax"); nullopt otherwise. */
ACTLAB_API std::optional<SoftmaxKind> softmax_kind(std::string_view name) noexcept;
ACTLAB_API std::string_view to_string(SoftmaxKind kind) noexcept;

/** y = kind(x) row by row. Throws Error if cols == 0, sizes differ, size % cols != 0,
 *  or the temperature is not finite and positive. */
ACTLAB_API void softmax_forward(SoftmaxKind kind, std::span<const float> x, std::span<float> y, std::size_t cols,
                                const SoftmaxOptions& options = {});
ACTLAB_API void softmax_forward(SoftmaxKind kind, std::span<const double> x, std::span<double> y, std::size_t cols,
                                const SoftmaxOptions& options = {});

/** dx from the forward output y and the upstream gradient dy (same checks). */
ACTLAB_API void softmax_backward(SoftmaxKind kind, std::span<const float> y, std::span<const float> dy,
                                 std::span<float> dx, std::size_t cols, const SoftmaxOptions& options = {});
ACTLAB_API void softmax_backward(SoftmaxKind kind, std::span<const double> y, std::span<const double> dy,
                                 std::span<double> dx, std::size_t cols, const SoftmaxOptions& options = {});

}  // namespace v0
}  // namespace actlab

#endif  // ACTLAB_SOFTMAX_H_
