// math-inl.h — accurate vector building blocks shared by the activation kernels.
//
// Written for any lane type; the kernels run them on float64 lanes (float32
// arrays are promoted, computed in double and rounded once). Every function
// here assumes finite inputs: dispatch.cc blends the reference's values for
// NaN and ±inf lanes in afterwards.
//
// Per-target include guard, as Highway's own -inl.h files do.
#if defined(ACTLAB_SRC_CORE_KERNELS_MATH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTLAB_SRC_CORE_KERNELS_MATH_INL_H_
#undef ACTLAB_SRC_CORE_KERNELS_MATH_INL_H_
#else
#define ACTLAB_SRC_CORE_KERNELS_MATH_INL_H_
#endif

#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <type_traits>

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace actlab::kernels::HWY_NAMESPACE {
// The SIMD kernels follow Highway's naming (CamelCase operations, N for the lane count).
// NOLINTBEGIN(readability-identifier-naming)
namespace hn = hwy::HWY_NAMESPACE;

#include "coeffs.inc"

template <class D>
using V = hn::Vec<D>;

template <class D>
HWY_INLINE V<D> Num(D d, double v) {
  return hn::Set(d, static_cast<hn::TFromD<D>>(v));
}

// The rounding error of p = a·b, exactly: an FMA where the target has one,
// Dekker's product (Veltkamp splitting by 2^27 + 1 for double, 2^12 + 1 for
// float) where Highway would emulate it.
template <class D>
HWY_INLINE V<D> ProductError(D d, V<D> a, V<D> b, V<D> p) {
#if HWY_NATIVE_FMA
  (void)d;
  return hn::MulSub(a, b, p);
#else
  const V<D> c = Num(d, sizeof(hn::TFromD<D>) == 8 ? 134217729.0 : 4097.0);
  const V<D> ta = hn::Mul(a, c);
  const V<D> ah = hn::Sub(ta, hn::Sub(ta, a));
  const V<D> al = hn::Sub(a, ah);
  const V<D> tb = hn::Mul(b, c);
  const V<D> bh = hn::Sub(tb, hn::Sub(tb, b));
  const V<D> bl = hn::Sub(b, bh);
  const V<D> err =
      hn::Add(hn::Add(hn::Add(hn::Sub(hn::Mul(ah, bh), p), hn::Mul(ah, bl)), hn::Mul(al, bh)), hn::Mul(al, bl));
  // The split overflows near the top of the range, where the error term no longer matters.
  return hn::IfThenElseZero(hn::IsFinite(err), err);
#endif
}

// p(u) for N coefficients in Horner order (highest degree first), coef(k) the k-th as a
// vector, by Estrin's scheme: pairs c0 + c1·u, then pairs of those with u², u⁴, … A
// 22-term Horner chain is 22 dependent FMAs (≈ 90 cycles per vector, which out-of-order
// execution cannot hide); Estrin's depth is about 2·log2(22).
template <std::size_t N, class D, class Coef>
HWY_INLINE V<D> EstrinBy(D d, V<D> u, Coef coef) {
  (void)d;
  constexpr std::size_t kPairs = (N + 1) / 2;
  constexpr std::size_t kLevels = std::bit_width(kPairs - 1);  // ⌈log2 kPairs⌉
  V<D> t[kPairs];
#pragma GCC unroll 16
  for (std::size_t j = 0; j < kPairs; ++j) {
    const std::size_t k = N - 1 - 2 * j;  // coef(k) is the coefficient of u^(2j)
    t[j] = 2 * j + 1 < N ? hn::MulAdd(coef(k - 1), u, coef(k)) : coef(k);
  }
  V<D> power = hn::Mul(u, u);
#pragma GCC unroll 8
  for (std::size_t level = 0; level < kLevels; ++level) {
    const std::size_t m = ((kPairs - 1) >> level) + 1;  // terms left at this level
#pragma GCC unroll 16
    for (std::size_t j = 0; 2 * j < m; ++j) t[j] = 2 * j + 1 < m ? hn::MulAdd(t[2 * j + 1], power, t[2 * j]) : t[2 * j];
    if (level + 1 < kLevels) power = hn::Mul(power, power);
  }
  return t[0];
}
template <class D, typename T, std::size_t N>
HWY_INLINE V<D> Estrin(D d, V<D> u, const T (&c)[N]) {
  return EstrinBy<N>(d, u, [&](std::size_t k) HWY_ATTR { return Num(d, c[k]); });
}

// num/den for den of moderate size (|den| in [1e-30, 1e30], as 1 + e^−|x| or a + K are):
// on AVX-512, whose division occupies a port for 8 (float) or 16 (double) cycles per
// vector on this project's CPU, a reciprocal estimate (14 bits; for double lanes the
// float estimate) refined by Newton steps, then one correction of the quotient from its
// exact FMA residual, q + r·(num − den·q): within a hair of the correctly rounded
// quotient (the kernels' ulp tests hold it). Elsewhere a true division.
//
// Reciprocal is that estimate alone: 1/den within 2^-28 (float) or 2^-48 (double) relative
// on AVX-512, a true division elsewhere.
template <class D>
HWY_INLINE V<D> Reciprocal(D d, V<D> den) {
  const V<D> one = Num(d, 1.0);
#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
  V<D> r;
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
    r = hn::ApproximateReciprocal(den);
    r = hn::MulAdd(r, hn::NegMulAdd(den, r, one), r);  // 2^-28
  } else {
    const hn::Rebind<float, D> df;
    r = hn::PromoteTo(d, hn::ApproximateReciprocal(hn::DemoteTo(df, den)));  // 2^-12 (256-bit rcp)
    r = hn::MulAdd(r, hn::NegMulAdd(den, r, one), r);                        // 2^-24
    r = hn::MulAdd(r, hn::NegMulAdd(den, r, one), r);                        // 2^-48
  }
  return r;
#else
  return hn::Div(one, den);
#endif
}
template <class D>
HWY_INLINE V<D> Quotient(D d, V<D> num, V<D> den) {
#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
  const V<D> r = Reciprocal(d, den);
  const V<D> q = hn::Mul(num, r);
  // ±0 stays as it is: the correction would turn −0 into +0.
  return hn::IfThenElse(hn::Eq(q, hn::Zero(d)), q, hn::MulAdd(r, hn::NegMulAdd(den, q, num), q));
#else
  (void)d;
  return hn::Div(num, den);
#endif
}

// (a + a_lo)/(den + den_lo) as q + q_lo, given inv ≈ 1/den (Reciprocal): q = a·inv and
// the residual a − q·den (exact by FMA) corrects it, to far below an ulp of q.
template <class D>
HWY_INLINE void DivideParts(V<D> a, V<D> a_lo, V<D> den, V<D> den_lo, V<D> inv, V<D>* q, V<D>* q_lo) {
  *q = hn::Mul(a, inv);
  *q_lo = hn::Mul(hn::Add(hn::NegMulAdd(*q, den_lo, hn::NegMulAdd(*q, den, a)), a_lo), inv);
}

// 1/den good enough for one residual step (DivideRounded, OnePlusInverse): on AVX-512
// float lanes the rcp14 estimate (2^-14 relative; the step squares it), elsewhere Reciprocal.
template <class D>
HWY_INLINE V<D> ReciprocalEstimate(D d, V<D> den) {
#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) return hn::ApproximateReciprocal(den);
#endif
  return Reciprocal(d, den);
}

// (a + a_lo)/(den + den_lo) rounded once: DivideParts' q + q_lo as one FMA. With inv from
// rcp14 (2^-14 relative) the residual step leaves 2^-28 before the rounding. The residual
// is taken negated, q·den − a, and subtracted: for a = ±0 it is +0, and q − (+0) keeps q's
// sign where q + (+0) would turn −0 into +0.
template <class D>
HWY_INLINE V<D> DivideRounded(V<D> a, V<D> a_lo, V<D> den, V<D> den_lo, V<D> inv) {
  const V<D> q = hn::Mul(a, inv);
  return hn::NegMulAdd(hn::Sub(hn::MulAdd(q, den_lo, hn::MulSub(q, den, a)), a_lo), inv, q);
}

// a/c for a constant c (the 6 of the hard* rows) without a division where the target has
// an FMA: q = a·(1/c), then one correction from the exact residual a − c·q; within an ulp
// of the correctly rounded quotient (the kernel tests hold it), ±0 kept as it is.
// kSignedZero = false: the caller's a is never −0 (the correction turns q = −0 into +0).
template <bool kSignedZero = true, class D>
HWY_INLINE V<D> DivideByConstant(D d, V<D> a, double c) {
#if HWY_NATIVE_FMA
  const V<D> inv = Num(d, 1.0 / c);
  const V<D> q = hn::Mul(a, inv);
  const V<D> r = hn::NegMulAdd(q, Num(d, c), a);
  if constexpr (!kSignedZero) return hn::MulAdd(r, inv, q);
  return hn::IfThenElse(hn::Eq(q, hn::Zero(d)), q, hn::MulAdd(r, inv, q));
#else
  return hn::Div(a, Num(d, c));
#endif
}

#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
// The argument of the AVX-512 table kernels (16 float lanes; tables from
// tools/coeffs/gen_coeffs.py, 32 entries each): for a >= 0, the interval index is a's
// biased exponent and top two mantissa bits, 0 below 1/8 (four intervals per binade from
// 1/8 on), and t = a − l is exact (l is a with its lower mantissa bits cleared; 0 in
// interval 0). Each coefficient is then one two-register permute (vpermt2ps), and a
// function is f(l + t) = hi + (lo + t·q(t)) with q of degree 5.
template <class D>
struct TableArgument {
  __m512i idx;
  V<D> t;
  hn::Mask<D> small;  // interval 0

  HWY_INLINE TableArgument(D d, V<D> a) {
    const hn::RebindToSigned<D> di;
    const auto bits = hn::BitCast(di, a);
    // (biased exponent·4 + top two mantissa bits) − (124·4 − 1): 1 at a = 1/8
    idx = hn::Max(hn::Sub(hn::ShiftRight<21>(bits), hn::Set(di, 124 * 4 - 1)), hn::Zero(di)).raw;
    small = hn::Lt(a, Num(d, 0.125));
    t = hn::Sub(a, hn::IfThenZeroElse(small, hn::BitCast(d, hn::And(bits, hn::Set(di, -(1 << 21))))));
  }
  HWY_INLINE V<D> Lookup(const float (&table)[32]) const {
    return V<D>{_mm512_permutex2var_ps(_mm512_load_ps(table), idx, _mm512_load_ps(table + 16))};
  }
  // q(t), Horner, from the highest coefficient
  template <std::size_t kTerms>
  HWY_INLINE V<D> Poly(const float (&q)[kTerms][32]) const {
    V<D> p = Lookup(q[0]);
    for (std::size_t i = 1; i < kTerms; ++i) p = hn::MulAdd(p, t, Lookup(q[i]));
    return p;
  }
};
#endif

