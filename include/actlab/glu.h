// actlab/glu.h — gated linear units: an input row of width 2h split in halves (a, b).
//
//   glu:        a·σ(b)          PyTorch's F.glu(x, dim=-1): the second half gates
//   reglu:      relu(a)·b       the LLM feed-forward convention (LLaMA, vLLM's
//   geglu:      gelu(a)·b       SiluAndMul): the first half is activated and
//   geglu_tanh: gelu_tanh(a)·b  multiplies the second
//   swiglu:     silu(a)·b
//
// Forward writes y (rows × h); backward writes both halves of dx (rows × 2h)
// in one call. The activation parts use the element-wise kernels, so their
// accuracy contract carries over.
#ifndef ACTLAB_GLU_H_
#define ACTLAB_GLU_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "actlab/export.h"

namespace actlab {
inline namespace v0 {

enum class GluKind : std::uint8_t { kGlu, kReglu, kGeglu, kGegluTanh, kSwiglu };

ACTLAB_API std::optional<GluKind> glu_kind(std::string_view name) noexcept;
ACTLAB_API std::string_view to_string(GluKind kind) noexcept;

/** y (size/2) from x (rows × 2h, in_cols = 2h). Throws Error for odd or zero
 *  in_cols, a size not a multiple of in_cols, or y of the wrong size. */
ACTLAB_API void glu_forward(GluKind kind, std::span<const float> x, std::span<float> y, std::size_t in_cols);
ACTLAB_API void glu_forward(GluKind kind, std::span<const double> x, std::span<double> y, std::size_t in_cols);
/** dx (rows × 2h) from x and dy (rows × h). */
ACTLAB_API void glu_backward(GluKind kind, std::span<const float> x, std::span<const float> dy, std::span<float> dx,
                             std::size_t in_cols);
ACTLAB_API void glu_backward(GluKind kind, std::span<const double> x, std::span<const double> dy, std::span<double> dx,
                             std::size_t in_cols);

}  // namespace v0
}  // namespace actlab

#endif  // ACTLAB_GLU_H_
