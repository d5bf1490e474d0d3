// softmax-inl.h — row-wise softmax, log_softmax and softmin, forward and backward.
//
// Contract (float32 rows; measured in tests/core/softmax_loss_test.cc and, on 30 million
// outputs per kind, bench/accuracy/softmax_sweep.cc): within 2 ulp of the correctly
// rounded value for any finite logits, one huge logit, many equal logits, −inf entries.
// float32 rows at temperature 1 compute on float lanes (FloatLaneRow; short ones a block
// of rows at a time, one per lane: LaneRows); the rest in double lanes.
// General structure of a forward row (z = x for softmax/log_softmax, −x for softmin):
//   1. m = max z, with NaN (anywhere) or m = +inf giving a NaN row and m = −inf
//      (all −inf) giving NaN, or the masked_safe values;
//   2. e_j = exp((z_j − m)/T) into a double scratch row; s = Σ e_j, and
//      s − 1 = (#{e_j = 1} − 1) + Σ_{e_j < 1} e_j kept apart;
//   3. softmax: y_j = e_j·(1/s); log_softmax: y_j = (z_j − m)/T − log1p(s − 1),
//      so log-probabilities near 0 keep their digits.
// Sums run in SIMD lanes in a fixed order: the same bits for any thread count.
#if defined(ACTLAB_SRC_CORE_KERNELS_SOFTMAX_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTLAB_SRC_CORE_KERNELS_SOFTMAX_INL_H_
#undef ACTLAB_SRC_CORE_KERNELS_SOFTMAX_INL_H_
#else
#define ACTLAB_SRC_CORE_KERNELS_SOFTMAX_INL_H_
#endif

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "actlab/softmax.h"
#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actlab::kernels::HWY_NAMESPACE {
// The SIMD kernels follow Highway's naming (CamelCase operations, N for the lane count).
// NOLINTBEGIN(readability-identifier-naming)

// count elements of a row from p (float or double) as doubles, with `pad`
// in the lanes past the row's end (the one tail path: a stack buffer).
template <class D, typename T>
HWY_INLINE V<D> LoadRow(D d, const T* p, std::size_t count, double pad) {
  using TF = T;
  if (count == hn::Lanes(d)) {
    if constexpr (sizeof(TF) == sizeof(double)) {
      return hn::LoadU(d, reinterpret_cast<const double*>(p));
    } else {
      return hn::PromoteTo(d, hn::LoadU(hn::Rebind<float, D>(), reinterpret_cast<const float*>(p)));
    }
  }
  alignas(64) double buf[hn::MaxLanes(d)];
  for (std::size_t i = 0; i < hn::Lanes(d); ++i) buf[i] = i < count ? static_cast<double>(p[i]) : pad;
  return hn::LoadU(d, buf);
}

template <class D, typename T>
HWY_INLINE void StoreRow(D d, V<D> v, T* p, std::size_t count) {
#if HWY_TARGET != HWY_SCALAR  // Highway's scalar DemoteTo saturates ±inf
  if (count == hn::Lanes(d)) {
    if constexpr (sizeof(T) == sizeof(double)) {
      hn::StoreU(v, d, reinterpret_cast<double*>(p));
    } else {
      const hn::Rebind<float, D> df;
      hn::StoreU(hn::DemoteTo(df, v), df, reinterpret_cast<float*>(p));
    }
    return;
  }
#endif
  alignas(64) double buf[hn::MaxLanes(d)];
  hn::StoreU(v, d, buf);
  for (std::size_t i = 0; i < count; ++i) p[i] = static_cast<T>(buf[i]);
}

#if HWY_TARGET != HWY_SCALAR
// A row's last, partial vector on float lanes: rows of at least N elements take the
// full vector that ends at the row's end (it overlaps the one before; lane-wise results
// are the same bits either time, and sums mask the repeated lanes), so a row never
// round-trips through memory (a stack buffer's scalar stores then a vector load stall
// store forwarding: 25 % of a 1000-column softmax). Shorter rows go through a stack
// buffer: count < N elements, `pad` past them. Highway's MaskedLoad/BlendedStore would
// read (SSE4, EMU128) and rewrite (SSE4) the lanes past the row, which belong to the
// next row — another thread's — or lie past the array. AVX2 and AVX-512 take masked moves
// instead (vmaskmovps, or a mask register), which neither fault on nor write the lanes
// past the row.
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
inline constexpr bool kMaskedMoves = true;
#else
inline constexpr bool kMaskedMoves = false;
#endif
template <class D>
HWY_INLINE V<D> LoadPartial(D d, const float* p, std::size_t count, float pad) {
  if (kMaskedMoves) {
    const auto mask = hn::FirstN(d, count);
    return hn::IfThenElse(mask, hn::MaskedLoad(mask, d, p), hn::Set(d, pad));
  }
  alignas(64) float buf[hn::MaxLanes(d)];
  for (std::size_t i = 0; i < hn::Lanes(d); ++i) buf[i] = i < count ? p[i] : pad;
  return hn::LoadU(d, buf);
}
template <class D>
HWY_INLINE void StorePartial(D d, V<D> v, float* p, std::size_t count) {
  if (kMaskedMoves) {
    hn::BlendedStore(v, hn::FirstN(d, count), d, p);
    return;
  }
  alignas(64) float buf[hn::MaxLanes(d)];
  hn::StoreU(v, d, buf);
  std::memcpy(p, buf, count * sizeof(float));
}

// A lane-wise output pass over a row of cols >= N floats: `out(i)` is the vector of
// elements [i, i + N), stored to p + i. The full vectors start at p's first vector-aligned
// element, so no store straddles two cache lines (a 4096 × 1024 softmax ran 5-14 % faster
// with its rows aligned than 16 bytes off); the elements before it and after the last
// full vector take the vectors at 0 and at cols − N, which overlap the loop's. Those two
// are computed before the loop (in place, it overwrites lanes they read) and stored after
// (lane-wise, the repeated lanes get the same bits).
template <class Out>
HWY_INLINE void AlignedRowPass(float* p, std::size_t cols, Out out) {
  const hn::ScalableTag<float> d;
  const std::size_t N = hn::Lanes(d);
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  const std::size_t head = addr % sizeof(float) == 0 ? (N - addr % (N * sizeof(float)) / sizeof(float)) % N : 0;
  const std::size_t end = head + (cols - head) / N * N;
  const auto first = head != 0 ? out(0) : hn::Zero(d);
  const auto last = end < cols ? out(cols - N) : hn::Zero(d);
  for (std::size_t i = head; i < end; i += N) hn::StoreU(out(i), d, p + i);
  if (head != 0) hn::StoreU(first, d, p);
  if (end < cols) hn::StoreU(last, d, p + cols - N);
}
#endif

#if HWY_TARGET != HWY_SCALAR
inline bool CpuIsAmd() {
#if HWY_ARCH_X86 && (defined(__GNUC__) || defined(__clang__))
  static const bool amd = __builtin_cpu_is("amd");
  return amd;
#else
  return false;
#endif
}

// e·(hi + lo), hi + lo a factor in two floats, rounded once: e·hi + e·lo by an FMA, or
// without one with e·hi's rounding error explicitly (Dekker). The softmax outputs.
template <class D>
HWY_INLINE V<D> MulTwoPart(D d, V<D> e, V<D> hi, V<D> lo) {
#if HWY_NATIVE_FMA
  (void)d;
  return hn::MulAdd(e, hi, hn::Mul(e, lo));
#else
  const V<D> p = hn::Mul(e, hi);
  return hn::Add(p, hn::Add(ProductError(d, e, hi, p), hn::Mul(e, lo)));
#endif
}

