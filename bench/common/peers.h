// peers.h — what the benchmarks share about the peers: one thread count for all.
#ifndef ACTLAB_BENCH_PEERS_H_
#define ACTLAB_BENCH_PEERS_H_

#include <unistd.h>

#include <cstdlib>

#include "actlab/threads.h"

#ifdef ACTLAB_HAVE_TORCH
#include <ATen/Parallel.h>
#endif
#ifdef ACTLAB_HAVE_DNNL
#include <omp.h>
#endif

namespace actlab::bench {

/** Call first in main. OpenMP's workers (libtorch's and oneDNN's) spin for a while after
 *  each parallel region by default; with two cores, a spinning worker takes the core that
 *  actlab's next batch wants (the batches alternate), and actlab's two-thread softmax read
 *  0.53-0.69 ns/elem instead of 0.37. The wait policy is read when libgomp loads, before
 *  main, so the process re-executes itself once with OMP_WAIT_POLICY=passive unless the
 *  caller chose a policy. Each library then runs with its own threads alone. */
inline void quiet_openmp_workers(char** argv) {
#if defined(ACTLAB_HAVE_TORCH) || defined(ACTLAB_HAVE_DNNL)
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "passive", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then run as we are
#else
  (void)argv;
#endif
}

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