// e^x for x <= 0, with arguments below -800 clamped (the result is 0 there),
// so Highway's Exp is only ever called inside its valid range.
template <class D>
HWY_INLINE V<D> ExpNonPositive(D d, V<D> x) {
  return hn::Exp(d, hn::Max(x, Num(d, -800.0)));
}

// e^(hi + lo) on float lanes, for hi <= 0 and |lo| <= ulp(hi) (an argument carried in
// two parts, as 2Sum or an FMA leaves it): the softmax kernels' exp. kNormalOnly also
// takes hi up to 88 (2^n stays a normal float; mish uses hi <= 12, where the accuracy
// sweep measured its forward at 0.80 ulp).
//   n = round(hi/ln2);  r = hi − n·ln2 + lo  (ln2 in two parts, FMA);
//   e^r = 1 + r + r²·q(r), q from tools/coeffs/gen_coeffs.py (kExpfQ);
//   2^n from the bits of the rounding constant, in one factor (kNormalOnly: every
//   hi >= −87, so n >= −126) or two, 2^⌊n/2⌋·2^⌈n/2⌉, so results down to the smallest
//   subnormal round once.
// Accuracy: 0.77 ulp from the exact e^hi at worst in the normal range, 0.81 with
// subnormal results (every float hi in [−104, 0] against long double:
// tools/coeffs/expf_sweep.cc). Without kNormalOnly, hi < −104 (also −inf, where lo
// may be NaN) gives +0, the correctly rounded value; NaN in hi also gives +0, so
// callers screen NaN first. Built from the two pieces below (ExpFloatLanesParts, ScaleByPow2),
// which callers that want e unrounded, as hi + lo, use directly.

// The parts of ExpFloatLanes: e^(hi + lo) = (head + tail)·2^n before scaling, head the
// rounded e^r, tail its rounding error (the polynomial's own error aside), and the scale.
template <class D>
struct ExpParts {
  V<D> head;
  V<D> tail;
  V<D> n;  // n as a float
  V<D> k;  // the rounding constant plus n: n + 127 in the low bits
};

// The argument reduction of the float-lane exps: hi + lo = n·ln2 + r1 + c, r1 exact.
template <class D>
struct ExpReduced {
  V<D> r1;  // hi − n·ln2_hi, exact (ln2_hi has 16 bits, |r1| < 1/2)
  V<D> c;   // lo − n·ln2_lo: the rest of the argument
  V<D> n;   // n as a float
  V<D> k;   // the rounding constant plus n: n + 127 in the low bits
};

// The rounding constant: 1.5·2^23 + 127.
inline constexpr float kExpMagic = 12583039.0f;

// ExpReduce with the rounding constant magic = kExpMagic − b for a whole b: n as before,
// and n − b + 127 in k's low bits, so 2^n scales by 2^(n − b) (k is n + magic, exact while
// |n − b| < 2^22). r1 is exact for |hi| < 350 (Cody and Waite: |n| < 2^9 and ln2_hi has 16
// bits, and hi and n·ln2_hi are within a factor of two of each other or n = 0).
template <class D>
HWY_INLINE ExpReduced<D> ExpReduceBiased(D d, V<D> hi, V<D> lo, V<D> magic) {
  const V<D> k = hn::MulAdd(hi, Num(d, 1.44269504088896340736), magic);
  const V<D> n = hn::Sub(k, magic);
  return {hn::NegMulAdd(n, Num(d, 0x1.62e4p-1), hi), hn::NegMulAdd(n, Num(d, 0x1.7f7d1cf79abcap-20), lo), n, k};
}

template <bool kNormalOnly, class D>
HWY_INLINE ExpReduced<D> ExpReduce(D d, V<D> hi, V<D> lo) {
  V<D> h = hi;
  V<D> l = lo;
  if constexpr (!kNormalOnly) {
    const auto in_range = hn::Ge(hi, Num(d, -104.0));
    h = hn::IfThenElse(in_range, hi, Num(d, -104.0));
    l = hn::IfThenElseZero(in_range, lo);
  }
  // Adding 1.5·2^23 + 127 rounds to an integer n and leaves n + 127 in the low bits.
  return ExpReduceBiased(d, h, l, Num(d, kExpMagic));
}

// q(r) of e^r = 1 + r + r²·q(r) (kExpfQ, Horner).
template <class D>
HWY_INLINE V<D> ExpPolyQ(D d, V<D> r) {
  V<D> q = Num(d, kExpfQ[0]);
  for (std::size_t i = 1; i < std::size(kExpfQ); ++i) q = hn::MulAdd(q, r, Num(d, kExpfQ[i]));
  return q;
}

template <bool kNormalOnly, class D>
HWY_INLINE ExpParts<D> ExpFloatLanesParts(D d, V<D> hi, V<D> lo) {
  const ExpReduced<D> a = ExpReduce<kNormalOnly>(d, hi, lo);
  const V<D> r = hn::Add(a.r1, a.c);
  const V<D> q = ExpPolyQ(d, r);
  // e^r = (1 + r1) + (c + r²·q), with 1 + r1 kept exactly as s + err (Fast2Sum): one
  // rounding of size 1/2 ulp at the end instead of two (0.81 ulp worst, was 1.08).
  const V<D> one = Num(d, 1.0);
  const V<D> s = hn::Add(one, a.r1);
  const V<D> rest = hn::Add(hn::Add(hn::Sub(one, s), a.r1), hn::MulAdd(hn::Mul(r, r), q, a.c));
  const V<D> head = hn::Add(s, rest);
  return {head, hn::Add(hn::Sub(s, head), rest), a.n, a.k};  // the tail by Fast2Sum (|s| > |rest|)
}

// 2^n for an exp's k (n + 127 in its low bits), n >= −126.
template <class D>
HWY_INLINE V<D> Pow2Normal(D d, V<D> k) {
  const hn::RebindToSigned<D> di;
  return hn::BitCast(d, hn::ShiftLeft<23>(hn::BitCast(di, k)));
}

// v·2^n for an exp's n (as a float) and k (n + 127 in its low bits; ExpReduce): one factor
// (kNormalOnly) or two, 2^⌊n/2⌋·2^⌈n/2⌉, so results down to the smallest subnormal round once.
// On AVX-512 the two-factor case is one scalef. The one-factor case is a shift and a
// multiply there too: on AMD Zen 4 a 512-bit scalef holds the adders' pipes for two cycles
// (and an addition beside it waits), where the shift and the multiply go to two different
// pipes; one thread, 4 Ki floats, both builds alternated: silu forward 0.642 -> 0.620
// ns/elem, mish 0.83 -> 0.81, log_softmax 64 x 1000 0.458 -> 0.438. Same bits either way.
template <bool kNormalOnly, class D>
HWY_INLINE V<D> ScaleByPow2(D d, V<D> v, V<D> n, V<D> k) {
#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
  if constexpr (!kNormalOnly && std::is_same_v<V<D>, hn::Vec512<float>>) return V<D>{_mm512_scalef_ps(v.raw, n.raw)};
#endif
  (void)n;  // the one-factor case and the other targets rebuild 2^n from k's bits
  if constexpr (kNormalOnly) {
    return hn::Mul(v, Pow2Normal(d, k));
  } else {
    const hn::RebindToSigned<D> di;
    const auto ni = hn::Sub(hn::BitCast(di, k), hn::BitCast(di, Num(d, 12583039.0)));  // n
    const auto half = hn::ShiftRight<1>(ni);                                           // ⌊n/2⌋
    const auto bias = hn::Set(di, 127);
    const V<D> s1 = hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(half, bias)));
    const V<D> s2 = hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(hn::Sub(ni, half), bias)));
    return hn::Mul(hn::Mul(v, s1), s2);
  }
}

template <bool kNormalOnly, class D>
HWY_INLINE V<D> ScaleByPow2(D d, V<D> v, const ExpParts<D>& e) {
  return ScaleByPow2<kNormalOnly>(d, v, e.n, e.k);
}

// n as an integer from an exp's k (n + 127 in its low bits), and 2^e for a normal exponent e.
template <class D>
HWY_INLINE auto ExpN(D d, V<D> k) {
  const hn::RebindToSigned<D> di;
  return hn::Sub(hn::BitCast(di, k), hn::BitCast(di, Num(d, 12583039.0)));
}
template <class D, class VI>
HWY_INLINE V<D> Pow2Of(D d, VI e) {
  const hn::RebindToSigned<D> di;
  return hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(e, hn::Set(di, 127))));
}

// h·2^n for an exp's head h in [1/2, 2) and its k, results down to the smallest subnormal
// rounded once, like ScaleByPow2<false>, but with no subnormal arithmetic: on Intel each
// operation with a subnormal result is a microcode assist (a 4096 × 1000 softmax with half
// of each row masked by −1e4 or −inf, whose e^−104 was formed by two factors and rounded to
// 0, ran at 2.97 ns/elem against 0.39 unmasked, AVX2). n >= −125 scales by one normal
// factor; n in [−151, −126] rounds h·2^(n + 149) to an integer (to nearest even), which is
// the result's bit pattern (a subnormal, or 2^-126 itself); clamped arguments (n = −150)
// give +0. The same bits as the two factors for every float argument in [−110, 0].
template <class D>
HWY_INLINE V<D> ScaleExpHead(D d, V<D> h, V<D> k) {
  const hn::RebindToSigned<D> di;
  const auto ni = ExpN(d, k);
  const V<D> normal = hn::Mul(h, Pow2Of(d, hn::Max(ni, hn::Set(di, -125))));
  const auto shift = hn::Min(hn::Max(hn::Add(ni, hn::Set(di, 149)), hn::Set(di, -2)), hn::Set(di, 23));
  const V<D> sub = hn::BitCast(d, hn::NearestInt(hn::Mul(h, Pow2Of(d, shift))));
  return hn::IfThenElse(hn::RebindMask(d, hn::Gt(ni, hn::Set(di, -126))), normal, sub);
}

// The exp's head times its 2^n: one normal factor (kNormalOnly), else ScaleExpHead.
template <bool kNormalOnly, class D>
HWY_INLINE V<D> ScaledHead(D d, const ExpParts<D>& e) {
  if constexpr (kNormalOnly) return ScaleByPow2<true>(d, e.head, e);
  return ScaleExpHead(d, e.head, e.k);
}

