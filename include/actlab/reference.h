// actlab/reference.h — the scalar reference of every catalog row, in double.
//
// The reference is product code: tests, bench/accuracy, `actlab eval` and the
// float fallback all use it. Each function is computed in extended precision
// (long double, 64-bit significand on x86-64) with tail-safe forms (expm1,
// log1p, erfc, symmetric evaluation) and rounded once, so results are within
// about 1 ulp of the correctly rounded double (see docs/accuracy.md).
// Semantics follow PyTorch: defaults, NaN and ±inf, kink values.
#ifndef ACTLAB_REFERENCE_H_
#define ACTLAB_REFERENCE_H_

#include <cstddef>

#include "actlab/activation.h"
#include "actlab/catalog.h"
#include "actlab/export.h"

namespace actlab {
inline namespace v0 {
namespace ref {

/** f(x) for row `id` with parameters `p` (not validated here). */
ACTLAB_API double forward(ActId id, const Params& p, double x) noexcept;
/** f'(x), PyTorch's value at kinks. */
ACTLAB_API double derivative(ActId id, const Params& p, double x) noexcept;
/** f'(x) computed from y = f(x); NaN for rows whose backward needs x. */
ACTLAB_API double derivative_from_y(ActId id, const Params& p, double y) noexcept;
/** ∂f(x)/∂p[k]; NaN for rows without a learnable parameter. */
ACTLAB_API double param_derivative(ActId id, const Params& p, double x, std::size_t k) noexcept;

/** Float results rounded once from extended precision (not via double). */
ACTLAB_API float forward_f(ActId id, const Params& p, float x) noexcept;
ACTLAB_API float backward_f(ActId id, const Params& p, float x, float dy) noexcept;
ACTLAB_API float backward_from_y_f(ActId id, const Params& p, float y, float dy) noexcept;

}  // namespace ref
}  // namespace v0
}  // namespace actlab

#endif  // ACTLAB_REFERENCE_H_