// The rows' steady prefetch: the passes that first read a row from memory (softmax's output
// pass, which takes the next row's max, the max pass of rows without a burst, and the
// backward's Σ dy·y pass) prefetch kRowAheadBytes ahead of their loads, and the backward's
// output pass the lines of dx it will write (for ownership), across row ends since rows
// follow one another. On the Intel
// Xeon of sessions 26–27 the hardware prefetcher did not keep up with these passes, and
// this replaced the next-row bursts there (ForwardPrefetchPays; the backward's, below).
// 16 MB and 32 MB arrays, one thread, pinned, `sm` harness, ns/elem before -> after, AVX2
// (AVX-512): softmax 4096 × 1000 0.431 -> 0.395 (0.313 -> 0.303), 256 × 32000 0.482 ->
// 0.440 (0.366 -> 0.357); softmax backward 0.424 -> 0.410 (0.416 -> 0.407), 0.647 ->
// 0.425–0.437 (0.577 -> 0.430); log_softmax backward 0.578 -> 0.516–0.520 (0.424 ->
// 0.432), 0.707 -> 0.581–0.584 (0.542 -> 0.495). The forward rows that take no next row's
// max (in place, the cross-entropy rows) and no burst (ForwardPrefetchPays) prefetch in
// their max pass instead: AVX2 in-place softmax 0.442 -> 0.403 and 0.676 -> 0.506,
// cross-entropy 0.674 -> 0.617 at 256 × 32000, AVX-512 in-place 0.508 -> 0.412 there.
// Writing ahead in the softmax's exp pass and the steady prefetch in log_softmax's max
// pass beside its burst measured within ±3 % (AVX2 and AVX-512 apart). AMD keeps its
// measured choices: no prefetch in the backward, the forward's bursts from 2560 columns.
inline constexpr std::size_t kRowAheadBytes = std::size_t{8} << 10;
inline bool SteadyPrefetchPays() { return !CpuIsAmd(); }
// Whether a float vector is shorter than a cache line (AVX2 and narrower).
inline bool VectorBelowLine() { return hn::Lanes(hn::ScalableTag<float>()) * sizeof(float) < 64; }
// Whether log_softmax's output pass takes the next row's max, with the steady prefetch,
// as softmax's does (its exp pass then prefetches its y for ownership instead of bursting
// the next row; FloatLaneRow::ExpPass): off AMD where a vector is shorter than a cache
// line. AVX2, one thread, 16 MB and 32 MB arrays, `sm` harness: 4096 × 1000 0.452 ->
// 0.431–0.437 ns/elem, 256 × 32000 0.546–0.549 -> 0.400–0.406 (in cache, 64 × 1000,
// alike). AVX-512 lost with it (0.328–0.333 -> 0.378–0.400, 0.404–0.406 -> 0.454–0.490)
// and keeps its burst.
inline bool LogAheadPays() { return SteadyPrefetchPays() && VectorBelowLine(); }
// Whether softmax's exp pass, where its output pass takes the next row's max, prefetches its
// y lines for ownership as log_softmax's does (ExpPrefetch::kOwnY). Its stores of e go to
// lines of y that the last call left in L3; without the prefetch they wait for those lines,
// with at most about 16 in flight: the exp pass alone over rows of 32000 into 256 rows of y,
// AVX2, 0.245 ns/elem with y in cache, 0.322 with it in L3, 0.255 with the prefetch. Whole
// calls, one thread, pinned, `sm` harness, ns/elem without / with (session 29): AVX2
// 256 × 32000 0.427–0.459 / 0.394–0.397, 1024 × 8000 0.418–0.436 / 0.396, 4000 × 2048
// 0.416–0.420 / 0.380–0.383, 8192 × 1000 0.409–0.412 / 0.389, 4096 × 1000 0.387–0.407 /
// 0.386, but 4096 × 512 0.381 / 0.388 and 8192 × 256 0.398 / 0.402 (split rows, below);
// AVX-512 256 × 32000 0.381 / 0.352, 2048 × 4000 0.342 / 0.319, 4000 × 2048 0.313–0.315 /
// 0.310–0.312, but 4096 × 1000 0.305 / 0.339 and 5461 × 1500 0.302–0.306 / 0.312–0.318.
// `logits`: the cross-entropy rows, which store e into the gradient alike but take no next
// row's max, from rows of 8 KiB on every target. `ce` harness (forward and backward),
// ns/elem without / with, AVX2 256 × 32000 0.568–0.572 / 0.516–0.529, 1024 × 8000
// 0.525–0.543 / 0.506–0.507, 4000 × 2048 0.480–0.507 / 0.490–0.494; AVX-512 0.470–0.473 /
// 0.448–0.450, 0.446–0.447 / 0.423–0.424, 0.369–0.370 / 0.368–0.380; 4096 × 1000 measured
// 2–3 % slower with it on AVX2.
inline bool SoftmaxOwnYPays(std::size_t cols, bool logits = false) {
  if (!SteadyPrefetchPays()) return false;
  const bool row_of_8k = cols * sizeof(float) >= kRowAheadBytes;
  return logits || !VectorBelowLine() ? row_of_8k : cols > 768;
}
// Whether the output pass takes the next row's max in a loop of its own before the outputs
// rather than in the same loop (RowAhead::split). The outputs wait for the row's 1/s (or
// log s: reductions, a division, log1p); the next row's exp pass for its max. In one loop
// those latencies, about 20 ns a row, stand between the passes; in two, the max loop runs
// while 1/s is formed and the output loop while the max is reduced. It pays where that is
// a larger share of a row's time than what the split loses on memory traffic (the fused
// loop overlaps the next row's loads with the stores): AVX2, rows of up to 768 columns
// (4096 × 512 0.419 -> 0.385 ns/elem, 8192 × 256 0.445 -> 0.396, 32768 × 128 0.502 ->
// 0.473) or calls of up to 2 MiB (128 × 1000 0.382 -> 0.351, log_softmax 0.428 -> 0.392),
// and not rows of 1000 from memory (4096 × 1000 0.392 -> 0.398–0.409) or of 32000 (0.455
// -> 0.53). AVX-512 gained in cache only on some shapes (2048 × 128 0.418 -> 0.407, but
// 256 × 1000 0.274 -> 0.296) and lost from memory (4096 × 512 0.298 -> 0.347): off.
// SSE4, where the rows are compute-bound (1.0–1.5 ns/elem), with this and LogAheadPays
// together: softmax within ±4 %, log_softmax 1.078 -> 1.089 (4096 × 1000), 1.177 -> 1.041
// (256 × 32000), 1.260 -> 1.176 (8192 × 256).
inline bool SplitOutPassPays(std::size_t cols, std::size_t bytes) {
  return SteadyPrefetchPays() && VectorBelowLine() && (cols <= 768 || bytes <= (std::size_t{2} << 20));
}
// p + kRowAheadBytes as an address (it may lie past the array: a prefetch never faults,
// and the arithmetic on integers forms no out-of-range pointer); kWrite: for ownership.
template <bool kWrite = false, typename T>
HWY_INLINE void PrefetchAhead(const T* p) {
  // NOLINTNEXTLINE(performance-no-int-to-ptr): only ever a prefetch address
  const auto* ahead = reinterpret_cast<const T*>(reinterpret_cast<std::uintptr_t>(p) + kRowAheadBytes);
  if constexpr (kWrite) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(ahead, 1, 3);
#else
    hwy::Prefetch(ahead);
#endif
  } else {
    hwy::Prefetch(ahead);
  }
}

// Whether the forward's prefetch of the next row (FloatLaneRow::ExpPass) pays for rows of
// `cols` floats. It took the passes from twice memcpy's time to about 1.2× on an Intel Xeon
// (19d8dff). On AMD Zen 4 the hardware prefetcher keeps up with short rows, where the
// prefetches only take load slots. 16 MB of rows, AVX2, one thread, pinned, best of 5–6
// alternated processes, ns/elem with / without (the choice compiled in, ExpLoop; the
// figures before it were taken with a run-time flag behind which g++ 12 issued three of
// the four prefetches anyway): softmax 1000 columns 0.469 / 0.440, 1500 0.489 / 0.432,
// 2048 0.486 / 0.439, 2500 0.484 / 0.475, 3000 0.500 / 0.530, 4000 0.479 / 0.533, 32000
// 0.504 / 0.510; log_softmax (three reads of a row, none of y) 500 0.602 / 0.595, 700
// 0.573 / 0.572, 1000 0.532 / 0.554, 1500 0.529 / 0.569, 4000 0.514 / 0.629, 32000
// 0.567 / 0.713. On AMD from 2560 columns for softmax and 768 for log_softmax.
// On the Intel Xeon of session 26 (2 MiB L2 per core) log_softmax gains everywhere (16 MB
// of rows, 1000 columns: AVX2 0.542 → 0.466, AVX-512 0.454 → 0.335 ns/elem) and softmax
// only on AVX-512 below 2560 columns (1000: 0.335 → 0.300; 4000: 0.316 → 0.335; 32000:
// 0.337 → 0.362). On AVX2 (two vectors a cache line, so the next row's prefetches come
// in a burst over the first half of the row) softmax loses at every width: 1000 0.414 →
// 0.436, 2048 0.404 → 0.484, 32000 0.420 → 0.524.
// Session 27: softmax rows (log_softmax's on AVX2) that take the next row's max in their
// output pass prefetch steadily there instead (SteadyPrefetchPays, Run), off AMD.
inline bool ForwardPrefetchPays(std::size_t cols, bool stores_e) {
  if (CpuIsAmd()) return cols >= (stores_e ? 2560u : 768u);
  return !stores_e || (!VectorBelowLine() && cols < 2560);
}

// The float32 rows at temperature 1 (the common case) compute on full-width float
// lanes; everything else takes the double-lane path below. Per row:
//   1. m = max z and the row's minimum; a NaN anywhere or m = ±inf hands the row to
//      the double path (which owns the special-value semantics), so −inf entries stay.
//      The NaN is found by the sum of step 2 (a NaN e makes it NaN) on the rows whose e
//      are all normal, by its own pass on the other rows, and in this pass only where y
//      overlaps x or the row is shorter than a vector;
//   2. z − m = hi + lo exactly: Fast2Sum (3 ops) when no z has a larger exponent than m,
//      else 2Sum (6);
//      e = e^(hi+lo) on float lanes within 0.95 ulp (ExpFloatLanesLean: the 0.81-ulp
//      ExpFloatLanes costs three more operations and also left outputs 2 ulp off), with
//      one scale factor when the row's spread keeps every e normal; two vectors a step
//      (log_softmax on AVX2: one, ExpLoop);
//      softmax and log_softmax rows whose e are all normal and |z| < 256 take
//      e = e^z·2^−b instead, b = round(m/ln2), with no z − m (ExpFloatLanesLeanBiased:
//      the shift cancels in e/Σe; log_softmax divides Σ e − e_m by e^m·2^−b, Run; the
//      split's three operations pay for the next item); on AVX-512 and
//      AVX2 the rows with every e normal take the table exp instead (ExpTable: 0.61 ulp,
//      fewer multiplies; log_softmax's 1.02, kTableLo), softmax's with its error folded
//      into the sum's (Accumulate);
//      stored into y for softmax, and softmax's sum takes each e's rounding error too
//      (kTails); s − 1 = Σ e − 1
//      keeps its digits when every other term is tiny (Sums: an exact float sum
//      anchored at 1, its rounding errors gathered in double lanes);
//   3. softmax: y = e·(1/s) with 1/s split in two floats (one more rounding);
//      log_softmax: y = (z − c1) − c2 with c1 + c2 = m + log1p(s − 1) (LogOut).
// Returns false for rows the double path must take, having written nothing but (where y
// does not overlap x) e into y, which that path overwrites.
// kLogits (the cross-entropy losses): store e like softmax, s − 1 to log_softmax's
// precision, and write y = e·(scale/s) − offset.
enum class RowMode { kSoftmax, kLogSoftmax, kLogits };

// A row's max and lowest z, found during the previous row's output pass (FloatLaneRow::Run).
struct RowAhead {
  const float* next = nullptr;  // the next row's x, or null
  bool have = false;            // m and lowest belong to the row Run is given
  float m = 0;
  float lowest = 0;
  bool split = false;  // a max pass over the next row, then the output pass (SplitOutPassPays)
};

template <bool kNegate, RowMode kMode>
struct FloatLaneRow {
  static constexpr bool kStoreE = kMode != RowMode::kLogSoftmax;
  // softmax's sum takes each e's rounding error too (ExpLeanParts): its outputs are e·(1/s),
  // and an s that carried the rounding of the largest e's would add it to every output's
  // own: a 16-column row built for it (seven e's near the max rounded down by about an
  // ulp, the last output's rounded up) had that output 3 floats off; with the errors in
  // the sum, every output of those rows is within 2 (tests/core/softmax_loss_test.cc).
  static constexpr bool kTails = kMode == RowMode::kSoftmax;

  using DN = hn::ScalableTag<float>;
  using DH = hn::Half<DN>;
  using DW = hn::Repartition<double, DN>;

  static HWY_INLINE V<DN> Load(const float* p) {
    const V<DN> z = hn::LoadU(DN(), p);
    return kNegate ? hn::Neg(z) : z;
  }
  // The last, partial vector: `pad` past the end (before the sign flip).
  static HWY_INLINE V<DN> LoadTail(const float* p, std::size_t count, float pad) {
    const DN d;
    const V<DN> z = LoadPartial(d, p, count, pad);
    return kNegate ? hn::Neg(z) : z;
  }

  // z − m = hi + lo exactly: Fast2Sum when every |z| <= |m| (kFast2Sum), else 2Sum.
  template <bool kFast2Sum>
  static HWY_INLINE void Shifted(V<DN> z, V<DN> negm, V<DN>* hi, V<DN>* lo) {
    if constexpr (kFast2Sum) {
      *hi = hn::Add(negm, z);
      *lo = hn::Sub(z, hn::Sub(*hi, negm));
    } else {
      TwoSum<DN>(z, negm, hi, lo);
    }
  }

  // One vector's e and what the sum takes beside it (kTails): e's rounding error `tail`;
  // from the table exp (kTableExp: AVX-512 and AVX2, softmax's biased rows and the normal rows of
  // the others), e = fl(t + t·x) and t and x themselves, from which Accumulate forms the
  // softmax sum's error together with its own (below).
  struct Term {
    V<DN> e, tail, t, x;
  };
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
  static constexpr bool kTableExp = true;
#else
  static constexpr bool kTableExp = false;
#endif
  // log_softmax's table exp leaves out the entries' lo parts (ExpTable's kTableLo). Its e
  // reach the outputs only through log s: each e before its rounding is then within
  // 0.90·2^-24 of e^z relative (AVX-512; AVX2 0.60) instead of 0.13, and so is s − 1 (plus
  // the e's roundings, as before), which log s passes on as an absolute error of that
  // relative size times (s − 1)/s: a share of an ulp of the smallest output, −log s, and
  // less of the others. Measured (actlab_bench_softmax_accuracy, five sweeps of 20000–300000
  // rows of 1–3000 columns at T = 1, 0.7 and 2.5, on AVX2 and AVX-512): still no output more
  // than 2 floats off; 2-float outputs rose from 0–43 to 1–129 a sweep. The lookup and the addition
  // it saves were a tenth of the exp pass: AVX2, one 1000-column row in cache, 262 -> 233 ns
  // (session 29); 4096 × 1000 from memory 0.419 -> 0.398 ns/elem.
  static constexpr bool kTableLo = kMode != RowMode::kLogSoftmax;