template <bool kNormalOnly, class D>
HWY_INLINE V<D> ExpFloatLanes(D d, V<D> hi, V<D> lo) {
  return ScaledHead<kNormalOnly>(d, ExpFloatLanesParts<kNormalOnly>(d, hi, lo));
}

// e^r − 1 from the reduced argument, the shared part of the lean exps below.
template <class D>
HWY_INLINE V<D> ExpLeanMinus1(D d, const ExpReduced<D>& a) {
  const V<D> r = hn::Add(a.r1, a.c);
  return hn::Add(a.r1, hn::MulAdd(hn::Mul(r, r), ExpPolyQ(d, r), a.c));
}

// ExpFloatLanesLean as head + tail: head its bits (0.954 ulp), tail the error of its last
// rounding, exactly, so head + tail is within 2^-25.5 (x's own rounding) plus the
// polynomial's 1.06e-8, relative: the softmax rows' sum. kNormalOnly: head − 2^n is exact
// (1 + x is within [0.7, 1.42]), and 2^n·x minus it is a rounding error, representable.
// Otherwise 1 + x = h + t exactly (Fast2Sum, |x| < 1), both scaled (a subnormal head's
// tail is below any normal sum's ulp).
template <bool kNormalOnly, class D>
HWY_INLINE void ExpLeanParts(D d, const ExpReduced<D>& a, V<D>* head, V<D>* tail) {
  const V<D> x = ExpLeanMinus1(d, a);
  if constexpr (kNormalOnly) {
    const V<D> two_n = Pow2Normal(d, a.k);
    *head = hn::MulAdd(x, two_n, two_n);
    *tail = hn::MulSub(x, two_n, hn::Sub(*head, two_n));
  } else {
    // The tail (only the softmax sums take it) is 0 where n < −60: below 2^-84 there, and
    // scaled further it would be subnormal (ScaleExpHead).
    const hn::RebindToSigned<D> di;
    const V<D> one = Num(d, 1.0);
    const V<D> h = hn::Add(one, x);
    *head = ScaleExpHead(d, h, a.k);
    const auto ni = ExpN(d, a.k);
    const V<D> t = hn::Mul(hn::Sub(x, hn::Sub(h, one)), Pow2Of(d, hn::Max(ni, hn::Set(di, -60))));
    *tail = hn::IfThenElseZero(hn::RebindMask(d, hn::Gt(ni, hn::Set(di, -61))), t);
  }
}

// ExpFloatLanes without the exact 1 + r1: e^r = 1 + (r1 + (c + r²·q)), three roundings
// near the end, three operations fewer. Within 0.954 ulp of the exact e^hi for every float
// hi in [−104, 0] (tools/coeffs/expf_sweep.cc lean), against 0.805: for the softmax rows,
// whose 2-ulp bound it keeps (their comment).
// kNormalOnly: 2^n·(1 + x) as one FMA, x·2^n + 2^n: a power of 2 scales the rounding of
// 1 + x exactly while the result is normal, so the bits are those of the add and the
// multiply, with one operation and three cycles fewer on the exp's dependency chain (the
// softmax row's exp pass is bound by that chain on AMD Zen 4: 14.3 -> 13.3 cycles a
// vector; one thread, 64 x 1000 softmax 0.363 -> 0.344 ns/elem).
template <bool kNormalOnly, class D>
HWY_INLINE V<D> ExpFloatLanesLean(D d, V<D> hi, V<D> lo) {
  V<D> head;
  V<D> tail;  // unused here: the compiler drops its operations
  ExpLeanParts<kNormalOnly>(d, ExpReduce<kNormalOnly>(d, hi, lo), &head, &tail);
  return head;
}

// e^z·2^−b = head + tail (ExpLeanParts), every result a normal float, for |z| < 350 and a
// whole b given as magic = kExpMagic − b (ExpReduceBiased): the softmax rows' e^(z − m)
// without the subtraction z − m, which needs an exact split (three operations) to keep
// its digits. With b = round(m/ln2) the row's largest e is within [1/√2, √2].
template <class D>
HWY_INLINE void ExpFloatLanesLeanBiased(D d, V<D> z, V<D> magic, V<D>* head, V<D>* tail) {
  ExpLeanParts<true>(d, ExpReduceBiased(d, z, hn::Zero(d), magic), head, tail);
}

// The table exp's number of entries: one register of the target's float lanes, so that a
// lookup is one permute (vpermps): 16 on AVX-512, 8 on AVX2. (AVX2 first took the 16-entry
// table with two permutes and a blend per lookup; with 8 entries and one more polynomial
// term, one thread, pinned, 4 Ki floats, --simd AVX2, best of 5–8 alternated processes,
// ns/elem: sigmoid forward 0.593 -> 0.510, backward 0.617 -> 0.597, softplus backward 0.719
// -> 0.668, tanh backward 0.748 -> 0.709; softplus forward 1.137 -> 1.177, silu backward
// 1.045 -> 1.069 (one FMA more where the multiply pipes are the limit); and now the softmax
// rows take it there too, ExpTable's comment.)
template <class D>
inline constexpr std::size_t kExpTableSize = hn::MaxLanes(D());

// The rounding constant of ExpTable for a whole b: 1.5·2^23 + S·(127 − b), S entries.
template <class D>
inline float ExpTableMagic(float b) {
  return 12582912.0f + static_cast<float>(kExpTableSize<D>) * (127.0f - b);
}

#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86

// e^z·2^−b, as ExpFloatLanesLeanBiased, from a table of S = 16 (AVX-512) or 8 (AVX2)
// entries, one register each, one permute per lookup:
// N = round(S·z/ln2) = S·n + j, r = z − N·ln2/S with |r| <= ln2/(2S) (two FMAs, ln2/S in
// two floats; each rounds by 2^-30 absolute at most), and
//   e^z·2^−b = t·(1 + x),  t = 2^(n − b)·hi_j,  x = (r + lo_j) + r²·q(r),
// hi_j·(1 + lo_j) = 2^(j/S) (kExpTab16Hi/Lo, kExpTab8Hi/Lo), q of degree 1 (kExpTab16Q:
// 4.7e-9 relative) or 2 (kExpTab8Q: 3.3e-10).
// t is the table's bits plus k's bits shifted into the exponent (the entries have 127 and
// j's own shifted bits taken out beforehand): exact while t is normal, i.e. for |z| < 256
// and n − b >= −126, which e^z·2^−b >= 2^-125.9 ensures (the softmax rows' condition).
// Returns head = t + t·x rounded once (one FMA) and gives t and x: head's rounding error
// is t·x − (head − t), exactly (head − t is exact: t and head are within 3 % (AVX2: 5 %) of
// each other). tools/coeffs/expf_sweep.cc table, every float |z| < 256 with b =
// round(z/ln2): head within 0.604 ulp of e^z·2^−b (the lean exp: 0.959), head + its error
// within 0.134·2^-24 relative (0.741); every float hi in [−87, 0] with lo = 0, ±ulp(hi)/2:
// head within 0.607 ulp (16 entries). 8 multiply-class operations against 11: the
// polynomial spans |r| <= ln2/32, not ln2/2. One thread, 64 × 1000 softmax rows: 0.345 ->
// 0.313 ns/elem (with the row's fused error sum, softmax-inl.h). On AVX2 the softmax rows
// took it with the 8-entry table (--simd AVX2, 64 × 1000 / 4 × 32000: softmax 0.479 / 0.486
// -> 0.442 / 0.455, log_softmax 0.554 / 0.582 -> 0.556 / 0.558; expf_sweep table8: head
// within 0.580 ulp, head + error within 0.121·2^-24); with the 16-entry one they had been
// slower than the lean exp.
template <std::size_t S>
struct ExpTableData {
  alignas(64) std::int32_t hi_bits[S];  // hi's bits − (127 << 23) − (j << (23 − log2 S))
  alignas(64) float lo[S];
  alignas(64) float hi[S];  // hi itself (kScaled = false: t without its 2^n)
};
template <std::size_t S>
constexpr ExpTableData<S> MakeExpTable(const float (&hi)[S], const float (&lo)[S]) {
  constexpr int kShift = S == 16 ? 19 : 20;
  ExpTableData<S> tab{};
  for (std::size_t j = 0; j < S; ++j) {
    tab.hi_bits[j] = std::bit_cast<std::int32_t>(hi[j]) - (127 << 23) - (static_cast<std::int32_t>(j) << kShift);
    tab.lo[j] = lo[j];
    tab.hi[j] = hi[j];
  }
  return tab;
}
inline constexpr ExpTableData<16> kExpTable16 = MakeExpTable(kExpTab16Hi, kExpTab16Lo);
inline constexpr ExpTableData<8> kExpTable8 = MakeExpTable(kExpTab8Hi, kExpTab8Lo);
template <std::size_t S>
constexpr const ExpTableData<S>& ExpTableFor() {
  if constexpr (S == 16) {
    return kExpTable16;
  } else {
    return kExpTable8;
  }
}

// table[idx & (S − 1)] in every lane for a table of S = 16 (AVX-512) or 8 (AVX2) floats,
// one register: one permute, which reads only the low bits of idx (the table exp, TanhTable8).
template <class D, class VI>
HWY_INLINE V<D> RegisterLookup(VI idx, const void* table) {
  const auto* f = static_cast<const float*>(table);
#if HWY_TARGET <= HWY_AVX3
  if constexpr (std::is_same_v<V<D>, hn::Vec512<float>>) {
    return V<D>{_mm512_permutexvar_ps(idx.raw, _mm512_load_ps(f))};
  } else  // NOLINT(readability-misleading-indentation)
#endif
  {
    static_assert(std::is_same_v<V<D>, hn::Vec256<float>>, "16 or 8 float lanes");
    return V<D>{_mm256_permutevar8x32_ps(_mm256_load_ps(f), idx.raw)};
  }
}

