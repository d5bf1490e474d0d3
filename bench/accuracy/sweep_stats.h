// sweep_stats.h — the accuracy sweep's error statistics (bench/accuracy/accuracy.cc),
// in a header so that tests/bench/sweep_stats_test.cc holds the fast block pass to the
// element-by-element rules.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace actlab::bench::sweep {

// Whether input a comes before b in the reports: nearer 0, then the negative one. The
// inputs named (where the worst error occurs, where the tail failures begin) are then
// the same whatever the block size, the thread count and the order blocks finish in.
inline bool nearer_zero(float a, float b) {
  const float fa = std::fabs(a);
  const float fb = std::fabs(b);
  return fa < fb || (fa == fb && std::signbit(a) && !std::signbit(b));
}

// Error statistics of one implementation, one row, one direction.
struct Stats {
  double worst = 0;
  float worst_x = 0;  // of the inputs with the worst error, the one nearest 0
  std::uint64_t count = 0;
  std::uint64_t not_rounded = 0;  // error > 0.5 ulp
  std::uint64_t tail = 0;         // zero or wrong sign where |exact| >= the smallest subnormal
  float tail_x = 0;               // the failing input nearest 0: where the tail begins

  void note_worst(double e, float x) {
    if (e > worst || (e == worst && e > 0 && nearer_zero(x, worst_x))) {
      worst = e;
      worst_x = x;
    }
  }
  void note_tail(float x) {
    if (tail++ == 0 || nearer_zero(x, tail_x)) tail_x = x;
  }
  void merge(const Stats& o) {
    note_worst(o.worst, o.worst_x);
    if (o.tail > 0 && (tail == 0 || nearer_zero(o.tail_x, tail_x))) tail_x = o.tail_x;
    count += o.count;
    not_rounded += o.not_rounded;
    tail += o.tail;
  }
};

constexpr double kMismatch = 1e300;  // NaN or an infinity against a different value

// 1 / ulp of the float nearest to |ref| (2^-149 below the normal range; FLT_MAX's ulp
// beyond it), from the exponent bits: no library calls in the sweep's inner loop.
inline double inverse_ulp(double ref) {
  const auto bits = std::bit_cast<std::uint32_t>(std::fabs(static_cast<float>(ref)));
  const int e = std::min(static_cast<int>(bits >> 23), 254);
  const int k = e == 0 ? 149 : 150 - e;  // 1/ulp = 2^k, k in [−104, 149]: a normal double
  return std::bit_cast<double>(static_cast<std::uint64_t>(1023 + k) << 52);
}

// The error of one result in ulps of the correctly rounded float (NaN, an infinity or
// a value against ∞: see account_exact).
inline double ulp_error(double r, float g) { return std::fabs(static_cast<double>(g) - r) * inverse_ulp(r); }
// A tail failure: 0 or the wrong sign where the exact value is a nonzero float.
inline bool tail_failure(double r, float g) {
  constexpr double kTiny = std::numeric_limits<float>::denorm_min();
  const float rf = static_cast<float>(r);
  return std::fabs(r) >= kTiny && std::isfinite(rf) && (g == 0 || std::signbit(g) != std::signbit(rf));
}

// Element by element, with the special values.
inline void account_exact(Stats& s, const float* x, const double* ref, const float* got, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double r = ref[i];
    const float g = got[i];
    double e = ulp_error(r, g);
    if (std::isnan(e)) {  // NaN somewhere, or ∞ − ∞: equal counts as exact, else as a NaN/inf mismatch
      const bool same = (std::isnan(r) && std::isnan(g)) || static_cast<double>(g) == r;
      e = same ? 0.0 : kMismatch;
    } else if (std::isinf(static_cast<float>(r)) || std::isinf(g)) {
      e = static_cast<float>(r) == g ? 0.0 : kMismatch;
    }
    ++s.count;
    if (e > 0.5) ++s.not_rounded;
    s.note_worst(e, x[i]);
    if (tail_failure(r, g)) s.note_tail(x[i]);
  }
}

// Counts of one block from a pass without branches, which GCC vectorizes (the sweep
// spent most of its time in account_exact's element-by-element loop).
struct BlockCounts {
  std::uint64_t worst_bits = 0;  // the largest error's bits (errors are >= 0: integer order)
  std::uint64_t not_rounded = 0;
  std::uint64_t tails = 0;
  std::uint64_t special = 0;  // NaN or an infinity in a result, a reference or an error
};
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ACTLAB_SWEEP_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define ACTLAB_SWEEP_CLONES
#endif
ACTLAB_SWEEP_CLONES inline BlockCounts count_block(const double* ref, const float* got, std::size_t n) {
  constexpr double kTiny = std::numeric_limits<float>::denorm_min();
  constexpr double kBig = std::numeric_limits<float>::max();
  BlockCounts c;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = ref[i];
    const float g = got[i];
    const double gd = g;
    const double e = std::fabs(gd - r) * inverse_ulp(r);
    const auto bits = std::bit_cast<std::uint64_t>(e);
    c.worst_bits = bits > c.worst_bits ? bits : c.worst_bits;
    c.not_rounded += static_cast<std::uint64_t>(e > 0.5);
    // !(e < kMismatch) or |r| or |g| beyond FLT_MAX (r may round to ±inf)
    c.special |= static_cast<std::uint64_t>(!(e < kMismatch) | !(std::fabs(r) <= kBig) | !(std::fabs(gd) <= kBig));
    const float rf = static_cast<float>(r);
    const bool sign_differs = (std::bit_cast<std::uint32_t>(g) ^ std::bit_cast<std::uint32_t>(rf)) >> 31 != 0;
    c.tails += static_cast<std::uint64_t>((std::fabs(r) >= kTiny) & ((g == 0.0f) | sign_differs));
  }
  return c;
}

// account_exact's statistics, from count_block; a block with a special value is taken
// by account_exact, and the inputs to name are looked up only in blocks that hold them.
inline void account(Stats& s, const float* x, const double* ref, const float* got, std::size_t n) {
  const BlockCounts c = count_block(ref, got, n);
  if (c.special != 0) {
    account_exact(s, x, ref, got, n);
    return;
  }
  const double worst = std::bit_cast<double>(c.worst_bits);
  if (worst > 0 && worst >= s.worst) {
    for (std::size_t i = 0; i < n; ++i) {
      if (ulp_error(ref[i], got[i]) == worst) s.note_worst(worst, x[i]);
    }
  }
  if (c.tails > 0) {
    const std::uint64_t before = s.tail;
    for (std::size_t i = 0; i < n; ++i) {
      if (tail_failure(ref[i], got[i])) s.note_tail(x[i]);
    }
    s.tail = before;  // counted below
  }
  s.count += n;
  s.not_rounded += c.not_rounded;
  s.tail += c.tails;
}

}  // namespace actlab::bench::sweep