  // e^(z − m) for one vector; kNormal: every z − m >= −87. kBiased: e^z·2^−b instead, with
  // `negm` holding the rounding constant for b (BiasedMagic).
  template <bool kFast2Sum, bool kNormal, bool kBiased = false>
  static HWY_INLINE Term Exp(V<DN> z, V<DN> negm) {
    if constexpr (kBiased) {
      Term v{};
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
      v.e = ExpTableBiased<kTableLo>(DN(), z, negm, &v.t, &v.x);
#else
      ExpFloatLanesLeanBiased(DN(), z, negm, &v.e, &v.tail);
#endif
      return v;
    }
    V<DN> hi;
    V<DN> lo;
    Shifted<kFast2Sum>(z, negm, &hi, &lo);
    return ExpOfParts<kNormal>(hi, lo);
  }
  // e^(hi + lo) for an argument in two parts (|lo| <= ulp(hi)), as Exp takes z − m
  template <bool kNormal>
  static HWY_INLINE Term ExpOfParts(V<DN> hi, V<DN> lo) {
    Term v{};
    if constexpr (kTails) {
      ExpLeanParts<kNormal>(DN(), ExpReduce<kNormal>(DN(), hi, lo), &v.e, &v.tail);
    } else if constexpr (kNormal && kTableExp) {  // log_softmax, the losses: e alone
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
      v.e = ExpTable<true, true, kTableLo>(DN(), hi, lo, Num(DN(), ExpTableMagic<DN>(0.0f)), &v.t, &v.x);
#endif
    } else {
      v.e = ExpFloatLanesLean<kNormal>(DN(), hi, lo);
    }
    return v;
  }
  static HWY_INLINE Term ZeroWhere(hn::Mask<DN> mask, const Term& v) {
    return {hn::IfThenZeroElse(mask, v.e), hn::IfThenZeroElse(mask, v.tail), hn::IfThenZeroElse(mask, v.t),
            hn::IfThenZeroElse(mask, v.x)};
  }
  // The rounding constant that the biased rows pass to Exp for b = round(m/ln2).
  static HWY_INLINE float BiasedMagic(float b) { return kTableExp ? ExpTableMagic<DN>(b) : kExpMagic - b; }

  // s = Σ e, kept so that s − 1 has its digits when every other term is tiny (log_softmax's
  // largest output is −log1p(s − 1)). Each float lane holds a = 1 + Σ e exactly as a + c:
  // a starts at 1 >= every e <= 1, so a + e = t + err exactly by Fast2Sum (3 operations),
  // and the errors, |err| <= min(e, ulp(a)/2), gather in c. Every kFlush vectors c moves
  // into double lanes; the only rounding left is c's float sum over kFlush terms per lane,
  // a relative (kFlush − 1)·2^-24 at most of the part of s − 1 that a could not hold (it
  // never touches the terms a holds). Then s − 1 = (Σ_lanes (a − 1) − 1) + Σ c, the first
  // part exact in double. Four float operations per vector instead of seven for a
  // double-lane sum. (log_softmax's biased rows start the lanes at their largest e
  // instead of 1: Run.)
  static constexpr unsigned kFlush = kMode == RowMode::kSoftmax ? 16 : 4;
  struct Sums {
    V<DN> a, c;      // per lane: 1 + Σ e = a + c + (c0, c1)
    V<DW> c0, c1;    // flushed errors, double lanes
    unsigned count;  // vectors since the last flush
  };

  static HWY_INLINE void Flush(Sums* acc) {
    acc->c0 = hn::Add(acc->c0, hn::PromoteTo(DW(), hn::LowerHalf(DH(), acc->c)));
    acc->c1 = hn::Add(acc->c1, hn::PromoteTo(DW(), hn::UpperHalf(DH(), acc->c)));
    acc->c = hn::Zero(DN());
    acc->count = 0;
  }

  // kTable: the term is t·(1 + x) exactly, e = fl(t + t·x). The error the sum keeps is
  // then (a + t + t·x) − sum = (t − w) + t·x, w = sum − a, in two operations instead of
  // the four of (e − w) + ((t·x − (e − t))): t − w is exact wherever t and w are within a
  // factor of two (w is e to within ulp(sum)/2 and e is t to within 3 %); elsewhere e is
  // below about ulp(sum), and t − w and the FMA round by 2^-24·ulp(sum) at most, below
  // 2^-46 of the sum per term.
  template <bool kTable>
  static HWY_INLINE void Accumulate(const Term& v, Sums* acc) {
    const V<DN> sum = hn::Add(acc->a, v.e);
    const V<DN> w = hn::Sub(sum, acc->a);  // exact: a + e = sum + (e − w) (Fast2Sum)
    V<DN> err;
    if constexpr (kTable) {
      err = hn::MulAdd(v.x, v.t, hn::Sub(v.t, w));
    } else if constexpr (kTails) {
      err = hn::Add(hn::Sub(v.e, w), v.tail);
    } else {
      err = hn::Sub(v.e, w);
    }
    acc->c = hn::Add(acc->c, err);
    acc->a = sum;
    if (++acc->count == kFlush) Flush(acc);
  }

  // (Σ e − sub) from the sums whose lanes started at `anchor`: s − 1 for anchor = sub = 1
  // (outside the biased rows, one term is e = 1: z = m); each lane's a − anchor is exact in
  // double, and so is their sum.
  static HWY_INLINE double SumMinus(Sums* acc, float anchor = 1.0f, double sub = 1.0) {
    Flush(acc);
    const DW dw;
    const auto start = hn::Set(dw, static_cast<double>(anchor));
    const auto a0 = hn::Sub(hn::PromoteTo(dw, hn::LowerHalf(DH(), acc->a)), start);
    const auto a1 = hn::Sub(hn::PromoteTo(dw, hn::UpperHalf(DH(), acc->a)), start);
    const double excess = hn::GetLane(hn::SumOfLanes(dw, hn::Add(a0, a1)));  // exact
    return (excess - sub) + hn::GetLane(hn::SumOfLanes(dw, hn::Add(acc->c0, acc->c1)));
  }

  // Pass 2 over the whole vectors of a row, with one of the prefetches (ExpPrefetch):
  //   kNextRow: one cache line of the next row's x and y per vector (rows follow one
  //   another in memory), so its loads from memory overlap this row's arithmetic, where
  //   ForwardPrefetchPays says so;
  //   kOwnY: log_softmax's y lines, kRowAheadBytes ahead for ownership, for its output
  //   pass, where that pass takes the next row's max (LogAheadPays).
  // The choice is a template parameter: behind a run-time flag, g++ 12 issued three of the
  // loop's four prefetches unconditionally.
  enum class ExpPrefetch { kNone, kNextRow, kOwnY };
  template <bool kFast2Sum, bool kNormal, bool kBiased = false>
  static HWY_INLINE void ExpPass(const float* xr, float* yr, std::size_t whole, std::size_t cols, V<DN> negm, Sums* acc,
                                 ExpPrefetch prefetch) {
    switch (prefetch) {
      case ExpPrefetch::kNextRow:
        return ExpLoop<ExpPrefetch::kNextRow, kFast2Sum, kNormal, kBiased>(xr, yr, whole, cols, negm, acc);
      case ExpPrefetch::kOwnY:
        return ExpLoop<ExpPrefetch::kOwnY, kFast2Sum, kNormal, kBiased>(xr, yr, whole, cols, negm, acc);
      case ExpPrefetch::kNone:
        break;
    }
    ExpLoop<ExpPrefetch::kNone, kFast2Sum, kNormal, kBiased>(xr, yr, whole, cols, negm, acc);
  }
  template <ExpPrefetch kPrefetch, bool kFast2Sum, bool kNormal, bool kBiased>
  static HWY_INLINE void ExpLoop(const float* xr, float* yr, std::size_t whole, std::size_t cols, V<DN> negm,
                                 Sums* acc) {
    const DN d;
    const std::size_t N = hn::Lanes(d);
    constexpr std::size_t kLine = 64 / sizeof(float);
    // A partial last vector (rows of >= N elements): the full vector ending at the row's
    // end, computed first so its latency hides under the loop; its lanes that repeat
    // the loop's are left out of the sum.
    const bool overlap = whole < cols && cols >= N;
    // (log_softmax sums the rounded e's: Σ e − e_m must be exactly the other terms' sum)
    constexpr bool kTable = kBiased && kTableExp && kTails;
    const Term last = overlap ? Exp<kFast2Sum, kNormal, kBiased>(Load(xr + cols - N), negm) : Term{};
    std::size_t i = 0;
    std::size_t line = 0;
    // Two vectors a step, but one for log_softmax on AVX2: there its loop (inlined into the
    // rows' loop) spilled more of the 16 registers two at a time; one at a time, with the
    // biased exp, 4096 × 1000 log_softmax took 0.546 -> 0.465 ns/elem, 128 × 32000 0.590 ->
    // 0.483 (one thread, pinned, best of 5–6 alternated processes; the biased exp two at a
    // time: 0.535). AVX-512 (32 registers) and SSE4 stay faster two at a time: 0.374 against
    // 0.387, and 1.307 against 1.387.
    constexpr bool kOneAStep = kMode == RowMode::kLogSoftmax && HWY_TARGET == HWY_AVX2;
    constexpr bool kNextRow = kPrefetch == ExpPrefetch::kNextRow;
    constexpr bool kOwnY = kPrefetch == ExpPrefetch::kOwnY;
    for (; !kOneAStep && i + 2 * N <= whole; i += 2 * N, line += 2 * kLine) {
      if (kOwnY) PrefetchAhead<true>(yr + i);
      if (kNextRow && line < cols) {
        hwy::Prefetch(xr + cols + line);
        hwy::Prefetch(yr + cols + line);
        hwy::Prefetch(xr + cols + line + kLine);
        hwy::Prefetch(yr + cols + line + kLine);
      }
      const Term v0 = Exp<kFast2Sum, kNormal, kBiased>(Load(xr + i), negm);
      const Term v1 = Exp<kFast2Sum, kNormal, kBiased>(Load(xr + i + N), negm);
      if constexpr (kStoreE) {
        hn::StoreU(v0.e, d, yr + i);
        hn::StoreU(v1.e, d, yr + i + N);
      }
      Accumulate<kTable>(v0, acc);
      Accumulate<kTable>(v1, acc);
    }
    for (; i < whole; i += N, line += kLine) {
      if (kOwnY) PrefetchAhead<true>(yr + i);
      if (kNextRow && line < cols) {
        hwy::Prefetch(xr + cols + line);
        hwy::Prefetch(yr + cols + line);
      }
      const Term v = Exp<kFast2Sum, kNormal, kBiased>(Load(xr + i), negm);
      if constexpr (kStoreE) hn::StoreU(v.e, d, yr + i);
      Accumulate<kTable>(v, acc);
    }
    if (overlap) {
      if constexpr (kStoreE) hn::StoreU(last.e, d, yr + cols - N);
      Accumulate<kTable>(ZeroWhere(hn::FirstN(d, whole + N - cols), last), acc);
    }
  }