// kWithLo: e^(hi + lo)·2^−b for an argument in two parts (|lo| <= ulp(hi)), lo added to r
// before the polynomial (after it, e missed r·lo: 1.96 ulp at hi = −77, lo = −ulp/2).
// kScaled = false: t = hi_j without 2^(n − b), which *pow2 (when given) holds in the form
// Pow2Normal reads, n − b + 127 in its low bits (ExpTableParts).
// kTableLo = false: without the entries' lo parts (hi_j's own error, below 2^-25 of it), one
// lookup and one addition fewer (log_softmax's rows). expf_sweep table8-nolo / table-nolo,
// both sweeps above: head within 0.889 / 1.019 ulp, head + its error within 0.602 / 0.902
// ·2^-24 relative.
template <bool kWithLo, bool kScaled = true, bool kTableLo = true, class D>
HWY_INLINE V<D> ExpTable(D d, V<D> z, V<D> z_lo, V<D> magic, V<D>* t, V<D>* x, V<D>* pow2 = nullptr) {
  constexpr std::size_t S = kExpTableSize<D>;
  static_assert(S == 16 || S == 8, "AVX-512 or AVX2 float lanes");
  constexpr int kBits = S == 16 ? 4 : 3;  // j's bits
  const ExpTableData<S>& tab = ExpTableFor<S>();
  const hn::RebindToSigned<D> di;
  using VI = decltype(hn::Zero(di));
  const V<D> k = hn::MulAdd(z, Num(d, static_cast<double>(S) * 1.44269504088896340736), magic);
  const V<D> n = hn::Sub(k, magic);  // N
  const float ln2_hi = S == 16 ? kLn2Over16Hi : kLn2Over8Hi;
  const float ln2_lo = S == 16 ? kLn2Over16Lo : kLn2Over8Lo;
  const V<D> r0 = hn::NegMulAdd(n, hn::Set(d, ln2_lo), hn::NegMulAdd(n, hn::Set(d, ln2_hi), z));
  const V<D> r = kWithLo ? hn::Add(r0, z_lo) : r0;
  const VI kbits = hn::BitCast(di, k);  // the lookups read its low bits: j
  if constexpr (kScaled) {
    *t = hn::BitCast(d,
                     hn::Add(hn::BitCast(di, RegisterLookup<D>(kbits, tab.hi_bits)), hn::ShiftLeft<23 - kBits>(kbits)));
  } else {
    *t = RegisterLookup<D>(kbits, tab.hi);
    if (pow2 != nullptr) *pow2 = hn::BitCast(d, hn::ShiftRight<kBits>(kbits));  // k = S(127 + n) + j
  }
  V<D> q;
  if constexpr (S == 16) {
    q = hn::MulAdd(Num(d, kExpTab16Q[0]), r, Num(d, kExpTab16Q[1]));
  } else {
    q = hn::MulAdd(hn::MulAdd(Num(d, kExpTab8Q[0]), r, Num(d, kExpTab8Q[1])), r, Num(d, kExpTab8Q[2]));
  }
  if constexpr (kTableLo) {
    *x = hn::MulAdd(hn::Mul(r, r), q, hn::Add(r, RegisterLookup<D>(kbits, tab.lo)));
  } else {
    *x = hn::MulAdd(hn::Mul(r, r), q, r);
  }
  return hn::MulAdd(*x, *t, *t);
}
template <bool kTableLo = true, class D>
HWY_INLINE V<D> ExpTableBiased(D d, V<D> z, V<D> magic, V<D>* t, V<D>* x) {
  return ExpTable<false, true, kTableLo>(d, z, z, magic, t, x);
}
// ExpFloatLanesParts<true> from the table: e^(hi + lo) = (head + tail)·2^n, head + tail =
// hi_j·(1 + x) within [0.95, 2), 2^n apart for ScaleByPow2 (the callers that scale last). For
// results that are normal floats (e^(hi + lo) >= 2^-126).
template <class D>
HWY_INLINE ExpParts<D> ExpTableParts(D d, V<D> hi, V<D> lo) {
  V<D> t, x, k;
  const V<D> head = ExpTable<true, false>(d, hi, lo, Num(d, ExpTableMagic<D>(0.0f)), &t, &x, &k);
  const hn::RebindToSigned<D> di;
  const V<D> n = hn::Sub(hn::ConvertTo(d, hn::And(hn::BitCast(di, k), hn::Set(di, 0xff))), Num(d, 127.0));
  return {head, hn::MulSub(x, t, hn::Sub(head, t)), n, k};
}
#endif

// Whether ExpNormal below takes the table exp: AVX-512's 16 float lanes and AVX2's 8. On
// AVX2 it paid against ExpFloatLanes' parts (about 20 operations) already with the 16-entry
// table (two permutes and a blend per lookup): one thread, pinned, 4 Ki floats, --simd
// AVX2, best of 4–6 alternated processes, ns/elem: sigmoid forward 0.684 -> 0.597, backward
// 0.696 -> 0.647; silu 0.914 -> 0.760 / 1.241 -> 1.160; mish 1.216 -> 1.045 / 2.008 ->
// 1.594; gelu_tanh 1.603 -> 1.423 / 2.140 -> 1.844; tanh 1.02 -> 0.86 / 0.842 -> 0.766;
// softplus backward 0.833 -> 0.780 (then the 8-entry table: kExpTableSize).
template <class D>
inline constexpr bool kExpTableLanes =
#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
    std::is_same_v<V<D>, hn::Vec512<float>>;
#elif HWY_TARGET == HWY_AVX2 && HWY_ARCH_X86
    std::is_same_v<V<D>, hn::Vec256<float>>;
#else
    false;
#endif

// v, held in a register. GCC 12 folds the load that made a vector into each instruction
// that reads it, as a memory operand, and so loads it once per use: hardswish's x·u made
// three loads of x a vector (six 256-bit loads on AVX-512).
template <class V>
HWY_INLINE V InRegister(V v) {
#if HWY_ARCH_X86 && (HWY_COMPILER_GCC || HWY_COMPILER_CLANG) && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
  asm("" : "+v"(v.raw));
#endif
  return v;
}

// −|x|: x with its sign bit set, one operation (Neg(Abs(x)) is two: an and, then an xor).
template <class V>
HWY_INLINE V NegAbs(V x) {
  return hn::Or(x, hn::Set(hn::DFromV<V>(), -0.0));
}

// e^(a + a_lo) on float lanes for a in [−87, 0] (|a_lo| <= ulp(a); kWithLo), every result a
// normal float: e rounded, and with e_lo its rounding error (e + e_lo within 2^-26.9
// relative). On AVX-512 and AVX2 the table exp (0.61 ulp; 13 operations on AVX-512, 14 on
// AVX2; ExpTable), which takes a up to 88 as well (GatedSigmoidQuotient), elsewhere
// ExpFloatLanes' parts, scaled (0.77 ulp, about 20). The x·σ and σ kernels' exp.
template <bool kWithLo, class D>
HWY_INLINE V<D> ExpNormal(D d, V<D> a, V<D> a_lo, V<D>* e_lo = nullptr) {
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
  if constexpr (kExpTableLanes<D>) {
    V<D> t;
    V<D> x;
    const V<D> e = ExpTable<kWithLo>(d, a, a_lo, Num(d, ExpTableMagic<D>(0.0f)), &t, &x);
    if (e_lo != nullptr) *e_lo = hn::MulSub(x, t, hn::Sub(e, t));
    return e;
  }
#endif
  const ExpParts<D> parts = ExpFloatLanesParts<true>(d, a, kWithLo ? a_lo : hn::Zero(d));
  if (e_lo != nullptr) *e_lo = ScaleByPow2<true>(d, parts.tail, parts);
  return ScaleByPow2<true>(d, parts.head, parts);
}

// ExpNormal's result unscaled, as ExpFloatLanesParts<true> gives it (head + tail, 2^n apart
// for ScaleByPow2): on AVX-512 and AVX2 from the table (ExpTableParts).
template <class D>
HWY_INLINE ExpParts<D> ExpNormalParts(D d, V<D> a, V<D> a_lo) {
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
  if constexpr (kExpTableLanes<D>) return ExpTableParts(d, a, a_lo);
#endif
  return ExpFloatLanesParts<true>(d, a, a_lo);
}

// expm1(x) for x <= 0 (the ELU family). Float lanes, about half of Highway's Expm1's
// operations:
//   x = n·ln2 + r1 + c (ExpReduce), e^r − 1 = p = r1 + (c + r²·q), r² rounded;
//   expm1 x = 2^n·p + (2^n − 1), one FMA (2^n − 1 is exact for n >= −24).
// Arguments below −17 are clamped there: expm1 rounds to −1 from −17.33 on, and
// 2^n·p + (2^n − 1) at −17 rounds to −1 as well. Within 1.125 ulp for every float
// x <= 0, so within one float of the correctly rounded value (tools/coeffs/expf_sweep.cc
// expm1; Highway's Expm1 measured 1.43 in elu). Putting r²'s rounding error back (r² as
// rr + rr_lo by an FMA, through q's leading 1/2) took it to 1.026 ulp for two more
// operations of 19 (2619 inputs above 1 ulp, 175 with them); without them, one thread,
// pinned, best of 8-10 alternated processes, ns/elem, AVX2: elu forward 0.347 -> 0.309 at
// 4 Ki and 0.326 -> 0.285 at 256 Ki, selu 0.480 -> 0.433; AVX-512 elu 0.249 -> 0.216. −0
// gives +0, subnormal x gives x, −inf gives −1, and NaN gives NaN on x86 (the clamp takes x
// second; elsewhere NaN lanes are the callers'). Lanes x > 0 on float lanes give garbage
// (possibly NaN) for callers that replace them. Double lanes: Highway's Expm1.
template <class D>
HWY_INLINE V<D> Expm1NonPositive(D d, V<D> x) {
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
    // Max(−17, x): x second, so a NaN passes on x86 (kMinMaxPassNaN) and comes out NaN.
    const ExpReduced<D> a = ExpReduce<true>(d, hn::Max(Num(d, -17.0), x), hn::Zero(d));
    const V<D> r = hn::Add(a.r1, a.c);
    const V<D> t = hn::MulAdd(hn::Mul(r, r), ExpPolyQ(d, r), a.c);
    const V<D> p = hn::Add(a.r1, t);
    const V<D> two_n = Pow2Normal(d, a.k);
    return hn::MulAdd(two_n, p, hn::Sub(two_n, Num(d, 1.0)));
  } else {
    return hn::Expm1(d, x);
  }
}

// True when some lane of x is NaN or ±inf: one classification and one mask test on AVX-512
// (Highway's IsFinite adds a mask inversion, and AllFalse of its Not another). Elsewhere
// x − x, which is NaN exactly there (+0 for every finite x): a subtraction, an unordered
// compare and a mask test, where IsFinite's integer shifts and compare took six
// operations per vector on AVX2.
template <class D>
HWY_INLINE bool AnyNonFinite(D d, V<D> x) {
#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
  if constexpr (std::is_same_v<V<D>, hn::Vec512<float>>) return _mm512_fpclass_ps_mask(x.raw, 0x99) != 0;
  if constexpr (std::is_same_v<V<D>, hn::Vec512<double>>) return _mm512_fpclass_pd_mask(x.raw, 0x99) != 0;
#endif
  return !hn::AllFalse(d, hn::IsNaN(hn::Sub(x, x)));
}

