// kernels.h — internal entry points of the array kernels (not installed).
//
// activation.cc validates spans and parameters, then calls these. dispatch.cc
// implements them; they write their output and never accumulate. Any output
// may alias an input of the same length.
#ifndef ACTLAB_SRC_CORE_KERNELS_H_
#define ACTLAB_SRC_CORE_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actlab/activation.h"
#include "actlab/catalog.h"
#include "actlab/softmax.h"

namespace actlab::detail {

template <class T>
void forward(ActId id, const Params& p, const T* x, T* y, std::size_t n);
template <class T>
void backward(ActId id, const Params& p, const T* x, const T* dy, T* dx, std::size_t n);
template <class T>
void backward_from_y(ActId id, const Params& p, const T* y, const T* dy, T* dx, std::size_t n);

/** Row-wise softmax family over (rows × cols); inv_t = 1/temperature. */
template <class T>
void softmax_rows(SoftmaxKind kind, const T* x, T* y, std::size_t rows, std::size_t cols, double inv_t,
                  bool masked_safe);
template <class T>
void softmax_backward_rows(SoftmaxKind kind, const T* y, const T* dy, T* dx, std::size_t rows, std::size_t cols,
                           double inv_t, bool masked_safe);

/** The cross-entropy row pass over float32 logits (threaded over rows): grad = softmax·scale
 *  − offset, and per row the max m, s − 1 = Σ e^(z−m) − 1 kept exact near 0, log s =
 *  log1p(s − 1) where the pass formed it (NaN elsewhere: short rows have it for little),
 *  and Σ z when want_sum_z. ok[r] = 0 marks rows (NaN, infinite max) left for
 *  the caller's exact path. */
void logit_rows_f32(const float* x, float* grad, std::size_t rows, std::size_t cols, double scale, double offset,
                    bool want_sum_z, double* max, double* sum_minus_1, double* log_s, double* sum_z, unsigned char* ok);

/** SIMD targets compiled in and supported by this CPU, best first: (Highway bit, name). */
std::vector<std::pair<std::int64_t, std::string>> simd_targets();
/** Restricts dispatch to `target` (a Highway bit); 0 restores normal dispatch. For tests. */
void force_simd_target(std::int64_t target);
/** Name of the target the kernels dispatch to now. */
const char* active_simd_target();
/** Every target this build and CPU can run, best first, whatever the cap. */
std::vector<std::string> all_simd_target_names();
/** Caps dispatch at the named target (see actlab::set_max_simd_target). */
void set_max_simd_target(std::string_view name);

}  // namespace actlab::detail

#endif  // ACTLAB_SRC_CORE_KERNELS_H_
