// actlab/threads.h — how many threads the array kernels use.
#ifndef ACTLAB_THREADS_H_
#define ACTLAB_THREADS_H_

#include "actlab/export.h"

namespace actlab {
inline namespace v0 {

/** Threads used for large arrays: the value set by set_num_threads(), else the
 *  environment variable ACTLAB_NUM_THREADS, else the number of cores. Results are
 *  bitwise identical whatever the count. */
ACTLAB_API int num_threads() noexcept;
/** Sets the thread count (>= 1; values above 64 are capped). Not for concurrent use with running kernels. */
ACTLAB_API void set_num_threads(int n);

}  // namespace v0
}  // namespace actlab

#endif  // ACTLAB_THREADS_H_