// hi + lo = a + b exactly (Knuth's 2Sum: no condition on the magnitudes).
template <class D>
HWY_INLINE void TwoSum(V<D> a, V<D> b, V<D>* hi, V<D>* lo) {
  const V<D> s = hn::Add(a, b);
  const V<D> a1 = hn::Sub(s, b);
  const V<D> b1 = hn::Sub(s, a1);
  *hi = s;
  *lo = hn::Add(hn::Sub(a, a1), hn::Sub(b, b1));
}

// 1/(1 + e) for e in [0, 1] without the rounding of 1 + e: that rounding alone costs up to
// one ulp of a result just below 1 (the accuracy sweep's worst sigmoid error). With
// 1 + e = h + l exactly (Fast2Sum), 1/(h + l) = q − q²·l to far below an ulp.
// On AVX-512 float lanes: r = rcp14(h) (2^-14), t = 1 − (h + l)·r, 1/(h + l) = r·(1 + t)
// to 2^-28 before the final rounding (0.56 ulp), with no division and no second rounding.
// Other float lanes with an FMA take the same step from r = 1/h rounded: q − q²·l left
// that rounding in (1 ulp; silu forward measured 2.74 ulp on AVX2, sigmoid's stays 1.96).
// With e_lo, the inverse of 1 + (e + e_lo) for an e carried in two parts (|e_lo| < ulp(e)).
template <bool kHasLo = false, class D>
HWY_INLINE V<D> OnePlusInverse(D d, V<D> e, V<D> e_lo = V<D>()) {
  const V<D> one = Num(d, 1.0);
  const V<D> h = hn::Add(one, e);
  V<D> l = hn::Add(hn::Sub(one, h), e);
  if constexpr (kHasLo) l = hn::Add(l, e_lo);
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float) && HWY_NATIVE_FMA) {
    const V<D> r = ReciprocalEstimate(d, h);
    const V<D> t = hn::NegMulAdd(l, r, hn::NegMulAdd(h, r, one));
    return hn::MulAdd(r, t, r);
  }
  const V<D> q = Quotient(d, one, h);
  return hn::NegMulAdd(hn::Mul(q, q), l, q);
}

// e^−|x| on float lanes for |x| <= 87 (a normal float): the σ family's exp (ExpNormal).
template <class D>
HWY_INLINE V<D> ExpNegAbsNormal(D d, V<D> x) {
  return ExpNormal<false>(d, NegAbs(x), hn::Zero(d));
}

// The logistic pair on z = −|x| (XNNPACK's shape, no cancellation in either tail):
//   e = exp(−|x|), s = 1/(1 + e)
//   σ(x) = s for x >= 0, e·s for x < 0;   σ(x)·σ(−x) = e·s²  (symmetric).
template <class D>
struct Logistic {
  V<D> sigma;      // σ(x)
  V<D> sigma_neg;  // σ(−x) = 1 − σ(x), without cancellation
  V<D> product;    // σ(x)·σ(−x)
};

// On float lanes e is the rounded exp (0.81 ulp): sigmoid 1.82 ulp forward. Carrying it
// unrounded as the exp's head + tail (as GatedSigmoid does) measured 1.25 ulp for 15 % of
// sigmoid's speed, so it is kept for the rows that need it to stay within 2 ulp.
// kNormalOnly: the caller knows |x| <= 87, so e is a normal float (the same bits, fewer
// operations: no clamp, a one-factor scaling).
template <bool kNormalOnly = false, class D>
HWY_INLINE Logistic<D> LogisticOf(D d, V<D> x) {
  V<D> e;
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
    if constexpr (kNormalOnly && kExpTableLanes<D>) {
      e = ExpNegAbsNormal(d, x);
    } else {
      e = ExpFloatLanes<kNormalOnly>(d, NegAbs(x), hn::Zero(d));
    }
  } else {
    e = ExpNonPositive(d, NegAbs(x));
  }
  const V<D> s = OnePlusInverse(d, e);
  const V<D> es = hn::Mul(e, s);
  const auto neg = hn::Lt(x, hn::Zero(d));
  return {hn::IfThenElse(neg, es, s), hn::IfThenElse(neg, s, es), hn::Mul(es, s)};
}

// num/den rounded about once on float lanes: on AVX-512 the rcp14 estimate and one
// residual step (2^-28 before the rounding, no division; ±0 keep their sign), elsewhere a
// division.
template <class D>
HWY_INLINE V<D> QuotientOnce(D d, V<D> num, V<D> den) {
#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
    const V<D> inv = hn::ApproximateReciprocal(den);
    const V<D> q = hn::Mul(num, inv);
    return hn::NegMulAdd(hn::MulSub(q, den, num), inv, q);
  }
#endif
  (void)d;
  return hn::Div(num, den);
}

// σ′(x) = σ(x)·σ(−x) = e/(1 + e)², e = e^−|x|, for every |x| <= 87 (e a normal float):
// (1 + e)² = 1 + e·(e + 2), whose only roundings are e + 2's (its effect on the square is
// 3/4·2^-24 relative at most) and the FMA's, then one quotient. Three operations after
// the exp where LogisticOf's e·s² took nine (s = 1/(1 + e) with its residual step), and
// more accurate: sigmoid′ 3.34 -> 2.44 ulp over every float (AVX2 2.38), tanh′ = 4σ′(2x)
// the same. One thread, 4 Ki floats, pinned, best of 6–10 alternated processes, ns/elem:
// sigmoid′ 0.757 -> 0.593 on AVX2 and 0.331 -> 0.293 on AVX-512, tanh′ 0.697 -> 0.533 and
// 0.378 -> 0.342.
template <class D>
HWY_INLINE V<D> LogisticDerivativeNormal(D d, V<D> x) {
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float) && kExpTableLanes<D>) {
    const V<D> e = ExpNegAbsNormal(d, x);
    return QuotientOnce(d, e, hn::MulAdd(e, hn::Add(e, Num(d, 2.0)), Num(d, 1.0)));
  } else {
    return LogisticOf<true>(d, x).product;
  }
}

// σ(x) for every |x| <= 87 (e = e^−|x| a normal float): (x < 0 ? e : 1)/(1 + e), with
// 1 + e rounded (2^-24 relative) and one quotient: three operations after the exp where
// LogisticOf's s = 1/(1 + e) with its residual step, e·s and the select took nine.
// 2.41 ulp at worst over every float (AVX2 2.40), 2 floats from the correctly rounded value
// as LogisticOf's 1.96 was; one thread, 4 Ki floats, pinned, best of 6 alternated
// processes: 0.504 -> 0.371 ns/elem on AVX2, 0.304 -> 0.273 on AVX-512.
template <class D>
HWY_INLINE V<D> LogisticNormal(D d, V<D> x) {
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float) && kExpTableLanes<D>) {
    const V<D> e = ExpNegAbsNormal(d, x);
    const V<D> one = Num(d, 1.0);
    return QuotientOnce(d, hn::IfThenElse(hn::Lt(x, hn::Zero(d)), e, one), hn::Add(one, e));
  } else {
    return LogisticOf<true>(d, x).sigma;
  }
}

// The same for t = hi + lo (|lo| <= ulp(hi)): exp(−|t|) = exp(−|hi|)·(1 ∓ lo) to
// first order, so an exp argument carried in two parts keeps its low bits. A
// rounded argument t would otherwise cost up to |t| ulp (≈ 700 in the tails).
template <class D>
HWY_INLINE Logistic<D> LogisticOf(D d, V<D> hi, V<D> lo) {
  const auto neg = hn::Lt(hi, hn::Zero(d));
  V<D> e;
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
    e = ExpFloatLanes<false>(d, NegAbs(hi), hn::IfThenElse(neg, lo, hn::Neg(lo)));  // two-part argument
  } else {
    const V<D> correction = hn::IfThenElse(neg, hn::Add(Num(d, 1.0), lo), hn::Sub(Num(d, 1.0), lo));
    const V<D> e0 = hn::Mul(ExpNonPositive(d, NegAbs(hi)), correction);
    // Where exp(−|hi|) is 0, |lo| may exceed 1 and flip the product's sign: keep +0.
    e = hn::IfThenZeroElse(hn::Le(e0, hn::Zero(d)), e0);
  }
  const V<D> s = OnePlusInverse(d, e);
  const V<D> es = hn::Mul(e, s);
  return {hn::IfThenElse(neg, es, s), hn::IfThenElse(neg, s, es), hn::Mul(es, s)};
}

// hi + lo = k·x to twice the lane precision, for k given as khi + klo (double
// pair). The pair is re-split for the lane type, so float lanes keep k's bits too.
template <class D>
HWY_INLINE void MulSplit(D d, V<D> x, double khi, double klo, V<D>* hi, V<D>* lo) {
  using T = hn::TFromD<D>;
  const double kh = static_cast<double>(static_cast<T>(khi));
  const double kl = (khi - kh) + klo;
  *hi = hn::Mul(x, Num(d, kh));
  if (kl == 0.0 && (kh == 1.0 || kh == -1.0)) {  // k·x is exact (silu)
    *lo = hn::Zero(d);
    return;
  }
  *lo = hn::MulAdd(x, Num(d, kl), ProductError(d, x, Num(d, kh), *hi));
}

// log(h + l) for h in [1, 2] and |l| <= ulp(h) (1 + e as Fast2Sum leaves it): the second
// half of Log1pExpNegFloat (below).
template <class D>
HWY_INLINE V<D> Log1pFromParts(D d, V<D> h, V<D> l) {
  const V<D> one = Num(d, 1.0);
  const auto upper = hn::Gt(h, Num(d, 1.41421353816986083984375));  // float(√2), below √2
  const V<D> f = hn::Sub(hn::IfThenElse(upper, hn::Mul(h, Num(d, 0.5)), h), one);
  V<D> p = Num(d, kLog1pfP[0]);
  for (std::size_t i = 1; i < std::size(kLog1pfP); ++i) p = hn::MulAdd(p, f, Num(d, kLog1pfP[i]));
  const V<D> r = hn::MulAdd(f, p, Num(d, -0.5));
#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
  V<D> inv = hn::ApproximateReciprocal(h);                 // 2^-14
  inv = hn::MulAdd(inv, hn::NegMulAdd(h, inv, one), inv);  // 2^-28: l/h is below 2^-24 of the result
  const V<D> l_over_h = hn::Mul(l, inv);
#else
  const V<D> l_over_h = hn::Div(l, h);
#endif
  const V<D> small =
      hn::MulAdd(hn::Mul(f, f), r, hn::Add(l_over_h, hn::IfThenElseZero(upper, Num(d, -0x1.05c610ca86c39p-29))));
  return hn::Add(hn::Add(f, hn::IfThenElseZero(upper, Num(d, 0x1.62e43p-1))), small);
}

