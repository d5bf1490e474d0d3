// actlab/threads.h — how many threads the array kernels use.
#ifndef ACTLAB_THREADS_H_
#define ACTLAB_THREADS_H_

#include <cstddef>

#include "actlab/export.h"

namespace actlab {
inline namespace v0 {

/** Element-wise arrays of at least this many elements (and row kernels' arrays with at least
 *  two rows and this many elements) are split over num_threads() threads; shorter ones run
 *  on the calling thread. Activations whose kernels cost more per element split earlier (for
 *  example sigmoid, tanh and the elu family from 8 Ki elements; gelu, gelu_tanh, mish,
 *  softplus forward and the x·σ backwards from 4 Ki), where each thread's half is still
 *  about 1 µs of work or more. From docs/performance.md ("Thread pool"): with the pool's workers
 *  awake, two threads paid from these lengths on for every row measured, relu included. */
inline constexpr std::size_t kParallelMinElements = std::size_t{1} << 14;

/** Threads used for large arrays: the value set by set_num_threads(), else the
 *  environment variable ACTLAB_NUM_THREADS, else the number of cores this process may run
 *  on (its CPU affinity: taskset, cpusets). Results are bitwise identical whatever the
 *  count. After a parallel call the pool's workers poll for the next one for 200 µs before
 *  they sleep (a woken thread started 15–25 µs late on the machine this was measured on). */
ACTLAB_API int num_threads() noexcept;
/** Sets the thread count (>= 1; values above 64 are capped). Not for concurrent use with running kernels. */
ACTLAB_API void set_num_threads(int n);

}  // namespace v0
}  // namespace actlab

#endif  // ACTLAB_THREADS_H_
