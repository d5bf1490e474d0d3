// peers.h — what the benchmarks share about the peers: one thread count for all.
#ifndef ACTLAB_BENCH_PEERS_H_
#define ACTLAB_BENCH_PEERS_H_

#include "actlab/threads.h"

#ifdef ACTLAB_HAVE_TORCH
#include <ATen/Parallel.h>
#endif
#ifdef ACTLAB_HAVE_DNNL
#include <omp.h>
#endif

namespace actlab::bench {

/** The same thread count for actlab, libtorch (intra-op) and oneDNN (OpenMP). */
inline void set_threads(int t) {
  actlab::set_num_threads(t);
#ifdef ACTLAB_HAVE_TORCH
  at::set_num_threads(t);
#endif
#ifdef ACTLAB_HAVE_DNNL
  omp_set_num_threads(t);
#endif
}

}  // namespace actlab::bench

#endif  // ACTLAB_BENCH_PEERS_H_