  // softmax's output pass with the next row's max pass in it (Run's `ahead`, where
  // ahead->next is set): AlignedRowPass over y with out(i), and max and min of the next
  // row's z at the same i's (they cover the row; repeated lanes do not matter to max or
  // min). The next row then skips its own max pass, whose loads from memory overlap this
  // row's stores instead. The caller sets `next` only for rows whose max pass needs no NaN
  // test. The same m and lowest either way: 4096 × 1000 softmax, AVX2, one thread, pinned,
  // best of 16 alternated processes, 0.415 -> 0.406 ns/elem; 256 × 32000 (best of 10)
  // 0.550 -> 0.536. log_softmax's output pass, which reads x, measured 4 % slower with it.
  using Ahead = RowAhead;
  template <class Out>
  static HWY_INLINE void OutPass(float* yr, std::size_t cols, Ahead* ahead, Out out) {
    if (ahead == nullptr || ahead->next == nullptr) {
      AlignedRowPass(yr, cols, out);
      return;
    }
    if (ahead->split) {  // the next row's max first, then the outputs (RowAhead::split)
      MaxPass<false>(ahead->next, cols, &ahead->m, &ahead->lowest, true);
      ahead->have = true;
      AlignedRowPass(yr, cols, out);
      return;
    }
    const DN d;
    const float* next = ahead->next;
    constexpr float kInf = std::numeric_limits<float>::infinity();
    auto vmax = hn::Set(d, -kInf);
    auto vmin = hn::Set(d, kInf);
    const bool steady = SteadyPrefetchPays();
    AlignedRowPass(yr, cols, [&](std::size_t i) HWY_ATTR {
      if (steady) PrefetchAhead(next + i);
      const V<DN> z = Load(next + i);
      vmax = hn::Max(vmax, z);
      vmin = hn::Min(vmin, z);
      return out(i);
    });
    ahead->m = hn::GetLane(hn::MaxOfLanes(d, vmax));
    ahead->lowest = hn::GetLane(hn::MinOfLanes(d, vmin));
    ahead->have = true;
  }

  // log_softmax's outputs y = z − (m + log s) = (z − c1) − c2, with c1 + c2 = m + log s
  // to double precision (c1 = fl(m + log s); m − c1 is exact in double wherever
  // m + log s is near m, the only case where y can be small). z − c1 is exact when z is
  // within a factor of 2 of c1 (Sterbenz), and otherwise |c2| <= ulp(c1) is far below
  // |z − c1|: at most two roundings of y's size, 1.5 ulp in theory. −inf entries give −inf.
  static HWY_INLINE void LogOut(const float* xr, float* yr, std::size_t cols, float m, double log_s, Ahead* ahead) {
    const DN d;
    const std::size_t N = hn::Lanes(d);
    const std::size_t whole = cols - cols % N;
    const double md = static_cast<double>(m);
    const float c1 = static_cast<float>(md + log_s);
    const auto vc1 = hn::Set(d, c1);
    const auto vc2 = hn::Set(d, static_cast<float>((md - static_cast<double>(c1)) + log_s));
    const auto out = [&](V<DN> z) { return hn::Sub(hn::Sub(z, vc1), vc2); };
    if (cols >= N) {
      OutPass(yr, cols, ahead, [&](std::size_t i) HWY_ATTR { return out(Load(xr + i)); });
    } else {
      StorePartial(d, out(LoadTail(xr + whole, cols - whole, 0.0f)), yr + whole, cols - whole);
    }
  }

  // Row statistics for the caller: m (of z), s − 1.
  struct Stats {
    double max = 0;
    double sum_minus_1 = 0;
  };

  // m = max z and the lowest z of a row (x86's max and min may drop a NaN lane, or return
  // one). kNan: also whether some z is a NaN (returns false then), two more operations a
  // vector, which cost 3-8 % of a float32 softmax's time (4096 x 1000 and 256 x 32000 on
  // AVX2, 8ddafc7). The steady prefetch where the row has no burst (ForwardPrefetchPays),
  // or always with force_steady (the split output pass's loop over the next row).
  template <bool kNan>
  static HWY_INLINE bool MaxPass(const float* xr, std::size_t cols, float* m, float* lowest,
                                 bool force_steady = false) {
    const bool steady = SteadyPrefetchPays() && (force_steady || !ForwardPrefetchPays(cols, kStoreE));
    const DN d;
    const std::size_t N = hn::Lanes(d);
    const std::size_t whole = cols - cols % N;
    constexpr float kInf = std::numeric_limits<float>::infinity();
    auto vmax0 = hn::Set(d, -kInf);
    auto vmax1 = vmax0;
    auto vmin0 = hn::Set(d, kInf);
    auto vmin1 = vmin0;
    auto nan = hn::FirstN(d, 0);
    std::size_t i = 0;
    for (; i + 2 * N <= whole; i += 2 * N) {
      if (steady) PrefetchAhead(xr + i);
      const auto z0 = Load(xr + i);
      const auto z1 = Load(xr + i + N);
      vmax0 = hn::Max(vmax0, z0);
      vmax1 = hn::Max(vmax1, z1);
      vmin0 = hn::Min(vmin0, z0);
      vmin1 = hn::Min(vmin1, z1);
      if constexpr (kNan) nan = hn::Or(nan, hn::Or(hn::IsNaN(z0), hn::IsNaN(z1)));
    }
    for (; i < whole; i += N) {
      const auto z = Load(xr + i);
      vmax0 = hn::Max(vmax0, z);
      vmin0 = hn::Min(vmin0, z);
      if constexpr (kNan) nan = hn::Or(nan, hn::IsNaN(z));
    }
    if (whole < cols && cols >= N) {  // max and min do not mind the repeated lanes
      const auto z = Load(xr + cols - N);
      vmax0 = hn::Max(vmax0, z);
      vmin0 = hn::Min(vmin0, z);
      if constexpr (kNan) nan = hn::Or(nan, hn::IsNaN(z));
    } else if (whole < cols) {
      const auto zmax = LoadTail(xr + whole, cols - whole, kNegate ? kInf : -kInf);
      vmax0 = hn::Max(vmax0, zmax);
      vmin0 = hn::Min(vmin0, LoadTail(xr + whole, cols - whole, kNegate ? -kInf : kInf));
      if constexpr (kNan) nan = hn::Or(nan, hn::IsNaN(zmax));
    }
    *m = hn::GetLane(hn::MaxOfLanes(d, hn::Max(vmax0, vmax1)));
    *lowest = hn::GetLane(hn::MinOfLanes(d, hn::Min(vmin0, vmin1)));
    return hn::AllFalse(d, nan);
  }
  static bool RowHasNaN(const float* xr, std::size_t cols) {
    float m;
    float lowest;
    return !MaxPass<true>(xr, cols, &m, &lowest);
  }

  // log_softmax's rows take the biased exp from this many columns on: it saves three
  // operations a vector, and costs each row e_m, e^m·2^−b and a division. One thread,
  // pinned, ns/elem biased / not (AVX2, AVX-512, SSE4): 10 columns 4.56 / 3.32, 4.47 / 4.50,
  // 5.81 / 4.19; 64: 0.975 / 0.862, 1.021 / 0.830, 1.705 / 1.492; 256: 0.518 / 0.525,
  // 0.440 / 0.435, 1.167 / 1.141; 384: 0.461 / 0.469, 0.384 / 0.391, 1.100 / 1.093; 1000:
  // 0.428 / 0.452, 0.323 / 0.340, 1.064 / 1.085.
  static constexpr std::size_t kLogBiasedCols = 384;
  // b = round(m/ln2), the biased rows' scale 2^−b.
  static float BiasOf(float m) { return std::nearbyint(m * 1.44269504088896340736f); }
  // e^m·2^−b for |m| < 256 (|b| <= 370): Highway's exp (1 ulp) in double lanes, times 2^−b
  // made from its bits (exact).
  static HWY_INLINE double Unbias(float m) {
    const hn::FixedTag<double, 2> d2;
    const double e = hn::GetLane(hn::Exp(d2, hn::Set(d2, static_cast<double>(m))));
    const auto b = static_cast<std::int64_t>(BiasOf(m));
    return e * std::bit_cast<double>(static_cast<std::uint64_t>(1023 - b) << 52);
  }
  // log1p of a row's s − 1 (>= 0, finite) by Highway's Log1p in double lanes (2 ulp):
  // inline, where glibc's log1p was a call of about 15 ns latency and 100 instructions on
  // every row. The rows' outputs need log s to about 2^-30 relative (every |y| >= log s).
  static HWY_INLINE double RowLog1p(double v) {
    const hn::FixedTag<double, 2> d2;
    return hn::GetLane(hn::Log1p(d2, hn::Set(d2, v)));
  }
  // log_softmax's biased rows: e_m = fl(e^m·2^−b), the largest term, and the sum's lanes
  // started at it (Run). False (the row keeps z − m) for rows shorter than a vector (their
  // padded exp is not biased) and where e_m lies within 2^-20 below 1.
  static bool StartAtLargest(float m, std::size_t cols, Sums* acc, float* e_m) {
    const DN d;
    if (cols < hn::Lanes(d)) return false;
    *e_m = hn::GetLane(Exp<true, true, true>(hn::Set(d, m), hn::Set(d, BiasedMagic(BiasOf(m)))).e);
    if (*e_m < 1.0f && *e_m >= 1.0f - 0x1p-20f) return false;
    acc->a = hn::Set(d, *e_m);
    return true;
  }

