// timer.h — the one timing loop shared by bench/speed and `actlab bench`.
//
// A measurement is the fastest of several batches, each long enough (>= 2 ms)
// to swamp clock resolution; speeds are only compared as ratios within a run.
#ifndef ACTLAB_BENCH_TIMER_H_
#define ACTLAB_BENCH_TIMER_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <functional>
#include <new>
#include <thread>
#include <vector>

#include <unistd.h>

namespace actlab::bench {

/** The benchmarks' arrays start on a cache line, as a framework's tensors do (PyTorch's
 *  CPU allocator and oneDNN's align to 64 bytes). std::vector's own 16-byte alignment
 *  made every 512-bit load straddle two lines: relu's backward at 1 Ki floats ran 0.097
 *  ns/elem with its three arrays 16, 32 and 48 bytes past a line against 0.072 aligned,
 *  for actlab and the peers alike, on AMD Zen 4. */
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheLineAllocator() = default;
  template <class U>
  explicit CacheLineAllocator(const CacheLineAllocator<U>& /*other*/) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t /*n*/) noexcept { ::operator delete(p, kAlign); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};
template <class T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

/** Seconds per call of each of fns (empty ones give 0), measured in alternating batches:
 *  round after round, one batch of each function, and each function's fastest batch kept.
 *  The machine's drift over a measurement then falls on every function alike, so their
 *  ratios hold better than separate seconds_per_call measurements taken one after another. */
inline std::vector<double> seconds_per_call_interleaved(const std::vector<std::function<void()>>& fns, int rounds = 9,
                                                        double min_batch_seconds = 2e-3) {
  using clock = std::chrono::steady_clock;
  std::vector<long> reps(fns.size(), 1);
  for (std::size_t f = 0; f < fns.size(); ++f) {
    if (!fns[f]) continue;
    fns[f]();  // warm caches, page in buffers, start thread pools
    for (;;) {
      const auto t0 = clock::now();
      for (long i = 0; i < reps[f]; ++i) fns[f]();
      const double s = std::chrono::duration<double>(clock::now() - t0).count();
      if (s >= min_batch_seconds || reps[f] > (1L << 30)) break;
      reps[f] *= 2;
    }
  }
  std::vector<double> best(fns.size(), 0.0);
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t f = 0; f < fns.size(); ++f) {
      if (!fns[f]) continue;
      const auto t0 = clock::now();
      for (long i = 0; i < reps[f]; ++i) fns[f]();
      const double s = std::chrono::duration<double>(clock::now() - t0).count() / static_cast<double>(reps[f]);
      best[f] = r == 0 ? s : std::min(best[f], s);
    }
  }
  return best;
}

/** Seconds per call of fn(), the minimum over `batches` batches. */
template <class F>
double seconds_per_call(F&& fn, int batches = 7, double min_batch_seconds = 2e-3) {
  return seconds_per_call_interleaved({std::function<void()>(std::ref(fn))}, batches, min_batch_seconds)[0];
}

/** The slowest of time(begin, end) over `threads` slices of [0, bytes) (64-byte multiples),
 *  each timed on a thread of its own, all started together (t = 0 on the caller). */
template <class Time>
double slowest_slice(std::size_t bytes, int threads, Time time) {
  const auto n = static_cast<std::size_t>(std::max(1, threads));
  const std::size_t per = ((bytes + n - 1) / n + 63) / 64 * 64;
  std::vector<double> seconds(n, 0.0);
  std::atomic<std::size_t> started{0};
  const auto run = [&](std::size_t t) {
    const std::size_t begin = std::min(bytes, t * per);
    const std::size_t end = std::min(bytes, begin + per);
    started.fetch_add(1);
    while (started.load() < n) std::this_thread::yield();  // start together
    if (begin < end) seconds[t] = time(begin, end);
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < n; ++t) pool.emplace_back(run, t);
  run(0);
  for (auto& th : pool) th.join();
  return *std::max_element(seconds.begin(), seconds.end());
}

/** Copy bandwidth in bytes/s (read + write counted) for buffers of `bytes` on
 *  `threads` threads (each copies its own slice), measured now. With several threads,
 *  each one times copies of its own slice, all of them at once, and the slowest slice
 *  sets the pace (as in a kernel split the same way). A thread started and joined in
 *  every call had measured the start-up instead: 7.7 GB/s for 2 × 128 KiB on two threads,
 *  where one thread copied the whole 256 KiB at 170.
 *  cold: from memory. Before each timed copy, twice the last-level cache's size (as the
 *  system reports it) is written elsewhere, so the copy starts with neither array in a
 *  cache, as a contender in bench/speed's interleaved rounds does at 16 Mi (the peers'
 *  calls in between move 256–384 MB of their own arrays); the fastest of 7 such copies. */
inline double copy_bandwidth(std::size_t bytes, int threads = 1, bool cold = false) {
  AlignedVector<char> a(bytes, 1), b(bytes);
  const auto copy = [&](std::size_t begin, std::size_t end) {
    std::memcpy(b.data() + begin, a.data() + begin, end - begin);
    asm volatile("" : : "r"(b.data()) : "memory");
  };
  const double total = 2.0 * static_cast<double>(bytes);
  if (!cold) {
    if (threads <= 1) return total / seconds_per_call([&] { copy(0, bytes); });
    return total / slowest_slice(bytes, threads, [&](std::size_t begin, std::size_t end) {
             return seconds_per_call([&] { copy(begin, end); });
           });
  }
  const long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
  AlignedVector<char> flush(2 * static_cast<std::size_t>(llc > 0 ? llc : (64L << 20)));
  double best = 0.0;
  for (int round = 0; round < 7; ++round) {
    std::memset(flush.data(), round, flush.size());
    asm volatile("" : : "r"(flush.data()) : "memory");
    const double s = slowest_slice(bytes, threads, [&](std::size_t begin, std::size_t end) {
      const auto t0 = std::chrono::steady_clock::now();
      copy(begin, end);
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
    best = round == 0 ? s : std::min(best, s);
  }
  return total / best;
}

}  // namespace actlab::bench

#endif  // ACTLAB_BENCH_TIMER_H_