// log1p(e^−|t|), the shared part of softplus and log_sigmoid. Double lanes: Highway's
// Exp and Log1p. Float lanes (Highway's pair measured 2.7 ulp in softplus), about an ulp:
//   e = e^−|t| in two parts (ExpFloatLanesParts, subnormal results included); 1 + e = h + l;
//   h in [1, 2]: m = h, or h/2 above √2 (k = 1); f = m − 1 exact (Sterbenz);
//   log1p f = f + f²·(−1/2 + f·p(f)), p from tools/coeffs/gen_coeffs.py (kLog1pfP);
//   log(h + l) = (f + k·ln2_hi) + (f²·(…) + l/h + k·ln2_lo), where f + k·ln2_hi is exact
//   (both multiples of 2^−24 below 1). For e < 2^−24, h = 1 and the result is l = e.
// kNormalOnly: every |t| <= 87, so e's head is a normal float (no clamp, one-factor
// scaling), and the tail enters l by one FMA. The general path rounds tail·2^n first, which
// near |t| = 87 is subnormal: 680 of 70 million sampled inputs in [−87, −82] differ by an
// ulp between the two, the FMA's being the correctly rounded ones in the two checked.
template <bool kNormalOnly, class D>
HWY_INLINE V<D> Log1pExpNegFloat(D d, V<D> t) {
  const V<D> one = Num(d, 1.0);
  // e = e_hi + e_lo unrounded: a rounded e would cost up to 1.2 ulp of a result one
  // binade below it (0.25 < e < 0.5 gives log1p e < 0.25).
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
  if constexpr (kNormalOnly && kExpTableLanes<D>) {
    // The table exp: e_hi = fl(et + et·ex); its error et·ex − (e_hi − et) joins l in one
    // FMA, as the tail below does (et − e_hi is exact, and l + (et − e_hi) is et itself
    // where e_hi is below 2^-24 and l = e_hi).
    V<D> et;
    V<D> ex;
    const V<D> e_hi = ExpTable<false>(d, NegAbs(t), t, Num(d, ExpTableMagic<D>(0.0f)), &et, &ex);
    const V<D> h = hn::Add(one, e_hi);
    const V<D> l = hn::MulAdd(ex, et, hn::Add(hn::Add(hn::Sub(one, h), e_hi), hn::Sub(et, e_hi)));
    return Log1pFromParts(d, h, l);
  }
#endif
  const ExpParts<D> parts = ExpFloatLanesParts<kNormalOnly>(d, NegAbs(t), hn::Zero(d));
  const V<D> e_hi = ScaledHead<kNormalOnly>(d, parts);
  const V<D> h = hn::Add(one, e_hi);
  V<D> l = hn::Add(hn::Sub(one, h), e_hi);
  if constexpr (kNormalOnly) {  // + tail·2^n unrounded: near |t| = 87 that product is subnormal
    l = hn::MulAdd(parts.tail, Pow2Normal(d, parts.k), l);
  } else {
    l = hn::Add(l, ScaleByPow2<false>(d, parts.tail, parts));
  }
  return Log1pFromParts(d, h, l);
}
// Vectors with every |t| <= 87 take the normal-only variant on float lanes (one thread,
// 4 Ki floats on Zen 4: softplus forward 0.885 -> 0.815 ns/elem, log_sigmoid 0.85 -> 0.785).
// The other paths return a NaN t as it is (the exp's clamp would make it a number) and
// give 0 at ±inf, so softplus needs no special-value test (log_sigmoid keeps it for its
// underflow-to-−0 rule, which +inf must not follow).
template <class D>
HWY_INLINE V<D> Log1pExpNeg(D d, V<D> t) {
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
    const auto normal = hn::Le(hn::Abs(t), Num(d, 87.0));
    if (HWY_LIKELY(hn::AllTrue(d, normal))) return Log1pExpNegFloat<true>(d, t);
    // The other vectors: their lanes within 87 keep the bits above (a lane's value never
    // depends on its neighbours).
    return hn::IfThenElse(normal, Log1pExpNegFloat<true>(d, t),
                          hn::IfThenElse(hn::IsNaN(t), t, Log1pExpNegFloat<false>(d, t)));
  } else {
    return hn::IfThenElse(hn::IsNaN(t), t, hn::Log1p(d, ExpNonPositive(d, NegAbs(t))));
  }
}

// log(1 + e^t) = max(t, 0) + log1p(e^−|t|): no overflow, no cancellation.
template <class D>
HWY_INLINE V<D> Softplus(D d, V<D> t) {
  return hn::Add(hn::Max(t, hn::Zero(d)), Log1pExpNeg(d, t));
}

// exp(−x²/2) with x² split into hi + lo by an FMA, so the rounding of x²
// (amplified by x²/2 up to ~700 in the tail) does not reach the result:
//   exp(−(hi + lo)/2) = exp(−hi/2)·(1 − lo/2) to first order (|lo| <= ulp(hi)/2).
template <class D>
HWY_INLINE V<D> ExpHalfSquareNeg(D d, V<D> x) {
  const V<D> hi = hn::Min(hn::Mul(x, x), Num(d, 1600.0));
  const V<D> lo = hn::IfThenZeroElse(hn::Ge(hi, Num(d, 1600.0)), ProductError(d, x, x, hi));
  const V<D> e = ExpNonPositive(d, hn::Mul(hi, Num(d, -0.5)));
  return hn::Mul(e, hn::NegMulAdd(lo, Num(d, 0.5), Num(d, 1.0)));
}

// erfc(|x|/√2) = Q for the normal tail: exp(−x²/2)·g(u)/(1 + 2a), a = |x|/√2,
// u = (a − K)/(a + K); g from tools/coeffs/gen_coeffs.py (relative error
// 7.4e-17 on a in [0, 27]; beyond, the result is below 1e-316 and a is clamped).
template <class D>
HWY_INLINE V<D> NormalTailTimes2(D d, V<D> x, V<D> e_half_sq) {
  const V<D> a = hn::Min(hn::Mul(hn::Abs(x), Num(d, 0.70710678118654752440)), Num(d, 27.0));
  const V<D> u = Quotient(d, hn::Sub(a, Num(d, kErfcK)), hn::Add(a, Num(d, kErfcK)));
  const V<D> g = Estrin(d, u, kErfcG);
  return Quotient(d, hn::Mul(e_half_sq, g), hn::MulAdd(a, Num(d, 2.0), Num(d, 1.0)));
}

// Φ(x), the standard normal CDF, from the tail on the far side of 0:
// Φ(x) = Q/2 for x < 0, 1 − Q/2 for x >= 0, Q = erfc(|x|/√2).
template <class D>
HWY_INLINE V<D> NormalCdf(D d, V<D> x, V<D> e_half_sq) {
  const V<D> half_q = hn::Mul(NormalTailTimes2(d, x, e_half_sq), Num(d, 0.5));
  return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), half_q, hn::Sub(Num(d, 1.0), half_q));
}

// Near a derivative's interior zero r, where no float formula of its terms keeps its
// relative accuracy: g = δ·p(δ) for |δ| below the window, δ = z − r with z = z_hi + z_lo
// and r in two floats (z_hi − r_hi is exact there), p from tools/coeffs/gen_coeffs.py.
template <class D, std::size_t N>
HWY_INLINE V<D> NearZero(D d, V<D> g, V<D> z_hi, V<D> z_lo, float r_hi, float r_lo, float window, const float (&p)[N],
                         float p0_lo) {
  const V<D> delta = hn::Add(hn::Sub(z_hi, Num(d, r_hi)), hn::Sub(z_lo, Num(d, r_lo)));
  const auto near = hn::Lt(hn::Abs(delta), Num(d, window));
  if (hn::AllFalse(d, near)) return g;
  V<D> poly = Num(d, p[0]);
  for (std::size_t i = 1; i + 1 < N; ++i) poly = hn::MulAdd(poly, delta, Num(d, p[i]));
  // δ·(c0 + c0_lo + δ·poly) with one rounding of δ·c0 + (the small rest)
  const V<D> rest = hn::MulAdd(poly, delta, Num(d, p0_lo));
  return hn::IfThenElse(near, hn::MulAdd(delta, Num(d, p[N - 1]), hn::Mul(delta, rest)), g);
}