  static bool Run(const float* xr, float* yr, std::size_t cols, double scale = 1.0, double offset = 0.0,
                  Stats* stats = nullptr, Ahead* ahead = nullptr) {
    const DN d;
    const std::size_t N = hn::Lanes(d);
    const std::size_t whole = cols - cols % N;
    constexpr float kInf = std::numeric_limits<float>::infinity();
    // 1. max, min (and NaN anywhere, where y overlaps x: the exp pass below writes e into
    // y before its sum shows a NaN, and the double path then needs x as it was; and in
    // rows shorter than a vector, whose one padded vector takes the exp that clamps)
    const bool nan_first = (kStoreE && yr < xr + cols && xr < yr + cols) || cols < N;
    float m;
    float lowest;
    const bool known = ahead != nullptr && ahead->have;
    if (ahead != nullptr) ahead->have = false;
    if (nan_first) {
      if (!MaxPass<true>(xr, cols, &m, &lowest)) return false;
    } else if (known) {
      m = ahead->m;
      lowest = ahead->lowest;
    } else {
      MaxPass<false>(xr, cols, &m, &lowest);
    }
    if (m == kInf || m == -kInf) return false;
    // 2. e = exp(z − m) and the sums
    const auto negm = hn::Set(d, -m);
    // Fast2Sum(−m, z) is exact when z's exponent does not exceed m's (Dekker's condition;
    // |z| <= |m| is the stricter textbook one): every |z| < 2^(ilogb m + 1). For logits
    // spread around 0 (max 6.4, min −6.9) that keeps the 3-operation split.
    // |lowest| < 2^(ilogb m + 1) compares the two exponent fields (a subnormal lowest has 0,
    // ±inf and NaN 255): no ilogbf and ldexpf calls on every row (4096 × 1000 softmax, AVX2,
    // one thread, best of 3 alternated processes: 0.453 -> 0.435 ns/elem).
    const auto exponent_field = [](float v) { return std::bit_cast<std::uint32_t>(v) << 1 >> 24; };
    const bool fast2sum =
        std::fabs(m) >= std::numeric_limits<float>::min() && exponent_field(lowest) <= exponent_field(m);
    // False as well where m or the lowest z is a NaN (a NaN lane can win the max or min).
    const bool normal = static_cast<double>(lowest) - static_cast<double>(m) >= -86.9;
    // The normal rows' exps carry a NaN into the sum, checked below; the others clamp
    // their argument, so a NaN must be found first (a pass of their own, for these rare rows).
    if (!nan_first && !normal && RowHasNaN(xr, cols)) return false;
    // Rows of logits within ±256 (every e normal): e^z·2^−b for b = round(m/ln2), no z − m
    // at all. softmax: the shift cancels in e/Σe. log_softmax needs s − 1, the sum's digits
    // beside the largest term: every z = m gives the same e_m = fl(e^m·2^−b), the sum's
    // lanes start at e_m (not 1), so the first e_m a lane takes doubles it exactly and
    // leaves no rounding error to swamp the small terms beside it, and
    // s − 1 = (Σ e − e_m)/(e^m·2^−b), the divisor in double. Where e_m lies within 2^-20 below
    // 1, an e < e_m could round up to 1, a binade above the lanes' start, and Fast2Sum would
    // no longer be exact: those rows keep z − m, as the losses do.
    Sums acc{hn::Set(d, 1.0f), hn::Zero(d), hn::Zero(DW()), hn::Zero(DW()), 0};
    // The next row comes into the caches by the output pass's steady prefetch (where it
    // takes that row's max) or by the exp pass's burst (where that pays).
    const bool steady_next = ahead != nullptr && ahead->next != nullptr && SteadyPrefetchPays();
    ExpPrefetch prefetch = ForwardPrefetchPays(cols, kStoreE) ? ExpPrefetch::kNextRow : ExpPrefetch::kNone;
    if (steady_next) {
      const bool own_y = kMode == RowMode::kLogSoftmax || (kMode == RowMode::kSoftmax && SoftmaxOwnYPays(cols));
      prefetch = own_y ? ExpPrefetch::kOwnY : ExpPrefetch::kNone;
    } else if (kMode == RowMode::kLogits && prefetch == ExpPrefetch::kNone && SoftmaxOwnYPays(cols, true)) {
      prefetch = ExpPrefetch::kOwnY;
    }
    float e_m = 1.0f;  // log_softmax's biased rows: their largest e, where the lanes start
    const bool biased = kMode != RowMode::kLogits && normal && m < 256.0f && lowest > -256.0f &&
                        (kMode == RowMode::kSoftmax || (cols >= kLogBiasedCols && StartAtLargest(m, cols, &acc, &e_m)));
    if (biased) {
      const float b = BiasOf(m);
      ExpPass<true, true, true>(xr, yr, whole, cols, hn::Set(d, BiasedMagic(b)), &acc, prefetch);
    } else if (fast2sum && normal) {
      ExpPass<true, true>(xr, yr, whole, cols, negm, &acc, prefetch);
    } else if (fast2sum) {
      ExpPass<true, false>(xr, yr, whole, cols, negm, &acc, prefetch);
    } else if (normal) {
      ExpPass<false, true>(xr, yr, whole, cols, negm, &acc, prefetch);
    } else {
      ExpPass<false, false>(xr, yr, whole, cols, negm, &acc, prefetch);
    }
    if (whole < cols && cols < N) {
      // Padded with m, so those lanes give e = 1, left out of the sum: padded with −inf,
      // their exp's 2^n scaling made subnormal intermediates, each a microcode assist on
      // Intel (one thread, AVX-512, 65536 × 10 softmax: 15.2 ns/elem).
      const Term v = Exp<false, false>(LoadTail(xr + whole, cols - whole, kNegate ? -m : m), negm);
      if constexpr (kStoreE) StorePartial(d, v.e, yr + whole, cols - whole);
      Accumulate<false>(ZeroWhere(hn::Not(hn::FirstN(d, cols - whole)), v), &acc);
    }
    double sum_minus_1 = 0;
    if constexpr (kMode == RowMode::kLogSoftmax) {
      sum_minus_1 = biased ? SumMinus(&acc, e_m, e_m) / Unbias(m) : SumMinus(&acc);
    } else {
      sum_minus_1 = SumMinus(&acc);
    }
    if (std::isnan(sum_minus_1)) return false;  // a NaN among the logits
    // log_softmax's largest output is −log1p(s − 1). When that is below 2^-60 and some e
    // is subnormal, s − 1 may be made of subnormal e's, each rounded to 2^-149 absolute
    // (a 254-column row lost 32 ulp of a −1.2e-41 output); the double path keeps their
    // digits. Such rows have one class ahead of the rest by more than 41 nats.
    if constexpr (kMode == RowMode::kLogSoftmax) {
      if (!normal && sum_minus_1 < 0x1p-60) return false;
    }
    if (stats != nullptr) *stats = {static_cast<double>(m), sum_minus_1};
    // 3. outputs
    if constexpr (kMode == RowMode::kLogSoftmax) {
      LogOut(xr, yr, cols, m, RowLog1p(sum_minus_1), ahead);
    } else {
      const double inv = scale / (1.0 + sum_minus_1);
      const float inv_hi = static_cast<float>(inv);
      const auto vhi = hn::Set(d, inv_hi);
      const auto vlo = hn::Set(d, static_cast<float>(inv - static_cast<double>(inv_hi)));
      const auto voff = hn::Set(d, static_cast<float>(offset));
      const auto out = [&](V<DN> e) {
        const auto y = MulTwoPart(d, e, vhi, vlo);
        return kMode == RowMode::kLogits ? hn::Sub(y, voff) : y;
      };
      if (cols >= N) {
        OutPass(yr, cols, ahead, [&](std::size_t k) HWY_ATTR { return out(hn::LoadU(d, yr + k)); });
      } else {
        StorePartial(d, out(LoadPartial(d, yr + whole, cols - whole, 0.0f)), yr + whole, cols - whole);
      }
    }
    return true;
  }
};
#endif

#if HWY_TARGET != HWY_SCALAR
// float32 rows at a temperature T ≠ 1 on float lanes where FMA is native (they all took the
// double-lane path: 2.3–3.0 against 0.39 ns/elem at T = 1, 4096 × 1000 softmax, AVX2):
// a = (z − m)/T in two floats (z − m = hi + lo exactly by 2Sum, times 1/T in two floats, the
// product's error by FMA, renormalised by Fast2Sum), then FloatLaneRow's exp of a two-part
// argument, sums and outputs; log_softmax's y = a − log s as (a_hi − L_hi) + (a_lo − L_lo),
// where a <= 0 <= log s, so nothing cancels. Rows with a NaN, an infinite max or a scaled
// spread below −86.9 (−inf entries among them) keep the double path (Run). Without a
// native FMA (SSE4) the product's error is not exact: 65 floats off in the sweep.
template <bool kNegate, RowMode kMode>
struct TempRow {
  using Row = FloatLaneRow<kNegate, kMode>;
  using DN = typename Row::DN;
  struct Scale {
    V<DN> hi, lo;  // 1/T
  };
  // (z − m)/T = a_hi + a_lo, |a_lo| <= ulp(a_hi)/2, to about 2^-46 relative
  static HWY_INLINE void Scaled(V<DN> z, V<DN> negm, const Scale& t, V<DN>* a_hi, V<DN>* a_lo) {
    V<DN> hi;
    V<DN> lo;
    TwoSum<DN>(z, negm, &hi, &lo);
    const V<DN> p = hn::Mul(hi, t.hi);
    const V<DN> rest = hn::MulAdd(hi, t.lo, hn::MulAdd(lo, t.hi, hn::MulSub(hi, t.hi, p)));
    *a_hi = hn::Add(p, rest);
    *a_lo = hn::Sub(rest, hn::Sub(*a_hi, p));
  }

  static bool Run(const float* xr, float* yr, std::size_t cols, double inv_t) {
    float m;
    float lowest;
    if (!Row::template MaxPass<true>(xr, cols, &m, &lowest)) return false;  // a NaN
    // every e normal; the other rows keep the double path, where e's below 2^-126 are
    // normal doubles: on float lanes they are subnormal, and each operation on a vector
    // holding one a microcode assist on Intel (T = 0.1, logits N(0, 3), 4096 × 1000, AVX2:
    // 9.3 ns/elem on float lanes, 2.7 in double)
    if (!std::isfinite(m) || (static_cast<double>(lowest) - static_cast<double>(m)) * inv_t < -86.9) return false;
    const DN d;
    const std::size_t N = hn::Lanes(d);
    const std::size_t whole = cols - cols % N;
    const float t_hi = static_cast<float>(inv_t);
    const Scale t{hn::Set(d, t_hi), hn::Set(d, static_cast<float>(inv_t - static_cast<double>(t_hi)))};
    const V<DN> negm = hn::Set(d, -m);
    typename Row::Sums acc{hn::Set(d, 1.0f), hn::Zero(d), hn::Zero(typename Row::DW()), hn::Zero(typename Row::DW()),
                           0};
    const auto exp_at = [&](V<DN> z) HWY_ATTR {
      V<DN> a_hi;
      V<DN> a_lo;
      Scaled(z, negm, t, &a_hi, &a_lo);
      return Row::template ExpOfParts<true>(a_hi, a_lo);
    };
    // the last vector overlaps the loop's (its repeated lanes are left out of the sum): read
    // before the loop, which in place overwrites lanes of it with e
    const bool overlap = whole < cols && cols >= N;
    const auto last = overlap ? exp_at(Row::Load(xr + cols - N)) : typename Row::Term{};
    // y's lines for ownership, 8 KiB ahead, where that pays at T = 1 (SoftmaxOwnYPays). One
    // thread, pinned, `smt` harness, ns/elem without / with: AVX2 256 × 32000 at T = 0.5
    // 0.791–0.797 / 0.754–0.757, 1024 × 8000 at T = 2 0.769–0.778 / 0.735–0.753, 4096 × 1000
    // 0.716–0.721 / 0.718–0.733; AVX-512 0.665–0.672 / 0.587–0.603, 0.603–0.608 / 0.562–0.564.
    const auto loop = [&](auto own_y) HWY_ATTR {
      for (std::size_t i = 0; i < whole; i += N) {
        if constexpr (decltype(own_y)::value) PrefetchAhead<true>(yr + i);
        const auto v = exp_at(Row::Load(xr + i));
        if constexpr (Row::kStoreE) hn::StoreU(v.e, d, yr + i);
        Row::template Accumulate<false>(v, &acc);
      }
    };
    if (Row::kStoreE && SoftmaxOwnYPays(cols)) {
      loop(std::true_type{});
    } else {
      loop(std::false_type{});
    }
    if (overlap) {
      if constexpr (Row::kStoreE) hn::StoreU(last.e, d, yr + cols - N);
      Row::template Accumulate<false>(Row::ZeroWhere(hn::FirstN(d, whole + N - cols), last), &acc);
    } else if (whole < cols) {  // padded with m: e = 1 there, left out of the sum
      const auto v = exp_at(Row::LoadTail(xr, cols, kNegate ? -m : m));
      if constexpr (Row::kStoreE) StorePartial(d, v.e, yr, cols);
      Row::template Accumulate<false>(Row::ZeroWhere(hn::Not(hn::FirstN(d, cols)), v), &acc);
    }
    const double sum_minus_1 = Row::SumMinus(&acc);
    if (std::isnan(sum_minus_1)) return false;
    if constexpr (kMode == RowMode::kLogSoftmax) {
      const double log_s = Row::RowLog1p(sum_minus_1);
      const float l_hi = static_cast<float>(log_s);
      const auto vl_hi = hn::Set(d, l_hi);
      const auto vl_lo = hn::Set(d, static_cast<float>(log_s - static_cast<double>(l_hi)));
      const auto out = [&](V<DN> z) HWY_ATTR {
        V<DN> a_hi;
        V<DN> a_lo;
        Scaled(z, negm, t, &a_hi, &a_lo);
        return hn::Add(hn::Sub(a_hi, vl_hi), hn::Sub(a_lo, vl_lo));
      };
      if (cols >= N) {
        AlignedRowPass(yr, cols, [&](std::size_t i) HWY_ATTR { return out(Row::Load(xr + i)); });
      } else {
        StorePartial(d, out(Row::LoadTail(xr, cols, kNegate ? -m : m)), yr, cols);
      }
    } else {
      const double inv = 1.0 / (1.0 + sum_minus_1);
      const float inv_hi = static_cast<float>(inv);
      const auto vhi = hn::Set(d, inv_hi);
      const auto vlo = hn::Set(d, static_cast<float>(inv - static_cast<double>(inv_hi)));
      if (cols >= N) {
        AlignedRowPass(yr, cols, [&](std::size_t i) HWY_ATTR { return MulTwoPart(d, hn::LoadU(d, yr + i), vhi, vlo); });
      } else {
        StorePartial(d, MulTwoPart(d, LoadPartial(d, yr, cols, 0.0f), vhi, vlo), yr, cols);
      }
    }
    return true;
  }
};
#endif

