// dispatch.cc — array kernels. Until the SIMD kernels land this runs the
// scalar reference element by element (rounded once from extended precision),
// which is slow but correctly rounded in nearly every case.
#include <cstddef>

#include "actlab/reference.h"
#include "kernels.h"

namespace actlab::detail {

template <>
void forward<float>(ActId id, const Params& p, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = ref::forward_f(id, p, x[i]);
}
template <>
void forward<double>(ActId id, const Params& p, const double* x, double* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = ref::forward(id, p, x[i]);
}
template <>
void backward<float>(ActId id, const Params& p, const float* x, const float* dy, float* dx, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dx[i] = ref::backward_f(id, p, x[i], dy[i]);
}
template <>
void backward<double>(ActId id, const Params& p, const double* x, const double* dy, double* dx, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dx[i] = ref::derivative(id, p, x[i]) * dy[i];
}
template <>
void backward_from_y<float>(ActId id, const Params& p, const float* y, const float* dy, float* dx, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dx[i] = ref::backward_from_y_f(id, p, y[i], dy[i]);
}
template <>
void backward_from_y<double>(ActId id, const Params& p, const double* y, const double* dy, double* dx, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dx[i] = ref::derivative_from_y(id, p, y[i]) * dy[i];
}

}  // namespace actlab::detail
