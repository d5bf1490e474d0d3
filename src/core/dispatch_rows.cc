// dispatch_rows.cc — the row kernels (softmax family, the cross-entropy row pass):
// compiled once per SIMD target, chosen at run time, as dispatch.cc does for the
// element-wise kernels.
//
// A translation unit of its own so that GCC can schedule it before register allocation
// (-fschedule-insns, CMakeLists.txt): the exp pass computes two vectors a step, and
// interleaving their instructions, which GCC does not do by default on x86, made the
// float32 softmax forward 6-14 % faster on AMD Zen 4 (one thread: 4096 x 1000 softmax
// 0.47 -> 0.41 ns/element, log_softmax 0.48 -> 0.43; adding -fsched-pressure changed
// nothing, and clang, which clang-tidy runs, rejects it). The element-wise kernels compute
// one vector a step and ran 5-10 % slower with the flags, so dispatch.cc keeps the default.
#include <cstddef>
#include <type_traits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "dispatch_rows.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/softmax-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actlab::kernels::HWY_NAMESPACE {
// The SIMD kernels follow Highway's naming (CamelCase operations).
// NOLINTBEGIN(readability-identifier-naming)

void SoftmaxF32(SoftmaxKind kind, const float* x, float* y, std::size_t rows, std::size_t cols, double inv_t,
                bool masked_safe) {
  SoftmaxRowsImpl(kind, x, y, rows, cols, inv_t, masked_safe);
}
void LogitRowsF32(const float* x, float* grad, std::size_t rows, std::size_t cols, double scale, double offset,
                  bool want_sum_z, double* max, double* sum_minus_1, double* log_s, double* sum_z, unsigned char* ok) {
  LogitRowsF32Impl(x, grad, rows, cols, scale, offset, want_sum_z, max, sum_minus_1, log_s, sum_z, ok);
}
void SoftmaxF64(SoftmaxKind kind, const double* x, double* y, std::size_t rows, std::size_t cols, double inv_t,
                bool masked_safe) {
  SoftmaxRowsImpl(kind, x, y, rows, cols, inv_t, masked_safe);
}
void SoftmaxBackwardF32(SoftmaxKind kind, const float* y, const float* dy, float* dx, std::size_t rows,
                        std::size_t cols, double inv_t, bool masked_safe) {
  SoftmaxBackwardRowsImpl(kind, y, dy, dx, rows, cols, inv_t, masked_safe);
}
void SoftmaxBackwardF64(SoftmaxKind kind, const double* y, const double* dy, double* dx, std::size_t rows,
                        std::size_t cols, double inv_t, bool masked_safe) {
  SoftmaxBackwardRowsImpl(kind, y, dy, dx, rows, cols, inv_t, masked_safe);
}

// NOLINTEND(readability-identifier-naming)
}  // namespace actlab::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels.h"
#include "parallel.h"

namespace actlab::kernels {
HWY_EXPORT(LogitRowsF32);
HWY_EXPORT(SoftmaxF32);
HWY_EXPORT(SoftmaxF64);
HWY_EXPORT(SoftmaxBackwardF32);
HWY_EXPORT(SoftmaxBackwardF64);
}  // namespace actlab::kernels

namespace actlab::detail {

// Rows split over the pool (row granularity); each row is one thread's, so the
// bits do not depend on the thread count.
template <typename F>
void for_rows(std::size_t rows, std::size_t cols, F f) {
  if (rows == 0) return;
  if (rows < 2 || rows * cols < kParallelMinElements) {
    f(0, rows);
    return;
  }
  parallel_ranges(rows, [&](std::size_t r0, std::size_t r1) { f(r0, r1); });
}

template <class T>
void softmax_rows(SoftmaxKind kind, const T* x, T* y, std::size_t rows, std::size_t cols, double inv_t,
                  bool masked_safe) {
  for_rows(rows, cols, [&](std::size_t r0, std::size_t r1) {
    const std::size_t o = r0 * cols;
    if constexpr (std::is_same_v<T, float>) {
      HWY_DYNAMIC_DISPATCH(kernels::SoftmaxF32)(kind, x + o, y + o, r1 - r0, cols, inv_t, masked_safe);
    } else {
      HWY_DYNAMIC_DISPATCH(kernels::SoftmaxF64)(kind, x + o, y + o, r1 - r0, cols, inv_t, masked_safe);
    }
  });
}

template <class T>
void softmax_backward_rows(SoftmaxKind kind, const T* y, const T* dy, T* dx, std::size_t rows, std::size_t cols,
                           double inv_t, bool masked_safe) {
  for_rows(rows, cols, [&](std::size_t r0, std::size_t r1) {
    const std::size_t o = r0 * cols;
    if constexpr (std::is_same_v<T, float>) {
      HWY_DYNAMIC_DISPATCH(kernels::SoftmaxBackwardF32)(kind, y + o, dy + o, dx + o, r1 - r0, cols, inv_t, masked_safe);
    } else {
      HWY_DYNAMIC_DISPATCH(kernels::SoftmaxBackwardF64)(kind, y + o, dy + o, dx + o, r1 - r0, cols, inv_t, masked_safe);
    }
  });
}

void logit_rows_f32(const float* x, float* grad, std::size_t rows, std::size_t cols, double scale, double offset,
                    bool want_sum_z, double* max, double* sum_minus_1, double* log_s, double* sum_z,
                    unsigned char* ok) {
  for_rows(rows, cols, [&](std::size_t r0, std::size_t r1) {
    const std::size_t o = r0 * cols;
    HWY_DYNAMIC_DISPATCH(kernels::LogitRowsF32)
    (x + o, grad + o, r1 - r0, cols, scale, offset, want_sum_z, max + r0, sum_minus_1 + r0, log_s + r0, sum_z + r0,
     ok + r0);
  });
}

template void softmax_rows<float>(SoftmaxKind, const float*, float*, std::size_t, std::size_t, double, bool);
template void softmax_rows<double>(SoftmaxKind, const double*, double*, std::size_t, std::size_t, double, bool);
template void softmax_backward_rows<float>(SoftmaxKind, const float*, const float*, float*, std::size_t, std::size_t,
                                           double, bool);
template void softmax_backward_rows<double>(SoftmaxKind, const double*, const double*, double*, std::size_t,
                                            std::size_t, double, bool);

}  // namespace actlab::detail
#endif  // HWY_ONCE