#if HWY_TARGET != HWY_SCALAR
// Short rows, one row per lane: a block of N rows a step, each column gathered into one
// vector (lane r = row r), so the max, the sums and the outputs' constants are lane-wise
// operations and no row pays the horizontal reductions, the scalar log1p and the loop
// set-up that a row of its own pays (about 25–45 ns; a 10-column row has 10 elements).
// The arithmetic of each lane is FloatLaneRow's on the z − m path (Exp with a two-part
// argument, the sums anchored at 1 with their errors kept, then s − 1, 1/s or log s in
// double), so a row's bits do not depend on its neighbours or on how the rows are
// blocked (thread counts). Lanes whose row has a NaN, an infinite max or a spread beyond
// 86 (subnormal e's) are left to the row path.
// One thread, pinned, 16384–65536 rows, ns/elem, row path -> lanes, softmax / log_softmax:
//   AVX2: 10 columns 2.36 / 3.38 -> 1.28 / 1.35; 24 1.14 / 1.45 -> 0.85 / 0.92; 32 0.95 /
//   1.30 -> 0.83 / 0.83; 48 0.71 / 0.98 -> 0.82 / 0.82; 64 0.61 / 0.88 -> 0.87 / 0.86;
//   AVX-512 (element-wise scatter): 10 3.30 / 4.59 -> 1.10 / 1.24; 32 1.02 / 1.34 -> 0.87 /
//   0.89; 48 0.80 / 1.01 -> 0.88 / 0.87; SSE4: 10 3.74 / 4.29 -> 2.71 / 2.50;
//   16 2.67 / 2.83 -> 2.66 / 2.54; 32 2.09 / 2.00 -> 2.28 / 1.93; 48 1.82 / 1.68 -> 2.17 / 1.77.
inline constexpr std::size_t kLaneRowsMaxCols = 48;
inline std::size_t LaneRowsCols(bool log_out) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
  return log_out ? 48 : 32;
#else
  return log_out ? 32 : 16;
#endif
}

template <bool kNegate, RowMode kMode>
struct LaneRows {
  using Row = FloatLaneRow<kNegate, kMode>;
  using DN = typename Row::DN;
  using DH = typename Row::DH;
  using DW = typename Row::DW;

  // The rows [0, count) of the block at x, y (count <= N, cols <= kLaneRowsMaxCols): the
  // bits of the rows written (bit r for row r). kLogits (the cross-entropy rows): outputs
  // p·scale − offset, and each written row's m, s − 1 and log s in max[r], sum_minus_1[r],
  // log_s[r].
  static std::uint64_t Block(const float* x, float* y, std::size_t count, std::size_t cols, double scale = 1.0,
                             double offset = 0.0, double* max = nullptr, double* sum_minus_1 = nullptr,
                             double* log_s = nullptr) {
    const DN d;
    const DH dh;
    const DW dw;
    const hn::RebindToSigned<DN> di;
    const std::size_t N = hn::Lanes(d);
    constexpr float kInf = std::numeric_limits<float>::infinity();
    // lanes past the block read its last row again (their results are not stored)
    const auto row = hn::Min(hn::Iota(di, 0), hn::Set(di, static_cast<std::int32_t>(count - 1)));
    const auto starts = hn::Mul(row, hn::Set(di, static_cast<std::int32_t>(cols)));
    V<DN> z[kLaneRowsMaxCols];
    auto vmax = hn::Set(d, -kInf);
    auto vmin = hn::Set(d, kInf);
    auto nan = hn::FirstN(d, 0);
    for (std::size_t c = 0; c < cols; ++c) {
      const V<DN> v = hn::GatherIndex(d, x + c, starts);
      z[c] = kNegate ? hn::Neg(v) : v;
      vmax = hn::Max(vmax, z[c]);
      vmin = hn::Min(vmin, z[c]);
      nan = hn::Or(nan, hn::IsNaN(z[c]));
    }
    // every e normal: fl(lowest − m) >= −86 puts the exact spread above −86.1 > −86.9
    const auto spread_ok = hn::Ge(hn::Sub(vmin, vmax), hn::Set(d, -86.0f));
    const auto ok = hn::AndNot(nan, hn::And(hn::And(hn::IsFinite(vmax), spread_ok), hn::FirstN(d, count)));
    if (hn::AllFalse(d, ok)) return 0;
    // the other lanes compute on zeros (no NaN, inf or subnormal steps)
    const V<DN> m = hn::IfThenElseZero(ok, vmax);
    const V<DN> negm = hn::Neg(m);
    typename Row::Sums acc{hn::Set(d, 1.0f), hn::Zero(d), hn::Zero(dw), hn::Zero(dw), 0};
    if (!hn::AllTrue(d, ok)) {
      for (std::size_t c = 0; c < cols; ++c) z[c] = hn::IfThenElseZero(ok, z[c]);
    }
    // z − m by Fast2Sum where no lane's lowest z has a larger exponent than its m (as Run
    // decides per row), else 2Sum; e then replaces z in softmax (its outputs need only e)
    const auto exponent = [&](V<DN> v) { return hn::ShiftRight<23>(hn::BitCast(di, hn::Abs(v))); };
    const bool fast2sum =
        hn::AllTrue(d, hn::Or(hn::Not(ok), hn::And(hn::Ge(hn::Abs(m), hn::Set(d, std::numeric_limits<float>::min())),
                                                   hn::RebindMask(d, hn::Not(hn::Gt(exponent(vmin), exponent(m)))))));
    const auto pass = [&](auto fast) HWY_ATTR {
      for (std::size_t c = 0; c < cols; ++c) {
        const auto v = Row::template Exp<decltype(fast)::value, true>(z[c], negm);
        if constexpr (kMode != RowMode::kLogSoftmax) z[c] = v.e;
        Row::template Accumulate<false>(v, &acc);
      }
    };
    if (fast2sum) {
      pass(std::true_type());
    } else {
      pass(std::false_type());
    }
    Row::Flush(&acc);
    // s − 1 per lane: a = 1 + Σ e (the max's e = 1 among them) plus the errors c, in double
    const auto two = hn::Set(dw, 2.0);
    const V<DW> sm1_lo = hn::Add(hn::Sub(hn::PromoteTo(dw, hn::LowerHalf(dh, acc.a)), two), acc.c0);
    const V<DW> sm1_hi = hn::Add(hn::Sub(hn::PromoteTo(dw, hn::UpperHalf(dh, acc.a)), two), acc.c1);
    // the outputs' two constants per lane, as float vectors: 1/s (softmax) or c1 + c2 =
    // m + log s (log_softmax) in two floats
    V<DN> k1;
    V<DN> k2;
    const auto split = [&](V<DW> lo, V<DW> hi, V<DN>* head, V<DN>* tail) {
      const auto h_lo = hn::DemoteTo(dh, lo);
      const auto h_hi = hn::DemoteTo(dh, hi);
      *head = hn::Combine(d, h_hi, h_lo);
      *tail = hn::Combine(d, hn::DemoteTo(dh, hn::Sub(hi, hn::PromoteTo(dw, h_hi))),
                          hn::DemoteTo(dh, hn::Sub(lo, hn::PromoteTo(dw, h_lo))));
    };
    if constexpr (kMode == RowMode::kLogSoftmax) {
      const V<DW> m_lo = hn::PromoteTo(dw, hn::LowerHalf(dh, m));
      const V<DW> m_hi = hn::PromoteTo(dw, hn::UpperHalf(dh, m));
      const V<DW> log_lo = hn::Log1p(dw, sm1_lo);
      const V<DW> log_hi = hn::Log1p(dw, sm1_hi);
      // c1 = fl(m + log s), c2 = fl((m − c1) + log s), as LogOut forms them
      const auto c1_lo = hn::DemoteTo(dh, hn::Add(m_lo, log_lo));
      const auto c1_hi = hn::DemoteTo(dh, hn::Add(m_hi, log_hi));
      k1 = hn::Combine(d, c1_hi, c1_lo);
      k2 = hn::Combine(d, hn::DemoteTo(dh, hn::Add(hn::Sub(m_hi, hn::PromoteTo(dw, c1_hi)), log_hi)),
                       hn::DemoteTo(dh, hn::Add(hn::Sub(m_lo, hn::PromoteTo(dw, c1_lo)), log_lo)));
    } else {
      const auto one = hn::Set(dw, 1.0);
      const auto vscale = hn::Set(dw, scale);
      split(hn::Div(vscale, hn::Add(one, sm1_lo)), hn::Div(vscale, hn::Add(one, sm1_hi)), &k1, &k2);
    }
    const auto voff = hn::Set(d, static_cast<float>(offset));
    V<DN> out[kLaneRowsMaxCols];
    for (std::size_t c = 0; c < cols; ++c) {
      V<DN> v;
      if constexpr (kMode == RowMode::kLogSoftmax) {
        v = hn::Sub(hn::Sub(z[c], k1), k2);
      } else {
        v = MulTwoPart(d, z[c], k1, k2);  // z[c] holds e here
        if constexpr (kMode == RowMode::kLogits) v = hn::Sub(v, voff);
      }
      out[c] = v;
    }
    std::uint64_t done = 0;
    alignas(64) std::int32_t ok_lanes[hn::MaxLanes(d)];
    hn::Store(hn::BitCast(di, hn::VecFromMask(d, ok)), di, ok_lanes);
    for (std::size_t r = 0; r < count; ++r) done |= ok_lanes[r] != 0 ? std::uint64_t{1} << r : 0;
    if constexpr (kMode == RowMode::kLogits) {
      alignas(64) double m_lanes[hn::MaxLanes(d)];
      alignas(64) double s_lanes[hn::MaxLanes(d)];
      alignas(64) double l_lanes[hn::MaxLanes(d)];
      const std::size_t half = hn::Lanes(dw);
      hn::Store(hn::PromoteTo(dw, hn::LowerHalf(dh, m)), dw, m_lanes);
      hn::Store(hn::PromoteTo(dw, hn::UpperHalf(dh, m)), dw, m_lanes + half);
      hn::Store(sm1_lo, dw, s_lanes);
      hn::Store(sm1_hi, dw, s_lanes + half);
      hn::Store(hn::Log1p(dw, sm1_lo), dw, l_lanes);
      hn::Store(hn::Log1p(dw, sm1_hi), dw, l_lanes + half);
      for (std::size_t r = 0; r < count; ++r) {
        if (((done >> r) & 1) == 0) continue;
        max[r] = m_lanes[r];
        sum_minus_1[r] = s_lanes[r];
        log_s[r] = l_lanes[r];
      }
    }
    Scatter(out, y, count, cols, done);
    return done;
  }

