// parallel.cc — a persistent pool: workers sleep on a condition variable and take
// the job's chunks first come first served; the caller runs chunk 0, then takes
// chunks too. Before sleeping, a worker (waiting for a job) and the caller (waiting for
// the last chunk) spin for kSpin.
#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

#include "actlab/error.h"
#include "actlab/threads.h"

namespace actlab {
inline namespace v0 {
namespace {

constexpr int kMaxThreads = 64;

int default_threads() {
  if (const char* env = std::getenv("ACTLAB_NUM_THREADS")) {
    const int v = std::atoi(env);
    if (v >= 1) return std::min(v, kMaxThreads);
  }
  // The cores this process may run on (taskset, cgroup cpusets), where the system says:
  // hardware_concurrency() counts every online core, and threads beyond the allowed ones
  // only take turns on them.
#if defined(__linux__)
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
    const int count = CPU_COUNT(&allowed);
    if (count >= 1) return std::min(count, kMaxThreads);
  }
#endif
  const unsigned hw = std::thread::hardware_concurrency();
  return std::clamp(static_cast<int>(hw == 0 ? 1 : hw), 1, kMaxThreads);
}

std::atomic<int> g_threads{0};  // 0: not decided yet

// How long a thread with nothing to do polls before it sleeps. A thread woken from the
// condition variable started 15–25 µs after the notify on this 2-vCPU VM (its vCPU had
// halted): a 64 Ki-float sigmoid took 26 µs on two threads against 22 on one, and every
// call of a loop paid it again. Calls that follow one another within kSpin find the
// workers awake; an idle pool costs a core for kSpin after each call, then nothing.
constexpr auto kSpin = std::chrono::microseconds(200);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Polls done() for up to kSpin; true once it holds. It yields the core every 64 polls:
// with more threads than cores (a process pinned to fewer cores than it asked threads
// for), a spinning thread would otherwise hold the core that the thread it waits for
// needs (gelu, 64 Ki floats, two threads on one core: 1.33 ns/elem before the spin, 2.05 with
// it, 1.29 with the yield).
template <class Done>
bool spin_until(Done done) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (unsigned i = 1;; ++i) {
    if (done()) return true;
    cpu_relax();
    if (i % 64 == 0) {
      if (std::chrono::steady_clock::now() >= until) return done();
      std::this_thread::yield();
    }
  }
}

class Pool {
 public:
  static Pool& instance() {
    static Pool pool;
    return pool;
  }

  // task(0..chunks−1) on `threads` threads (the caller and threads − 1 workers).
  void run(int chunks, int threads, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> job_lock(job_mutex_);  // one job at a time
    ensure_workers(threads - 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      chunks_ = chunks;
      helpers_ = threads - 1;
      next_ = 1;
      pending_ = chunks - 1;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    task(0);
    std::unique_lock<std::mutex> lock(mutex_);
    while (next_ < chunks_) {  // more chunks than threads: the caller takes its share too
      const int chunk = next_++;
      lock.unlock();
      task(chunk);
      lock.lock();
      --pending_;
    }
    if (pending_ != 0) {
      lock.unlock();
      spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; });
      lock.lock();
    }
    done_.wait(lock, [&] { return pending_ == 0; });
    task_ = nullptr;
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_.store(true, std::memory_order_release);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  void ensure_workers(int n) {
    while (static_cast<int>(workers_.size()) < n) {
      const int index = static_cast<int>(workers_.size());
      workers_.emplace_back([this, index] { loop(index); });
    }
  }

  // Worker `index` joins a job only if the job asked for more than `index` helpers (the
  // pool keeps the workers of an earlier, larger thread count).
  void loop(int index) {
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      const auto ready = [&] { return stop_ || (generation_ != seen && index < helpers_ && next_ < chunks_); };
      if (!ready()) {
        lock.unlock();
        spin_until([&] {
          return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
        });
        lock.lock();
      }
      wake_.wait(lock, ready);
      if (stop_) return;
      seen = generation_;
      while (next_ < chunks_) {
        const int chunk = next_++;
        const auto* task = task_;
        lock.unlock();
        (*task)(chunk);
        lock.lock();
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  std::mutex job_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* task_ = nullptr;
  int chunks_ = 0;
  int helpers_ = 0;
  int next_ = 0;
  // Written under mutex_; the spins read them without it.
  std::atomic<int> pending_{0};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace

int num_threads() noexcept {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    n = default_threads();
    g_threads.store(n, std::memory_order_relaxed);
  }
  return n;
}

void set_num_threads(int n) {
  if (n < 1) throw Error("set_num_threads: need at least 1 thread, got " + std::to_string(n));
  g_threads.store(std::min(n, kMaxThreads), std::memory_order_relaxed);
}

}  // namespace v0

namespace detail {

void parallel_for_on_pool(std::size_t n, std::size_t min_elements,
                          const std::function<void(std::size_t, std::size_t)>& fn) {
  const int threads = num_threads();
  if (threads <= 1 || n < min_elements) {
    fn(0, n);
    return;
  }
  // Equal chunks rounded to 64 elements: the split depends only on n and the thread count.
  const std::size_t chunks = static_cast<std::size_t>(threads);
  const std::size_t per = ((n + chunks - 1) / chunks + 63) / 64 * 64;
  const int used = static_cast<int>((n + per - 1) / per);
  Pool::instance().run(used, used, [&](int c) {
    const std::size_t begin = static_cast<std::size_t>(c) * per;
    fn(begin, std::min(n, begin + per));
  });
}

// Rows are handed out in kChunksPerThread chunks per thread, first come first served, so a
// thread slowed by its core's other work (this 2-core VM) does not hold the others back.
constexpr std::size_t kChunksPerThread = 8;

void parallel_ranges(std::size_t count, const std::function<void(std::size_t, std::size_t)>& fn) {
  const std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(num_threads()), count);
  if (threads <= 1) {
    fn(0, count);
    return;
  }
  const std::size_t chunks = std::min(count, threads * kChunksPerThread);
  Pool::instance().run(static_cast<int>(chunks), static_cast<int>(threads), [&](int c) {
    const auto t = static_cast<std::size_t>(c);
    fn(count * t / chunks, count * (t + 1) / chunks);
  });
}

}  // namespace detail
}  // namespace actlab
