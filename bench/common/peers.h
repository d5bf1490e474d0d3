// peers.h — what the benchmarks share about the peers: one thread count for all.
#ifndef ACTLAB_BENCH_PEERS_H_
#define ACTLAB_BENCH_PEERS_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "actlab/error.h"
#include "actlab/threads.h"
#include "actlab/version.h"

#ifdef ACTLAB_HAVE_TORCH
#include <ATen/Parallel.h>
#endif
#ifdef ACTLAB_HAVE_DNNL
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
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

/** `--simd NAME`: caps actlab at the Highway target NAME (actlab::simd_targets() lists them)
 *  and the peers at the same instruction set: oneDNN by its ISA limit, libtorch by
 *  ATEN_CPU_CAPABILITY (read at its first kernel call, so this must come before any).
 *  AVX3* is AVX-512 for both (oneDNN avx512_core, libtorch avx512), AVX2 is AVX2, anything
 *  below is SSE4.1 for oneDNN and libtorch's portable "default" kernels. So an AVX-512
 *  machine also measures the ratios an AVX2 machine would see. Prints one line and returns
 *  false for a name this CPU cannot run. */
inline std::string& peer_isa() {
  static std::string isa = "their best for this CPU";
  return isa;
}
inline bool cap_simd(const std::string& name, const char* prog) {
  try {
    actlab::set_max_simd_target(name);
  } catch (const actlab::Error& e) {
    std::fprintf(stderr, "%s: %s\n", prog, e.what());
    return false;
  }
  const std::string t = actlab::simd_target();
  const bool avx512 = t.rfind("AVX3", 0) == 0;
  const bool avx2 = t == "AVX2";
  peer_isa() = avx512 ? "AVX-512" : avx2 ? "AVX2" : "SSE4.1 (libtorch: default)";
#ifdef ACTLAB_HAVE_TORCH
  setenv("ATEN_CPU_CAPABILITY", avx512 ? "avx512" : avx2 ? "avx2" : "default", 1);
#endif
#ifdef ACTLAB_HAVE_DNNL
  dnnl::set_max_cpu_isa(avx512 ? dnnl::cpu_isa::avx512_core : avx2 ? dnnl::cpu_isa::avx2 : dnnl::cpu_isa::sse41);
#endif
  return true;
}

/** Lines above a table: the processor, the SIMD target actlab ran on, and the peers'
 *  instruction set. */
inline void print_simd_line() {
  std::printf("CPU: %s\nSIMD: actlab %s; peers %s\n\n", actlab::cpu_model().c_str(), actlab::simd_target(),
              peer_isa().c_str());
}

}  // namespace actlab::bench

#endif  // ACTLAB_BENCH_PEERS_H_