  // Row r (bit r of `rows`) of the outputs out[c] (lane r) to y + r·cols.
  static HWY_INLINE void Scatter(const V<DN>* out, float* y, std::size_t count, std::size_t cols, std::uint64_t rows) {
    const DN d;
    const std::size_t N = hn::Lanes(d);
#if HWY_TARGET == HWY_AVX2 && HWY_ARCH_X86
    // AVX2: 8 × 8 blocks transposed in registers (unpack, 64-bit unpack, 128-bit halves),
    // each row's 8 columns one store, where element by element took 0.31 of the 1.09
    // ns/elem of 16384 × 32 softmax.
    if constexpr (std::is_same_v<V<DN>, hn::Vec256<float>>) {
      const hn::Repartition<double, DN> dd;
      for (std::size_t c0 = 0; c0 < cols; c0 += 8) {
        V<DN> t[8];
        for (std::size_t k = 0; k < 8; ++k) t[k] = c0 + k < cols ? out[c0 + k] : hn::Zero(d);
        V<DN> u[8];
        for (std::size_t k = 0; k < 8; k += 2) {
          u[k] = hn::InterleaveLower(d, t[k], t[k + 1]);
          u[k + 1] = hn::InterleaveUpper(d, t[k], t[k + 1]);
        }
        const auto lo64 = [&](V<DN> a, V<DN> b) {
          return hn::BitCast(d, hn::InterleaveLower(dd, hn::BitCast(dd, a), hn::BitCast(dd, b)));
        };
        const auto hi64 = [&](V<DN> a, V<DN> b) {
          return hn::BitCast(d, hn::InterleaveUpper(dd, hn::BitCast(dd, a), hn::BitCast(dd, b)));
        };
        // v[k] holds rows k and k + 4 of the block in its 128-bit halves
        const V<DN> v[8] = {lo64(u[0], u[2]), hi64(u[0], u[2]), lo64(u[1], u[3]), hi64(u[1], u[3]),
                            lo64(u[4], u[6]), hi64(u[4], u[6]), lo64(u[5], u[7]), hi64(u[5], u[7])};
        const std::size_t width = std::min<std::size_t>(8, cols - c0);
        for (std::size_t r = 0; r < count; ++r) {
          if (((rows >> r) & 1) == 0) continue;
          const std::size_t k = r % 4;
          const V<DN> row = r < 4 ? hn::ConcatLowerLower(d, v[k + 4], v[k]) : hn::ConcatUpperUpper(d, v[k + 4], v[k]);
          float* p = y + r * cols + c0;
          if (width == 8) {
            hn::StoreU(row, d, p);
          } else {
            hn::BlendedStore(row, hn::FirstN(d, width), d, p);
          }
        }
      }
      return;
    }
#endif
    alignas(64) float buf[kLaneRowsMaxCols * hn::MaxLanes(d)];
    for (std::size_t c = 0; c < cols; ++c) hn::Store(out[c], d, buf + c * N);
    for (std::size_t r = 0; r < count; ++r) {
      if (((rows >> r) & 1) == 0) continue;
      float* yr = y + r * cols;
      for (std::size_t c = 0; c < cols; ++c) yr[c] = buf[c * N + r];
    }
  }
};
#endif

// The cross-entropy losses' row pass over float32 logits: grad = p·scale − offset
// (p = softmax), and per row m, s − 1, log1p(s − 1) (short rows; NaN for the others) and
// (want_sum_z) Σ z in double; ok[r] = 0 for rows with NaN or an infinite maximum, left
// untouched for the caller's exact path.
inline void LogitRowsF32Impl(const float* x, float* grad, std::size_t rows, std::size_t cols, double scale,
                             double offset, bool want_sum_z, double* max, double* sum_minus_1, double* log_s,
                             double* sum_z, unsigned char* ok) {
#if HWY_TARGET != HWY_SCALAR
  // short rows a block at a time, one per lane (LaneRows), as softmax's
  const std::size_t NF = hn::Lanes(hn::ScalableTag<float>());
  const bool lane_rows = cols <= LaneRowsCols(false);
  std::uint64_t lane_done = 0;
#endif
  for (std::size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
#if HWY_TARGET != HWY_SCALAR
    if (lane_rows && r % NF == 0) {
      lane_done = LaneRows<false, RowMode::kLogits>::Block(xr, grad + r * cols, std::min(NF, rows - r), cols, scale,
                                                           offset, max + r, sum_minus_1 + r, log_s + r);
    }
    if (lane_rows && ((lane_done >> (r % NF)) & 1) != 0) {
      ok[r] = 1;
    } else {
      using Row = FloatLaneRow<false, RowMode::kLogits>;
      Row::Stats st;
      ok[r] = Row::Run(xr, grad + r * cols, cols, scale, offset, &st) ? 1 : 0;
      max[r] = st.max;
      sum_minus_1[r] = st.sum_minus_1;
      // not formed here: on this row's chain, Highway's log1p cost more (16384 × 64: 1.17 ->
      // 1.22 ns/elem) than glibc's in the caller's loop
      log_s[r] = std::numeric_limits<double>::quiet_NaN();
    }
#else
    ok[r] = 0;
    (void)grad;
    (void)scale;
    (void)offset;
    (void)max;
    (void)sum_minus_1;
    (void)log_s;
#endif
    if (want_sum_z) {
      const hn::ScalableTag<double> d;
      const std::size_t N = hn::Lanes(d);
      auto acc = hn::Zero(d);
      for (std::size_t i = 0; i < cols; i += N) {
        acc = hn::Add(acc, LoadRow(d, xr + i, cols - i < N ? cols - i : N, 0.0));
      }
      sum_z[r] = hn::GetLane(hn::SumOfLanes(d, acc));
    }
  }
}

template <typename T>
void SoftmaxRowsImpl(SoftmaxKind kind, const T* x, T* y, std::size_t rows, std::size_t cols, double inv_t,
                     bool masked_safe) {
  const hn::ScalableTag<double> d;
  const std::size_t N = hn::Lanes(d);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const double sign = kind == SoftmaxKind::kSoftmin ? -1.0 : 1.0;
  const bool log_out = kind == SoftmaxKind::kLogSoftmax;
  thread_local std::vector<double> scratch;
  scratch.resize(cols + N);
  const auto vsign = hn::Set(d, sign);
#if HWY_TARGET != HWY_SCALAR
  RowAhead ahead;
  ahead.split = SplitOutPassPays(cols, rows * cols * sizeof(T));
  // float32 rows of up to kLaneRowsMaxCols columns at temperature 1: a block of rows at a
  // time, one per lane (LaneRows); `lane_done` holds the rows of the current block it
  // wrote, the others take the row paths below.
  const std::size_t NF = hn::Lanes(hn::ScalableTag<float>());
  const bool lane_rows = sizeof(T) == sizeof(float) && inv_t == 1.0 && cols <= LaneRowsCols(log_out);
  std::uint64_t lane_done = 0;
#endif
  for (std::size_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
#if HWY_TARGET != HWY_SCALAR
    if constexpr (sizeof(T) == sizeof(float)) {
      if (lane_rows) {
        if (r % NF == 0) {
          const std::size_t count = std::min(NF, rows - r);
          if (kind == SoftmaxKind::kSoftmax) lane_done = LaneRows<false, RowMode::kSoftmax>::Block(xr, yr, count, cols);
          if (kind == SoftmaxKind::kSoftmin) lane_done = LaneRows<true, RowMode::kSoftmax>::Block(xr, yr, count, cols);
          if (kind == SoftmaxKind::kLogSoftmax) {
            lane_done = LaneRows<false, RowMode::kLogSoftmax>::Block(xr, yr, count, cols);
          }
        }
        if ((lane_done >> (r % NF)) & 1) continue;
      }
      if (inv_t == 1.0) {
        // softmax and softmin rows with y apart from x (their max pass then needs no NaN
        // test) take the next row's max and lowest z during their output pass (RowAhead),
        // and log_softmax's where LogAheadPays (not among the lane rows, which skip rows).
        const bool apart = y + rows * cols <= x || x + rows * cols <= y;
        ahead.next = !lane_rows && (!log_out || LogAheadPays()) && apart &&
                             cols >= hn::Lanes(hn::ScalableTag<float>()) && r + 1 < rows
                         ? xr + cols
                         : nullptr;
        bool done = false;
        if (kind == SoftmaxKind::kSoftmax) {
          done = FloatLaneRow<false, RowMode::kSoftmax>::Run(xr, yr, cols, 1.0, 0.0, nullptr, &ahead);
        }
        if (kind == SoftmaxKind::kSoftmin) {
          done = FloatLaneRow<true, RowMode::kSoftmax>::Run(xr, yr, cols, 1.0, 0.0, nullptr, &ahead);
        }
        if (kind == SoftmaxKind::kLogSoftmax) {
          done = FloatLaneRow<false, RowMode::kLogSoftmax>::Run(xr, yr, cols, 1.0, 0.0, nullptr, &ahead);
        }
        if (done) continue;
      } else if (HWY_NATIVE_FMA) {  // TempRow's product errors need a fused multiply-add
        bool done = false;
        if (kind == SoftmaxKind::kSoftmax) done = TempRow<false, RowMode::kSoftmax>::Run(xr, yr, cols, inv_t);
        if (kind == SoftmaxKind::kSoftmin) done = TempRow<true, RowMode::kSoftmax>::Run(xr, yr, cols, inv_t);
        if (kind == SoftmaxKind::kLogSoftmax) done = TempRow<false, RowMode::kLogSoftmax>::Run(xr, yr, cols, inv_t);
        if (done) continue;
      }
    }
#endif
    // 1. max, NaN anywhere
    auto vmax = hn::Set(d, -kInf);
    auto vnan = hn::Zero(d);
    for (std::size_t i = 0; i < cols; i += N) {
      const std::size_t c = cols - i < N ? cols - i : N;
      const auto z = hn::Mul(LoadRow(d, xr + i, c, -kInf * sign), vsign);
      vmax = hn::Max(vmax, z);
      vnan = hn::IfThenElse(hn::IsNaN(z), hn::Set(d, 1.0), vnan);
    }
    const double m = hn::GetLane(hn::MaxOfLanes(d, vmax));
    const bool any_nan = hn::GetLane(hn::MaxOfLanes(d, vnan)) != 0.0;
    if (any_nan || m == kInf || m == -kInf) {
      double fill = std::numeric_limits<double>::quiet_NaN();
      if (!any_nan && m == -kInf && masked_safe) fill = log_out ? -kInf : 0.0;
      for (std::size_t i = 0; i < cols; ++i) yr[i] = static_cast<T>(fill);
      continue;
    }
    // 2. e = exp((z − m)/T), s − 1 kept apart
    const auto vm = hn::Set(d, m);
    const auto vinv = hn::Set(d, inv_t);
    auto vsmall = hn::Zero(d);
    auto vones = hn::Zero(d);
    for (std::size_t i = 0; i < cols; i += N) {
      const std::size_t c = cols - i < N ? cols - i : N;
      const auto z = hn::Mul(LoadRow(d, xr + i, c, -kInf * sign), vsign);
      const auto e = ExpNonPositive(d, hn::Mul(hn::Sub(z, vm), vinv));
      hn::StoreU(e, d, scratch.data() + i);
      const auto is_one = hn::Eq(e, hn::Set(d, 1.0));
      vsmall = hn::Add(vsmall, hn::IfThenZeroElse(is_one, e));
      vones = hn::Add(vones, hn::IfThenElseZero(is_one, hn::Set(d, 1.0)));
    }
    const double s_minus_1 = hn::GetLane(hn::SumOfLanes(d, vones)) - 1.0 + hn::GetLane(hn::SumOfLanes(d, vsmall));
    // 3. outputs
    if (log_out) {
      const auto log_s = hn::Log1p(d, hn::Set(d, s_minus_1));
      for (std::size_t i = 0; i < cols; i += N) {
        const std::size_t c = cols - i < N ? cols - i : N;
        const auto z = hn::Mul(LoadRow(d, xr + i, c, 0.0), vsign);
        StoreRow(d, hn::Sub(hn::Mul(hn::Sub(z, vm), vinv), log_s), yr + i, c);
      }
    } else {
      const auto inv_s = hn::Set(d, 1.0 / (1.0 + s_minus_1));
      for (std::size_t i = 0; i < cols; i += N) {
        const std::size_t c = cols - i < N ? cols - i : N;
        StoreRow(d, hn::Mul(hn::LoadU(d, scratch.data() + i), inv_s), yr + i, c);
      }
    }
  }
}