// gelu(x) = x·Φ(x) on float lanes, for x >= −13 (below, the result leaves the normal
// range and the row's native_ok sends the lane to double):
//   Φ(−|x|) = e^(−x²/2)·g(u)/(|x| + 2), u = (|x| − 2)/(|x| + 2), g from
//   tools/coeffs/gen_coeffs.py (kPhifG, 12 terms, 0.1 ulp with its coefficients);
//   −x²/2 is exact as hi + lo (an FMA), the exp keeps its result unrounded (head + tail),
//   and so do |x| ± 2 (2Sum), both quotients (one residual correction each) and g's last
//   Horner step, so Φ(−|x|) = P + P_lo carries only the rounding of g's higher terms
//   (AVX-512: h = g/(|x| + 2) = Φ(−|x|)·e^(x²/2) from a table instead, TableArgument and
//   kPhiTab, within 0.16 ulp, as hi + lo: no quotient, about 20 of ~45 operations left;
//   gelu forward 0.98 ulp instead of 1.12, about 1.3× faster; AVX2: a table of 8
//   intervals, kPhiTab8, one vpermps per coefficient, q of degree 8, within 0.04 ulp);
//   x < 0: x·(P + P_lo), one rounding, with the exp's 2^n applied last (near x = −13, P
//   itself is subnormal); x >= 0: x − x·P, the same product, one rounding more (x·P <=
//   x/2, so its rounding is at most half an ulp of the result; 1 − P as m + m_lo times x
//   measured the same worst error, 1.08 ulp over every 16th float on AVX2, for 2 % more
//   time there and 8 % on AVX-512), so no 1 + erf cancels in either tail. |x| stops at
//   13: beyond it Φ(−|x|) is far below an ulp of 1, and the positive side returns x.
// The parts are returned flat: with the exp's ExpParts nested inside, GCC copied the
// struct in 16-byte pieces through general registers and reloaded it whole, a failed
// store-to-load forwarding on every vector (a third of gelu's samples; AVX2, 4 Ki floats:
// forward 2.33 -> 1.70 ns/elem, backward 3.10 -> 2.24).
template <class D>
struct NormalTailParts {
  V<D> scale;    // 2^n, the exp's: every value below is to be multiplied by it
  V<D> e, e_lo;  // e^(−x²/2)
  V<D> q, q_lo;  // Φ(−|x|)
};
template <class D>
HWY_INLINE NormalTailParts<D> NormalTailFloat(D d, V<D> x) {
  const V<D> ax = hn::Min(hn::Abs(x), Num(d, 13.0));
  const V<D> sq = hn::Mul(ax, ax);
  const V<D> sq_lo = ProductError(d, ax, ax, sq);
  // e^(−x²/2) = (e + e_lo)·2^n, scaled last: near x = −13, Φ and e_lo·2^n are subnormal.
  const V<D> arg = hn::Mul(sq, Num(d, -0.5));
  const V<D> arg_lo = hn::Mul(sq_lo, Num(d, -0.5));
  const ExpParts<D> parts = ExpNormalParts(d, arg, arg_lo);
  const V<D> e = parts.head;
  const V<D> e_lo = parts.tail;
  V<D> h, h_lo;  // Φ(−|x|)·e^(x²/2), unrounded
#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
  if constexpr (std::is_same_v<V<D>, hn::Vec512<float>>) {
    // AVX-512: from the table (kPhiTab, within 0.16 ulp), h = hi + r exactly by Fast2Sum
    // (0 < h(l) − h(l + t) < h(l), so |r| < hi).
    const TableArgument<D> arg(d, ax);
    const V<D> hi = arg.Lookup(kPhiTabHi);
    const V<D> r = hn::MulAdd(arg.t, arg.Poly(kPhiTabQ), arg.Lookup(kPhiTabLo));
    h = hn::Add(hi, r);
    h_lo = hn::Add(hn::Sub(hi, h), r);
  } else
#endif
#if HWY_TARGET == HWY_AVX2 && HWY_ARCH_X86
      if constexpr (std::is_same_v<V<D>, hn::Vec256<float>>) {
    // AVX2: from the table of 8 intervals (kPhiTab8, within 0.04 ulp), one vpermps per
    // coefficient; h = hi + r exactly by Fast2Sum (|r| < hi, as on AVX-512). t = |x| − c is
    // exact from 1/4 on; below, its error t_lo enters through h′(c). q's six highest terms
    // by Estrin, the last three by Horner (their roundings, the largest, stay Horner's: all
    // nine by Estrin measured 1.57 ulp forward and 1.80 backward against 1.08 and 1.40).
    // One thread, 4 Ki floats, best of 5 alternated processes against the quotients below:
    // forward 1.70 -> 1.37 ns/elem, backward 2.24 -> 1.82.
    const hn::RebindToSigned<D> di;
    const auto k = hn::Sub(hn::ShiftRight<22>(hn::BitCast(di, ax)), hn::Set(di, 253));
    const auto idx = hn::Min(hn::Max(k, hn::Zero(di)), hn::Set(di, 7));
    const auto lookup = [idx](const float(&table)[8]) { return RegisterLookup<D>(idx, table); };
    const V<D> c = lookup(kPhiTab8C);
    const V<D> t = hn::Sub(ax, c);
    const V<D> t_lo = hn::Sub(ax, hn::Add(t, c));  // exact; not 0 only below 1/4
    constexpr std::size_t kTerms = std::size(kPhiTab8Q);
    V<D> p = EstrinBy<kTerms - 3>(d, t, [&](std::size_t i) HWY_ATTR { return lookup(kPhiTab8Q[i]); });
    for (std::size_t i = kTerms - 3; i < kTerms; ++i) p = hn::MulAdd(p, t, lookup(kPhiTab8Q[i]));
    const V<D> hi = lookup(kPhiTab8Hi);
    const V<D> q0 = lookup(kPhiTab8Q[kTerms - 1]);  // h′(c), nearly
    const V<D> r = hn::MulAdd(t, p, hn::MulAdd(t, lookup(kPhiTab8Q0Lo), hn::MulAdd(t_lo, q0, lookup(kPhiTab8Lo))));
    h = hn::Add(hi, r);
    h_lo = hn::Add(hn::Sub(hi, h), r);
  } else
#endif
  {  // g(u)/(|x| + 2)
    const V<D> two = Num(d, 2.0);
    V<D> s, s_lo;
    TwoSum<D>(ax, two, &s, &s_lo);  // |x| + 2
    V<D> a, a_lo;
    TwoSum<D>(ax, hn::Neg(two), &a, &a_lo);  // |x| − 2
    const V<D> inv = Reciprocal(d, s);
    V<D> u, u_lo;  // (a + a_lo)/(s + s_lo)
    DivideParts<D>(a, a_lo, s, s_lo, inv, &u, &u_lo);
    V<D> p = Num(d, kPhifG[0]);
    for (std::size_t i = 1; i < std::size(kPhifG); ++i) p = hn::MulAdd(p, u, Num(d, kPhifG[i]));
    // g + g_lo = c0 + (u + u_lo)·p, c0 = kPhifG0 in two floats; the last step is exact
    // (TwoProd, Fast2Sum: |u·p| < 0.4 < c0), and u_lo enters to first order (g' ≈ p).
    constexpr float kC0 = static_cast<float>(kPhifG0);
    const V<D> t = hn::Mul(u, p);
    const V<D> t_lo =
        hn::MulAdd(u_lo, p, hn::Add(ProductError(d, u, p, t), Num(d, kPhifG0 - static_cast<double>(kC0))));
    const V<D> g = hn::Add(Num(d, kC0), t);
    const V<D> g_lo = hn::Add(hn::Add(hn::Sub(Num(d, kC0), g), t), t_lo);
    DivideParts<D>(g, g_lo, s, s_lo, inv, &h, &h_lo);
  }
  // (P + P_lo)·2^−n = (e + e_lo)·(h + h_lo)
  const V<D> q = hn::Mul(e, h);
  const V<D> q_lo = hn::MulAdd(e, h_lo, hn::MulAdd(e_lo, h, ProductError(d, e, h, q)));
  return {Pow2Normal(d, parts.k), e, e_lo, q, q_lo};
}

template <class D>
HWY_INLINE V<D> GeluFloatLanes(D d, V<D> x) {
  const NormalTailParts<D> t = NormalTailFloat(d, x);
  // x < 0: x·(P + P_lo), scaled once at the end (the result is normal).
  const V<D> neg_r = hn::Mul(hn::MulAdd(x, t.q, hn::Mul(x, t.q_lo)), t.scale);
  // x >= 0: x − x·P, the same product
  const V<D> r = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg_r, hn::Sub(x, neg_r));
  return hn::IfThenElse(hn::Eq(x, hn::Zero(d)), x, r);  // ±0 keeps its sign (x − x·P is +0 at −0)
}

// gelu′(x) = Φ(x) + x·φ(x) on float lanes, x >= −13, from the same parts: φ·2^−n =
// (e + e_lo)/√(2π) and x·φ·2^−n each as hi + lo; x < 0: Φ(x) + x·φ by 2Sum, scaled and
// rounded once (the terms cancel towards the zero at x = −0.7518, where δ·p(δ) takes
// over: NearZero, kGeluDfP); x >= 0: 1 − (P − x·φ), the parts' difference scaled and
// subtracted from 1 in one FMA, no cancellation (with 1 − P as m + m_lo, plus x·φ: the
// same 1.40 ulp at worst, for 5 % more time on AVX2, 4 % on AVX-512).
template <class D>
HWY_INLINE V<D> GeluDfFloatLanes(D d, V<D> x) {
  const NormalTailParts<D> t = NormalTailFloat(d, x);
  constexpr double kInvSqrt2Pi = 0.39894228040143267794;
  constexpr float kC = static_cast<float>(kInvSqrt2Pi);
  const V<D> f = hn::Mul(t.e, Num(d, kC));
  const V<D> f_lo = hn::MulAdd(t.e, Num(d, kInvSqrt2Pi - static_cast<double>(kC)),
                               hn::MulAdd(t.e_lo, Num(d, kC), ProductError(d, t.e, Num(d, kC), f)));
  // x·φ with x held at 13, where φ is held too (the parts' clamp): 13·φ(13) < 2^-119, so
  // beyond, the positive side's 1 − (P − x·φ) still rounds to 1 (x < −13 takes double
  // lanes: native_ok). One operation where a mask on |x| <= 13 took four.
  const V<D> xc = hn::Min(x, Num(d, 13.0));
  const V<D> w = hn::Mul(xc, f);
  const V<D> w_lo = hn::MulAdd(xc, f_lo, ProductError(d, xc, f, w));
  V<D> sum, sum_lo;
  TwoSum<D>(t.q, w, &sum, &sum_lo);
  const V<D> neg_r = hn::Mul(hn::Add(sum, hn::Add(sum_lo, hn::Add(t.q_lo, w_lo))), t.scale);
  // x >= 0: 1 − (P − x·φ), rounded once
  const V<D> v = hn::Add(hn::Sub(t.q, w), hn::Sub(t.q_lo, w_lo));
  const V<D> pos_r = hn::NegMulAdd(v, t.scale, Num(d, 1.0));
  const V<D> r = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), neg_r, pos_r);
  return NearZero(d, r, x, hn::Zero(d), kGeluDfRootHi, kGeluDfRootLo, kGeluDfWindow, kGeluDfP, kGeluDfP0Lo);
}

#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
// tanh on 16 float lanes by table (kTanhTab, TableArgument); no exp and no division:
//   a = min(|x|, 9.5) (tanh rounds to 1 from 9.011 on);
//   tanh a = hi + (lo + t·q(t)), q of degree 5; interval 0: t + (0 + t·q(t)).
// The polynomials are within 0.06 ulp; the last addition rounds once more: 0.69 ulp over
// every float (docs/accuracy.md). A NaN passes the min (x86 returns the second operand)
// and makes t, so the result, NaN.
template <class D>
HWY_INLINE V<D> TanhTable16(D d, V<D> x) {
  const TableArgument<D> arg(d, hn::Min(Num(d, kTanhTabLimit), hn::Abs(x)));  // |x| second: NaN passes
  const V<D> head = hn::IfThenElse(arg.small, arg.t, arg.Lookup(kTanhTabHi));
  return hn::CopySignToAbs(hn::Add(head, hn::MulAdd(arg.t, arg.Poly(kTanhTabQ), arg.Lookup(kTanhTabLo))), x);
}
#endif

