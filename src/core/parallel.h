// parallel.h — a small persistent thread pool for the array kernels (internal).
//
// Element-wise kernels have no reductions, so any split gives bitwise the same
// result; the split is still fixed (equal chunks, multiples of 64 elements) so
// that later kernels with reductions can rely on it.
#ifndef ACTLAB_SRC_CORE_PARALLEL_H_
#define ACTLAB_SRC_CORE_PARALLEL_H_

#include <cstddef>
#include <functional>

#include "actlab/threads.h"

namespace actlab::detail {

/** Element-wise calls writing at least this many bytes store with non-temporal
 *  (streaming) stores: the output bypasses the caches instead of first being read
 *  into them. 8 MiB is twice this machine's L2 per core (docs/performance.md). */
inline constexpr std::size_t kStreamMinBytes = std::size_t{8} << 20;

/** Runs fn(begin, end) over [0, n) on up to num_threads() threads, in equal chunks; blocks
 *  until done. Below min_elements (or with one thread) fn runs inline on the whole range:
 *  kParallelMinElements for kernels that run at about copy speed, less for costlier ones
 *  (dispatch.cc, split_from). */
void parallel_for_on_pool(std::size_t n, std::size_t min_elements,
                          const std::function<void(std::size_t, std::size_t)>& fn);
/** parallel_for_on_pool without wrapping fn in a std::function for arrays that run inline:
 *  a kernel lambda's captures outgrow std::function's small buffer, and the allocation it
 *  then made put relu's 16-element call at 41-73 ns instead of 28-32. */
template <class F>
void parallel_for(std::size_t n, std::size_t min_elements, const F& fn) {
  if (n < min_elements) {
    fn(std::size_t{0}, n);
    return;
  }
  parallel_for_on_pool(n, min_elements, fn);
}

/** Splits [0, count) into up to 8 contiguous ranges per thread (no size threshold:
 *  the caller decides the work is worth it) and runs fn(begin, end) on each; threads
 *  take the ranges first come first served. The split depends only on count and the
 *  thread count, so per-row results do not depend on which thread ran them. */
void parallel_ranges(std::size_t count, const std::function<void(std::size_t, std::size_t)>& fn);

}  // namespace actlab::detail

#endif  // ACTLAB_SRC_CORE_PARALLEL_H_