#if HWY_TARGET != HWY_SCALAR
// The backward once prefetched the next row in a burst (one line of each array per vector).
// On AMD Zen 4 that halved its speed (the hardware prefetcher streams the rows already:
// 4096 × 1000 softmax backward 0.29–0.34 ns/element without, 0.58–0.61 with), so AMD runs
// without; on the Intel Xeons the steady prefetch (SteadyPrefetchPays) replaced it in
// session 27. The numbers of both are in docs/performance.md.

// float32 backward on float lanes: the row sum (Σ dy·y, or Σ dy for log_softmax) in
// double lanes, then dx = y·((dy − acc_hi) − acc_lo)·scale, or (dy − e^y·acc)·scale with
// e^y from ExpFloatLanes. A NaN in y hands the row to the double path.
template <bool kLogOut>
struct FloatLaneBackwardRow {
  using DN = hn::ScalableTag<float>;
  using DH = hn::Half<DN>;
  using DW = hn::Repartition<double, DN>;

  static HWY_INLINE V<DW> Lo(V<DN> v) { return hn::PromoteTo(DW(), hn::LowerHalf(DH(), v)); }
  static HWY_INLINE V<DW> Hi(V<DN> v) { return hn::PromoteTo(DW(), hn::UpperHalf(DH(), v)); }

  static HWY_INLINE V<DN> Grad(V<DN> vy, V<DN> vg, V<DN> acc_hi, V<DN> acc_lo, V<DN> scale) {
    if constexpr (kLogOut) {
      const DN d;
      const auto e = HWY_LIKELY(hn::AllFalse(d, hn::Lt(vy, hn::Set(d, -87.0f))))
                         ? ExpFloatLanes<true>(d, vy, hn::Zero(d))
                         : ExpFloatLanes<false>(d, vy, hn::Zero(d));
      return hn::Mul(hn::NegMulAdd(e, acc_hi, vg), scale);
    } else {
      return hn::Mul(hn::Mul(vy, hn::Sub(hn::Sub(vg, acc_hi), acc_lo)), scale);
    }
  }

  static bool Run(const float* yr, const float* gr, float* dr, std::size_t cols, double scale, bool masked_safe) {
    const DN d;
    const std::size_t N = hn::Lanes(d);
    const std::size_t whole = cols - cols % N;
    const float dead = kLogOut ? -std::numeric_limits<float>::infinity() : 0.0f;  // the masked_safe fill
    auto acc0 = hn::Zero(DW());
    auto acc1 = hn::Zero(DW());
    auto nan = hn::FirstN(d, 0);
    auto live = hn::FirstN(d, 0);
    const auto step = [&](V<DN> vy, V<DN> vg) {
      nan = hn::Or(nan, hn::IsNaN(vy));
      live = hn::Or(live, hn::Ne(vy, hn::Set(d, dead)));
      if constexpr (kLogOut) {
        acc0 = hn::Add(acc0, Lo(vg));
        acc1 = hn::Add(acc1, Hi(vg));
      } else {
        acc0 = hn::MulAdd(Lo(vg), Lo(vy), acc0);
        acc1 = hn::MulAdd(Hi(vg), Hi(vy), acc1);
      }
    };
    const bool steady = SteadyPrefetchPays();
    for (std::size_t i = 0; i < whole; i += N) {
      if (steady) {
        PrefetchAhead(yr + i);
        PrefetchAhead(gr + i);
      }
      step(hn::LoadU(d, yr + i), hn::LoadU(d, gr + i));
    }
    if (whole < cols && cols >= N) {  // the overlapping last vector, its repeated lanes dead
      const auto repeated = hn::FirstN(d, whole + N - cols);
      step(hn::IfThenElse(repeated, hn::Set(d, dead), hn::LoadU(d, yr + cols - N)),
           hn::IfThenZeroElse(repeated, hn::LoadU(d, gr + cols - N)));
    } else if (whole < cols) {
      step(LoadPartial(d, yr + whole, cols - whole, dead), LoadPartial(d, gr + whole, cols - whole, 0.0f));
    }
    if (!hn::AllFalse(d, nan)) return false;
    if (masked_safe && hn::AllFalse(d, live)) {
      std::fill(dr, dr + cols, 0.0f);
      return true;
    }
    const double acc = hn::GetLane(hn::SumOfLanes(DW(), hn::Add(acc0, acc1)));
    const float acc_hi = static_cast<float>(acc);
    const auto vhi = hn::Set(d, acc_hi);
    const auto vlo = hn::Set(d, static_cast<float>(acc - static_cast<double>(acc_hi)));
    const auto vscale = hn::Set(d, static_cast<float>(scale));
    if (cols >= N) {
      AlignedRowPass(dr, cols, [&](std::size_t i) HWY_ATTR {
        if (steady) PrefetchAhead<true>(dr + i);
        return Grad(hn::LoadU(d, yr + i), hn::LoadU(d, gr + i), vhi, vlo, vscale);
      });
    } else {
      // padded with 0, not −inf: e^−inf took subnormal steps, microcode assists on Intel
      const auto vy = LoadPartial(d, yr + whole, cols - whole, 0.0f);
      StorePartial(d, Grad(vy, LoadPartial(d, gr + whole, cols - whole, 0.0f), vhi, vlo, vscale), dr + whole,
                   cols - whole);
    }
    return true;
  }
};
#endif

// Backward from y: softmax/softmin dx = ±y·(dy − Σ dy·y)/T; log_softmax dx = (dy − e^y·Σ dy)/T.
template <typename T>
void SoftmaxBackwardRowsImpl(SoftmaxKind kind, const T* y, const T* dy, T* dx, std::size_t rows, std::size_t cols,
                             double inv_t, bool masked_safe) {
  const hn::ScalableTag<double> d;
  const std::size_t N = hn::Lanes(d);
  const bool log_out = kind == SoftmaxKind::kLogSoftmax;
  const double scale = kind == SoftmaxKind::kSoftmin ? -inv_t : inv_t;
  for (std::size_t r = 0; r < rows; ++r) {
    const T* yr = y + r * cols;
    const T* gr = dy + r * cols;
    T* dr = dx + r * cols;
#if HWY_TARGET != HWY_SCALAR
    if constexpr (sizeof(T) == sizeof(float)) {
      if (log_out ? FloatLaneBackwardRow<true>::Run(yr, gr, dr, cols, scale, masked_safe)
                  : FloatLaneBackwardRow<false>::Run(yr, gr, dr, cols, scale, masked_safe)) {
        continue;
      }
    }
#endif
    auto vacc = hn::Zero(d);
    auto vlive = hn::Zero(d);  // any y that is not the masked_safe fill
    for (std::size_t i = 0; i < cols; i += N) {
      const std::size_t c = cols - i < N ? cols - i : N;
      const auto vy = LoadRow(d, yr + i, c, log_out ? -std::numeric_limits<double>::infinity() : 0.0);
      const auto vg = LoadRow(d, gr + i, c, 0.0);
      vacc = log_out ? hn::Add(vacc, vg) : hn::MulAdd(vg, vy, vacc);
      const auto live =
          log_out ? hn::Ne(vy, hn::Set(d, -std::numeric_limits<double>::infinity())) : hn::Ne(vy, hn::Zero(d));
      vlive = hn::IfThenElse(live, hn::Set(d, 1.0), vlive);
    }
    if (masked_safe && hn::GetLane(hn::MaxOfLanes(d, vlive)) == 0.0) {
      for (std::size_t i = 0; i < cols; ++i) dr[i] = static_cast<T>(0);
      continue;
    }
    const auto acc = hn::Set(d, hn::GetLane(hn::SumOfLanes(d, vacc)));
    const auto vscale = hn::Set(d, scale);
    for (std::size_t i = 0; i < cols; i += N) {
      const std::size_t c = cols - i < N ? cols - i : N;
      const auto vy = LoadRow(d, yr + i, c, 0.0);
      const auto vg = LoadRow(d, gr + i, c, 0.0);
      const auto g =
          log_out ? hn::NegMulAdd(ExpNonPositive(d, hn::Min(vy, hn::Zero(d))), acc, vg) : hn::Mul(vy, hn::Sub(vg, acc));
      StoreRow(d, hn::Mul(g, vscale), dr + i, c);
    }
  }
}

// NOLINTEND(readability-identifier-naming)
}  // namespace actlab::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