#if HWY_TARGET == HWY_AVX2 && HWY_ARCH_X86
// tanh on AVX2's 8 float lanes by a table of 8 intervals (kTanhTab8), so each coefficient
// is one vpermps; no exp and no division:
//   a = min(|x|, 9.5), k = max(0, min(7, (bits of a) >> 22 − 252)): [0, 3/4), two
//   intervals per binade up to 4, then [4, 6) and [6, 9.5];
//   t = a − c_k exactly (c_k within a factor of 2 of every a of its interval), tanh a =
//   hi_k + t·q_k(t), one FMA; in interval 0 (c_0 = hi_0 = 0) tanh a = a + a·q_0(a²), q_0(0)
//   = 0: a·q_0 is at most 15 % of a (a·q_0(a²) as one product, q_0(0) = 1, measured 1.22
//   ulp just below tanh = 1/2; a + a³·r(a²), one rounding fewer, 0.86 ulp for 5 % more time).
//   c_k is not the midpoint but a float near it whose tanh lies within 5e-5 ulp of a float,
//   hi_k (Gal's accurate tables, gen_coeffs.py): tanh c_k needs no low part, and the kernel
//   one lookup and one addition fewer (session 29: 4 Ki floats 0.462–0.473 -> 0.437–0.449
//   ns/elem, 256 Ki 0.434–0.441 -> 0.417–0.419; every float 0.91 -> 0.85 ulp, 0.0525 ->
//   0.0392 % above half an ulp, the last addition now inside the FMA).
// No other interval's results cross a power of two. 0.85 ulp over every float
// (docs/accuracy.md), where the exp form below measured 0.83; one thread, pinned, 4 Ki
// floats, --simd AVX2, best of 6 alternated processes: 0.806 -> 0.567 ns/elem (session 18).
// A NaN passes the min (x86 returns the second operand), lands in interval 7 and makes t,
// so the result, NaN; ±inf are held at 9.5 (tanh = ±1); ±0 give t = 0 and keep their sign.
template <class D>
HWY_INLINE V<D> TanhTable8(D d, V<D> x) {
  const hn::RebindToSigned<D> di;
  const V<D> a = hn::Min(Num(d, kTanhTabLimit), hn::Abs(x));  // |x| second: NaN passes
  const auto k = hn::Sub(hn::ShiftRight<22>(hn::BitCast(di, a)), hn::Set(di, 252));
  const auto idx = hn::Min(hn::Max(k, hn::Zero(di)), hn::Set(di, 7));
  const auto lookup = [idx](const float(&table)[8]) { return RegisterLookup<D>(idx, table); };
  const V<D> t = hn::Sub(a, lookup(kTanhTab8C));
  // Interval 0 by a mask instead of two blends (vblendvps is three uops on the Intel Xeon
  // of session 26): there t = a and the table's hi is 0, so v = (t·[first])·t + t·[not
  // first] and head = hi + a·[first] round as a·a, t, a and hi do (the same bits).
  const V<D> first = hn::VecFromMask(d, hn::Lt(a, Num(d, 0.75)));
  const V<D> v = hn::MulAdd(hn::And(first, t), t, hn::AndNot(first, t));
  V<D> q = lookup(kTanhTab8Q[0]);
  for (std::size_t i = 1; i < std::size(kTanhTab8Q); ++i) q = hn::MulAdd(q, v, lookup(kTanhTab8Q[i]));
  const V<D> head = hn::Add(lookup(kTanhTab8Hi), hn::And(first, a));
  return hn::CopySignToAbs(hn::MulAdd(t, q, head), x);
}
#endif

// tanh on float lanes, within about an ulp (docs/accuracy.md has the sweep); AVX-512's
// 16 float lanes take TanhTable16 instead, AVX2's 8 TanhTable8:
//   |x| < 0.75: x + x³·p(x²), p from tools/coeffs/gen_coeffs.py (kTanhfP, 0.15 half-ulp);
//   beyond: 1 − 2e/(1 + e), e = e^(−2|x|) (2|x| exact; the argument stops at −40, where
//   the result has long been 1; ExpNormal), 1 + e unrounded
//   (OnePlusInverse), 1 − 2e·q one FMA.
// Both halves are computed on |x|; the sign of x is put back last, so tanh(−0) = −0.

template <class D>
HWY_INLINE V<D> TanhFloatLanes(D d, V<D> x) {
#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86
  if constexpr (std::is_same_v<V<D>, hn::Vec512<float>>) return TanhTable16(d, x);
#endif
#if HWY_TARGET == HWY_AVX2 && HWY_ARCH_X86
  if constexpr (std::is_same_v<V<D>, hn::Vec256<float>>) return TanhTable8(d, x);
#endif
  const V<D> ax = hn::Abs(x);
  const V<D> s = hn::Mul(ax, ax);
  V<D> p = Num(d, kTanhfP[0]);
  for (std::size_t i = 1; i < std::size(kTanhfP); ++i) p = hn::MulAdd(p, s, Num(d, kTanhfP[i]));
  const V<D> small = hn::MulAdd(hn::Mul(ax, s), p, ax);
  const V<D> a = hn::Max(Num(d, -40.0), hn::Mul(ax, Num(d, -2.0)));  // a NaN passes on x86
  const V<D> e = ExpNormal<false>(d, a, a);
  const V<D> big = hn::NegMulAdd(hn::Add(e, e), OnePlusInverse(d, e), Num(d, 1.0));
  return hn::CopySignToAbs(hn::IfThenElse(hn::Lt(ax, Num(d, kTanhfLimit)), small, big), x);
}

// x − tanh x: its series x³·h(x²) near 0 (no cancellation), x − tanh x beyond.
template <class D>
HWY_INLINE V<D> Tanhshrink(D d, V<D> x) {
  const V<D> z = hn::Mul(x, x);
  const V<D> h = Estrin(d, z, kTanhshrinkH);
  const V<D> series = hn::Mul(hn::Mul(z, x), h);
  const V<D> direct = hn::Sub(x, hn::Tanh(d, x));
  const V<D> r = hn::IfThenElse(hn::Le(hn::Abs(x), Num(d, 0.25)), series, direct);
  return hn::IfThenZeroElse(hn::Eq(x, hn::Zero(d)), r);  // +0 for ±0, as the reference
}

// x − tanh x on float lanes (FMA targets), odd, on a = |x| with the sign put back last:
//   a < kTanhfLimit (0.75): a³·(1/3 − s·p1(s)), s = a², with a³ = m + m_lo to about 2^-48
//     (FMAs) and 1/3 in two floats; m·1/3_hi is exact inside the FMA that adds the smaller
//     terms (under a quarter of the result), so one rounding of size 1/2 ulp remains, and
//     the polynomial's 0.14 ulp (rounding a·s², then a·that, measured 1.76 ulp at a = 0.747:
//     an intermediate at the bottom of its binade, the result at the top of its own);
//   beyond: (a − 1) + 2e/(1 + e), e = e^−2a in two parts (ExpNormal, 2^-26.9), a − 1 exact
//     (Sterbenz up to 2, whole below 2^24), the quotient q_hi + q_lo (DivideParts), then
//     a − 1 + q_hi by 2Sum and one
//     rounding. At a = 0.75 the terms are 3.2 times the result (a − tanh a = 0.115), so e's
//     error reaches it a third of an ulp large. Past a = 40 e stops at e^−80 (a normal
//     float), 2e/(1 + e) far below an ulp of a − 1.
// 0.97 ulp at worst over every float (AVX-512 and AVX2); 4 Ki floats, one thread, AMD Zen 4:
// 3.10 -> 1.31 ns/elem under AVX2, 2.12 -> 0.84 on AVX-512, against the double lanes.
// ±0 give +0 (the reference's). NaN and ±inf are dispatch.cc's.
template <class D>
HWY_INLINE V<D> TanhshrinkFloatLanes(D d, V<D> x) {
  const V<D> one = Num(d, 1.0);
  const V<D> a = hn::Abs(x);
  const V<D> s = hn::Mul(a, a);
  V<D> p1 = Num(d, kTanhshrinkfP1[0]);
  for (std::size_t i = 1; i < std::size(kTanhshrinkfP1); ++i) p1 = hn::MulAdd(p1, s, Num(d, kTanhshrinkfP1[i]));
  // 1/3 − s·p1 − 1/3_hi, p1's constant term in two parts
  const V<D> g_small = hn::NegMulAdd(s, p1, hn::NegMulAdd(s, Num(d, kTanhshrinkfP1Lo), Num(d, kTanhshrinkfThirdLo)));
  const V<D> g = hn::Add(Num(d, kTanhshrinkfThirdHi), g_small);
  // a³ = m + m_lo, on a·2^40 below 2^-30 (else a³'s low parts are subnormal: 1.33 ulp at
  // a = 4e-13), scaled back by 2^-120 at the end (one rounding where the result is subnormal).
  const auto tiny = hn::Lt(a, Num(d, 0x1p-30));
  const V<D> as = hn::Mul(a, hn::IfThenElse(tiny, Num(d, 0x1p40), one));
  const V<D> ss = hn::Mul(as, as);
  const V<D> m = hn::Mul(as, ss);
  const V<D> m_lo = hn::MulAdd(as, hn::MulSub(as, as, ss), hn::MulSub(as, ss, m));
  const V<D> series = hn::Mul(hn::MulAdd(m, Num(d, kTanhshrinkfThirdHi), hn::MulAdd(m, g_small, hn::Mul(m_lo, g))),
                              hn::IfThenElse(tiny, Num(d, 0x1p-120), one));

  V<D> e_lo;
  const V<D> e = ExpNormal<false>(d, hn::Neg(hn::Min(hn::Add(a, a), Num(d, 80.0))), hn::Zero(d), &e_lo);
  const V<D> h = hn::Add(one, e);
  const V<D> l = hn::Add(hn::Add(hn::Sub(one, h), e), e_lo);  // 1 + e + e_lo = h + l
  const V<D> n = hn::Add(e, e);
  V<D> q_hi;
  V<D> q_lo;
  DivideParts<D>(n, hn::Add(e_lo, e_lo), h, l, Reciprocal(d, h), &q_hi, &q_lo);
  V<D> t_hi;
  V<D> t_lo;
  TwoSum<D>(hn::Sub(a, one), q_hi, &t_hi, &t_lo);
  const V<D> big = hn::Add(t_hi, hn::Add(t_lo, q_lo));

  const V<D> r = hn::IfThenElse(hn::Lt(a, Num(d, kTanhfLimit)), series, big);
  return hn::IfThenZeroElse(hn::Eq(x, hn::Zero(d)), hn::CopySignToAbs(r, x));
}

// NOLINTEND(readability-identifier-naming)
}  // namespace actlab::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
