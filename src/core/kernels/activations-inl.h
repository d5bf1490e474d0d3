// activations-inl.h — the SIMD kernel of every catalog row, forward and derivative side by side.
//
// Contract (all rows; measured numbers in docs/accuracy.md):
//   float32 arrays: by default each lane is promoted to double, computed here, and
//     rounded once, so the result is within 1 ulp of the correctly rounded value
//     (usually correctly rounded) over every finite float input: float's whole range,
//     subnormals included, lies inside double's normal range. Rows that say
//     kNativeF32Forward/Backward compute on float lanes instead, within the catalog's
//     ulp_fwd/ulp_bwd (at most 2 forward, 4 backward), using the two-part float
//     building blocks of math-inl.h; either way no flush to zero and no sign error in
//     any tail.
//   float64 arrays: the same code on double lanes; a few ulp for most rows,
//     more in the far tails of gelu_tanh and tanhshrink (see docs/accuracy.md).
//   NaN, ±inf: not handled here. dispatch.cc blends the reference's values for
//     those lanes, so the special-value semantics live in one place
//     (src/core/reference.cc) and are PyTorch's. Rows whose fwd already returns
//     them (kExactSpecialsForward: comparisons and selects; sigmoid and softplus,
//     whose rare general-exp path passes a NaN on; on x86 elu, celu and tanh, whose
//     max and min pass it: kMinMaxPassNaN) skip that test, and
//     rows whose df (and df_y) do (kExactSpecialsBackward) skip it backward.
//   −0: each row returns the reference's signed zero (relu(−0) = −0, elu(−0) = +0).
//
// Each row is a struct <id>_k with
//   fwd(d, x, p)   y = f(x)
//   df(d, x, p)    f'(x); dispatch.cc multiplies by dy
//   df_y(d, y, p)  f'(x) from y, only for rows whose catalog entry says kY
//   kCostForward, kCostBackward, kCostFromY  what the kernel costs per element (Cost;
//                  kLight when absent), which sets where its arrays start to be split
//                  over the thread pool (dispatch.cc)
#ifndef ACTLAB_SRC_CORE_KERNELS_COST_
#define ACTLAB_SRC_CORE_KERNELS_COST_
namespace actlab::kernels {
// A kernel's work per element, one direction. Measured on one AMD Zen 4 core (AVX-512, 4 Ki
// floats, `actlab bench --size 4096 --threads 1`): kLight about copy speed (the piecewise
// rows, most backwards from y), kMedium 0.2–0.45 ns/elem (one exp, or a division), kHeavy
// more (two-part arithmetic, erf, log1p of an exp, double lanes).
enum class Cost { kLight, kMedium, kHeavy };
}  // namespace actlab::kernels
#endif

#if defined(ACTLAB_SRC_CORE_KERNELS_ACTIVATIONS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTLAB_SRC_CORE_KERNELS_ACTIVATIONS_INL_H_
#undef ACTLAB_SRC_CORE_KERNELS_ACTIVATIONS_INL_H_
#else
#define ACTLAB_SRC_CORE_KERNELS_ACTIVATIONS_INL_H_
#endif

#include "actlab/activation.h"
#include "hwy/highway.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actlab::kernels::HWY_NAMESPACE {
// The SIMD kernels follow Highway's naming (CamelCase operations, N for the lane count).
// NOLINTBEGIN(readability-identifier-naming)

using actlab::Params;

// On x86's SIMD targets max and min return their second operand when either is NaN (or
// both are zeros of either sign), so Max(c, x) and Min(c, x) hand a NaN in x on: rows built
// on that order compute NaN and ±inf right by themselves there (kExactSpecialsForward =
// kMinMaxPassNaN). Highway's other targets, its emulated ones on x86 included, may return
// either operand.
inline constexpr bool kMinMaxPassNaN = HWY_ARCH_X86 && HWY_TARGET <= HWY_SSSE3;

// ---------------------------------------------------------------- piecewise linear (exact)

struct identity_k {
  static constexpr bool kNativeF32Forward = true;      // exact, or one rounding, in float
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  template <class D>
  static HWY_INLINE V<D> fwd(D, V<D> x, const Params&) {
    return x;
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D>, const Params&) {
    return Num(d, 1.0);
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D>, const Params&) {
    return Num(d, 1.0);
  }
};

struct step_k {
  static constexpr bool kNativeF32Forward = true;      // exact, or one rounding, in float
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    // a NaN fails both tests and comes out as itself
    return hn::IfThenZeroElse(hn::Lt(x, hn::Zero(d)), hn::IfThenElse(hn::Ge(x, hn::Zero(d)), Num(d, 1.0), x));
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D>, const Params&) {
    return hn::Zero(d);
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D>, const Params&) {
    return hn::Zero(d);
  }
};

// 1 where the mask holds, else 0.
template <class D, class M>
HWY_INLINE V<D> OneIf(D d, M m) {
  return hn::IfThenElseZero(m, Num(d, 1.0));
}
// 0 where the mask holds, else 1: the derivatives whose reference tests the zero region
// (x <= 0 ? 0 : 1, as PyTorch's threshold_backward), so a NaN, failing the test, gets 1.
template <class D, class M>
HWY_INLINE V<D> OneUnless(D d, M m) {
  return hn::IfThenZeroElse(m, Num(d, 1.0));
}

struct relu_k {
  static constexpr bool kNativeF32Forward = true;      // exact, or one rounding, in float
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    if constexpr (kMinMaxPassNaN) return hn::Max(hn::Zero(d), x);  // keeps −0 and NaN
    return hn::IfThenZeroElse(hn::Lt(x, hn::Zero(d)), x);          // keeps −0
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    return OneUnless(d, hn::Le(x, hn::Zero(d)));
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params&) {
    return OneUnless(d, hn::Le(y, hn::Zero(d)));
  }
};

// clamp(x, lo, hi) keeping x's −0 and a NaN: Min(hi, Max(lo, x)) where the operand order
// passes them on (kMinMaxPassNaN; two operations instead of two comparisons and two
// selects), elsewhere by comparisons.
template <class D>
HWY_INLINE V<D> Clamp(D d, V<D> x, double lo, double hi) {
  const V<D> vlo = Num(d, lo);
  const V<D> vhi = Num(d, hi);
  if constexpr (kMinMaxPassNaN) return hn::Min(vhi, hn::Max(vlo, x));
  return hn::IfThenElse(hn::Lt(x, vlo), vlo, hn::IfThenElse(hn::Gt(x, vhi), vhi, x));
}
// 1 strictly inside (lo, hi): a NaN gets 1 (relu6′ and hardtanh′, as the reference).
template <class D>
HWY_INLINE V<D> OneInside(D d, V<D> x, double lo, double hi) {
  return OneUnless(d, hn::Or(hn::Le(x, Num(d, lo)), hn::Ge(x, Num(d, hi))));
}

struct relu6_k {
  static constexpr bool kNativeF32Forward = true;      // exact, or one rounding, in float
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    return Clamp(d, x, 0.0, 6.0);
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    return OneInside(d, x, 0.0, 6.0);
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params&) {
    return OneInside(d, y, 0.0, 6.0);
  }
};

// x > 0 ? x : slope·x, and its derivative: leaky_relu, prelu, rrelu (eval).
template <class D>
HWY_INLINE V<D> Leaky(D d, V<D> x, double slope) {
  return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, hn::Mul(x, Num(d, slope)));
}
template <class D>
HWY_INLINE V<D> LeakyDf(D d, V<D> x, double slope) {
  return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), Num(d, 1.0), Num(d, slope));
}

// The leaky family: x > 0 ? x : slope·x, with the slope taken from the
// parameters by Slope. leaky_relu and rrelu (eval) can also run backward
// from y; prelu cannot (its learned slope may be negative).
template <class Slope>
struct LeakyRow {
  static constexpr bool kNativeF32Forward = true;      // exact, or one rounding, in float
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params& p) {
    return Leaky(d, x, Slope::of(p));
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params& p) {
    return LeakyDf(d, x, Slope::of(p));
  }
};
template <class Slope>
struct LeakyRowFromY : LeakyRow<Slope> {
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params& p) {
    return LeakyDf(d, y, Slope::of(p));
  }
};

struct FirstParam {
  static double of(const Params& p) { return p[0]; }
};
// rrelu's eval slope, rounded once from the two bounds, as the reference does: the halves
// are exact (bounds above 2^-1021), so their sum rounds once. In double, not long double:
// the x87 sum went through memory on every vector (the compiler did not hoist it), and
// rrelu ran at 0.33 ns/elem against leaky_relu's 0.12.
struct MeanOfBounds {
  static double of(const Params& p) { return 0.5 * p[0] + 0.5 * p[1]; }
};

struct leaky_relu_k : LeakyRowFromY<FirstParam> {};
struct prelu_k : LeakyRow<FirstParam> {};
struct rrelu_k : LeakyRowFromY<MeanOfBounds> {};

struct hardtanh_k {
  static constexpr bool kNativeF32Forward = true;      // exact, or one rounding, in float
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  static bool float_exact_params(const Params& p) {
    return static_cast<double>(static_cast<float>(p[0])) == p[0] &&
           static_cast<double>(static_cast<float>(p[1])) == p[1];
  }
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params& p) {
    return Clamp(d, x, p[0], p[1]);
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params& p) {
    return OneInside(d, x, p[0], p[1]);
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params& p) {
    return OneInside(d, y, p[0], p[1]);
  }
};

struct hardsigmoid_k {
  static constexpr bool kNativeF32Forward = true;      // exact, or one rounding, in float
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  // (x + 3)/6 inside: in double x + 3 is exact for float32 inputs. Float lanes on x86
  // (FMA, and a max/min that returns its second operand when either is NaN): hardswish's
  // u = fma(x, c_lo, fma(x, c_hi, 1/2)) clamped to [0, 1], here with c_hi = 1/6 rounded
  // down and c_lo > 0 (c_hi + c_lo = 1/6 + 3.0e-16): u <= 0 at x = −3 and u >= 1 at 3,
  // ±inf give ±inf and clamp to 1 and 0, and Max(0, u) hands a NaN on. Four operations
  // instead of ten; elsewhere x + 3 rounds, then the quotient (1.00 ulp at worst).
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
#if HWY_NATIVE_FMA && HWY_ARCH_X86
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      const V<D> u = hn::MulAdd(x, Num(d, 0x1.555556p-27), hn::MulAdd(x, Num(d, 0x1.555554p-3), Num(d, 0.5)));
      return hn::Min(Num(d, 1.0), hn::Max(hn::Zero(d), u));
    }
#endif
    const V<D> mid = DivideByConstant(d, hn::Add(x, Num(d, 3.0)), 6.0);
    return hn::IfThenZeroElse(hn::Lt(x, Num(d, -3.0)), hn::IfThenElse(hn::Gt(x, Num(d, 3.0)), Num(d, 1.0), mid));
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    return hn::IfThenElseZero(hn::And(hn::Gt(x, Num(d, -3.0)), hn::Lt(x, Num(d, 3.0))), Num(d, 1.0 / 6.0));
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params&) {
    return hn::IfThenElseZero(hn::And(hn::Gt(y, hn::Zero(d)), hn::Lt(y, Num(d, 1.0))), Num(d, 1.0 / 6.0));
  }
};

struct hardswish_k {
  static constexpr bool kNativeF32Forward = true;      // within the catalog's ulp bound on float lanes
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' too
  // x·(x + 3)/6 inside: exact up to the quotient in double. Float lanes with an FMA:
  // x·u, u = clamp(x/6 + 1/2, 0, 1) = fma(x, c_lo, fma(x, c_hi, 1/2)) clamped, with
  // c_hi + c_lo = 1/6 + 3.0e-16 (c_lo rounded up, so u <= 0 at x = −3 and the result is
  // −0 there, and u >= 1 at 3). Near x = −3 the inner FMA cancels exactly (x·c_hi and 1/2
  // share their low bits), so u keeps its relative accuracy: 1.50 ulp at worst over every
  // float (was 1.69), in five operations instead of eleven (one thread, AMD Zen 4: 4 Ki
  // floats 0.150-0.158 -> 0.076-0.079 ns/elem). Without an FMA, x + 3 and the product
  // round too (1.7 ulp at worst).
  // c_hi is 1/6 rounded down, so c_lo > 0: +inf gives u = +inf, clamped to 1 (with c_hi
  // rounded up, c_lo < 0 and u = inf − inf); −inf gives u = −inf, clamped to 0, and
  // −inf·0 = NaN as PyTorch's; a NaN x stays NaN whatever u is. So the row needs no
  // per-vector special-value blend. AVX2, 4 Ki floats: 0.097 -> 0.074 ns/elem with a min(x, 4)
  // first, 0.065 this way (0.059 on AVX-512 either way, with x held in a register: InRegister).
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
#if HWY_NATIVE_FMA
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      const V<D> xr = InRegister(x);
      const V<D> u = hn::MulAdd(xr, Num(d, 0x1.555556p-27), hn::MulAdd(xr, Num(d, 0x1.555554p-3), Num(d, 0.5)));
      return hn::Mul(xr, hn::Min(hn::Max(u, hn::Zero(d)), Num(d, 1.0)));
    }
#endif
    const V<D> mid = DivideByConstant(d, hn::Mul(x, hn::Add(x, Num(d, 3.0))), 6.0);
    const V<D> r = hn::IfThenElse(hn::Le(x, Num(d, 3.0)), mid, x);
    return hn::IfThenElse(hn::Le(x, Num(d, -3.0)), hn::Mul(x, hn::Zero(d)), r);  // PyTorch's x·0: −0, NaN at −inf
  }
  // (2x + 3)/6 inside. Near the zero at x = −1.5, 2x + 3 is exact (Sterbenz), so float
  // lanes lose nothing to cancellation; elsewhere it rounds once, far from zero. It is
  // never −0 (−3 + 3 = +0). NaN fails both tests and gets 1, as the reference's.
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    const V<D> mid = DivideByConstant<false>(d, hn::MulAdd(x, Num(d, 2.0), Num(d, 3.0)), 6.0);
    return hn::IfThenZeroElse(hn::Lt(x, Num(d, -3.0)), hn::IfThenElse(hn::Le(x, Num(d, 3.0)), mid, Num(d, 1.0)));
  }
};

struct softshrink_k {
  static constexpr bool kNativeF32Forward = true;      // exact, or one rounding, in float
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  static bool float_exact_params(const Params& p) { return static_cast<double>(static_cast<float>(p[0])) == p[0]; }
  // x − clamp(x, −lambda, lambda): x − x = +0 inside, x ∓ lambda (one rounding, the
  // reference's) outside; a NaN passes the clamp (Clamp) and stays NaN, ±inf stays ±inf.
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params& p) {
    return hn::Sub(x, Clamp(d, x, -p[0], p[0]));
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params& p) {
    return OneUnless(d, hn::Le(hn::Abs(x), Num(d, p[0])));
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params&) {
    return OneUnless(d, hn::Eq(y, hn::Zero(d)));
  }
};

struct hardshrink_k {
  static constexpr bool kNativeF32Forward = true;      // exact, or one rounding, in float
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  static bool float_exact_params(const Params& p) { return static_cast<double>(static_cast<float>(p[0])) == p[0]; }
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params& p) {
    return hn::IfThenZeroElse(hn::Le(hn::Abs(x), Num(d, p[0])), x);  // NaN fails the test: x
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params& p) {
    return OneUnless(d, hn::Le(hn::Abs(x), Num(d, p[0])));
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params&) {
    return OneUnless(d, hn::Eq(y, hn::Zero(d)));
  }
};

struct threshold_k {
  static constexpr bool kNativeF32Forward = true;      // exact, or one rounding, in float
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  static bool float_exact_params(const Params& p) { return static_cast<double>(static_cast<float>(p[0])) == p[0]; }
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params& p) {
    return hn::IfThenElse(hn::Le(x, Num(d, p[0])), Num(d, p[1]), x);
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params& p) {
    return OneUnless(d, hn::Le(x, Num(d, p[0])));
  }
};

struct relu_squared_k {
  static constexpr bool kNativeF32Forward = true;      // exact, or one rounding, in float
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    return hn::IfThenZeroElse(hn::Le(x, hn::Zero(d)), hn::Mul(x, x));  // NaN fails the test: NaN²
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    return hn::IfThenZeroElse(hn::Le(x, hn::Zero(d)), hn::Add(x, x));
  }
};

// ---------------------------------------------------------------- exponential family

// e^x for x <= 0, for the ELU family's derivatives: on float lanes, vectors whose results
// are all normal floats (x >= −87, the common case) take ExpNormal (the table exp on AVX-512
// and AVX2, 0.61 ulp) or the normal-only compact exp, the others the compact exp that
// rounds subnormal results once (ExpFloatLanesLean, 0.954 ulp; three operations fewer than
// the 0.81-ulp ExpFloatLanes); double lanes Highway's Exp. Against the compact exp on every
// vector: one thread, pinned, 4 Ki floats, best of 5 alternated processes, ns/elem, AVX2 /
// AVX-512: elu backward 0.587 -> 0.409 / 0.346 -> 0.218, celu 0.615 -> 0.416 / 0.338 ->
// 0.316, selu 0.603 -> 0.382 / 0.296 -> 0.239; elu′ and celu′ 0.95 -> 0.75 ulp, selu′ 1.74
// -> 1.67 (every float).
template <class D>
HWY_INLINE V<D> ExpOfNonPositive(D d, V<D> x) {
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
    const auto normal = hn::Ge(x, Num(d, -87.0));
    if constexpr (kExpTableLanes<D>) {
      if (HWY_LIKELY(hn::AllTrue(d, normal))) return ExpNormal<false>(d, x, x);
      // The other vectors: their normal lanes keep the table exp's bits (a lane's value
      // never depends on its neighbours).
      return hn::IfThenElse(normal, ExpNormal<false>(d, x, x), ExpFloatLanesLean<false>(d, x, hn::Zero(d)));
    }
    // Without the table the two compact exps give a normal result the same bits.
    if (HWY_LIKELY(hn::AllTrue(d, normal))) return ExpFloatLanesLean<true>(d, x, hn::Zero(d));
    return ExpFloatLanesLean<false>(d, x, hn::Zero(d));
  } else {
    return ExpNonPositive(d, x);
  }
}

// x > 0 ? pos : neg, for callers whose two values agree at ±0 and whose NaN lanes may take
// either. Chosen by x's sign bit where that is one instruction: a blendv on SSE4 and AVX2,
// no compare. Not on SSSE3, whose IfNegativeThenElse mixes the two inputs' bits (Highway
// 1.0.3: its IfThenElse there is a bitwise select).
template <class D>
HWY_INLINE V<D> PositiveThenElse(D d, V<D> x, V<D> pos, V<D> neg) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_SSE4
  (void)d;
  return hn::IfNegativeThenElse(x, neg, pos);
#else
  return hn::IfThenElse(hn::Gt(x, hn::Zero(d)), pos, neg);
#endif
}

// ELU family: x > 0 ? x : alpha·expm1(x·input_scale), and +0 at ±0 (PyTorch). The expm1
// is math-inl.h's Expm1NonPositive: 1.125 ulp (one float) forward for elu and celu where
// Highway's float Expm1 gave 1.43, in about half the operations. NaN reaches the expm1 (its
// clamp and the min with 0 take x second), and a NaN lane gives its NaN or x itself (the
// sign-bit select); −inf gives −alpha: with kMinMaxPassNaN the rows skip dispatch.cc's
// special-value test.
template <bool kUnitAlpha = false, class D>
HWY_INLINE V<D> EluCore(D d, V<D> x, double alpha, double input_scale_div) {
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
    // Float lanes: the expm1 gives +0 at ±0 and alpha >= 0 (the catalog's range) keeps
    // it, so neither the min with 0 nor a zero select is needed; the lanes x > 0, where
    // the expm1 is garbage, are replaced by x. kUnitAlpha (alpha = 1, elu_unit_k): no
    // scaling at all.
    const V<D> e = Expm1NonPositive(d, kUnitAlpha ? x : hn::Div(x, Num(d, input_scale_div)));
    return PositiveThenElse(d, x, x, kUnitAlpha ? e : hn::Mul(Num(d, alpha), e));
  } else {
    const V<D> neg =
        hn::Mul(Num(d, alpha), Expm1NonPositive(d, hn::Div(hn::Min(hn::Zero(d), x), Num(d, input_scale_div))));
    const V<D> r = hn::IfThenElse(hn::Gt(x, hn::Zero(d)), x, neg);
    return hn::IfThenZeroElse(hn::Eq(x, hn::Zero(d)), r);
  }
}

// elu′ = x <= 0 ? alpha·e^x : 1 (kUnitAlpha: alpha = 1, no multiplication).
template <bool kUnitAlpha = false, class D>
HWY_INLINE V<D> EluDf(D d, V<D> x, double alpha) {
  const V<D> e = ExpOfNonPositive(d, hn::Min(x, hn::Zero(d)));
  // At alpha = 1 on x86's float lanes the select is e itself: x > 0 (and NaN, which x86's
  // min turns into the second operand) gives e^0 = 1 exactly. The same bits over every
  // float; a compare and a blend less (the blend three uops on Intel).
  if constexpr (kUnitAlpha && kMinMaxPassNaN && sizeof(hn::TFromD<D>) == sizeof(float)) return e;
  return hn::IfThenElse(hn::Le(x, hn::Zero(d)), kUnitAlpha ? e : hn::Mul(Num(d, alpha), e), Num(d, 1.0));
}

// ELU and CELU at alpha = 1 (both rows' default, where they are the same function with
// the same derivative): the dispatch runs this (Alias) forward and backward from x. It
// drops the multiplication and the division by alpha = 1, exact operations, so the bits
// do not change. (Backward from y stays the rows' own.)
struct elu_unit_k {
  static constexpr bool kNativeF32Forward = true;  // within the catalog's ulp bound on float lanes
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsForward = kMinMaxPassNaN;  // EluCore
  static constexpr bool kExactSpecialsBackward = true;           // x <= 0 fails for NaN: f' = 1
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    return EluCore<true>(d, x, 1.0, 1.0);
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    return EluDf<true>(d, x, 1.0);
  }
};

struct elu_k {
  static constexpr Cost kCostForward = Cost::kMedium;
  static constexpr Cost kCostBackward = Cost::kMedium;
  using Alias = elu_unit_k;
  static bool alias_applies(const Params& p) { return p[0] == 1.0; }
  static constexpr bool kNativeF32Forward = true;  // within the catalog's ulp bound on float lanes
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsForward = kMinMaxPassNaN;  // EluCore
  static constexpr bool kExactSpecialsBackward = true;           // x <= 0 fails for NaN: f' = 1
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params& p) {
    return EluCore(d, x, p[0], 1.0);
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params& p) {
    return EluDf(d, x, p[0]);
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params& p) {
    return hn::IfThenElse(hn::Le(y, hn::Zero(d)), hn::Add(y, Num(d, p[0])), Num(d, 1.0));
  }
};

struct celu_k {
  static constexpr Cost kCostForward = Cost::kMedium;
  static constexpr Cost kCostBackward = Cost::kMedium;
  using Alias = elu_unit_k;
  static bool alias_applies(const Params& p) { return p[0] == 1.0; }
  static constexpr bool kNativeF32Forward = true;  // within the catalog's ulp bound on float lanes
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsForward = kMinMaxPassNaN;  // EluCore
  static constexpr bool kExactSpecialsBackward = true;           // x <= 0 fails for NaN: f' = 1
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params& p) {
    return EluCore(d, x, p[0], p[0]);
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params& p) {
    const V<D> e = ExpOfNonPositive(d, hn::Div(hn::Min(x, hn::Zero(d)), Num(d, p[0])));
    // x > 0 and NaN give e^(0/alpha) = 1 here too (EluDf): no select on x86's float lanes.
    if constexpr (kMinMaxPassNaN && sizeof(hn::TFromD<D>) == sizeof(float)) return e;
    return hn::IfThenElse(hn::Le(x, hn::Zero(d)), e, Num(d, 1.0));
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params& p) {
    return hn::IfThenElse(hn::Le(y, hn::Zero(d)), hn::Add(hn::Div(y, Num(d, p[0])), Num(d, 1.0)), Num(d, 1.0));
  }
};

// PyTorch's SELU constants, rounded to double.
inline constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
inline constexpr double kSeluScale = 1.0507009873554804934193349852946;
inline constexpr double kSeluScaleAlpha = 1.7580993408473768599402175208123;

struct selu_k {
  static constexpr Cost kCostForward = Cost::kMedium;
  static constexpr Cost kCostBackward = Cost::kMedium;
  static constexpr bool kNativeF32Forward = true;  // within the catalog's ulp bound on float lanes
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // x <= 0 fails for NaN: f' = scale
  // From y: y + scale·α cancels near the bound against a constant float cannot hold
  // (6 ulp measured on float lanes), so the from-y derivative runs in double.
  static constexpr bool kDoubleFromY = true;
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      // scale·x with scale in two floats, rounded once: float(scale)·x alone is up to an ulp
      // off, and overflowed to inf just below x = FLT_MAX/scale, where the result is FLT_MAX.
      constexpr float kHi = static_cast<float>(kSeluScale);
      const V<D> pos = hn::MulAdd(x, Num(d, kHi), hn::Mul(x, Num(d, kSeluScale - static_cast<double>(kHi))));
      // As EluCore: the expm1 gives +0 at ±0, as scale·x does at +0, and its garbage at
      // x > 0 is not chosen (NaN lanes are dispatch.cc's).
      return PositiveThenElse(d, x, pos, hn::Mul(Num(d, kSeluScaleAlpha), Expm1NonPositive(d, x)));
    } else {
      const V<D> neg = hn::Mul(Num(d, kSeluScaleAlpha), Expm1NonPositive(d, hn::Min(x, hn::Zero(d))));
      const V<D> r = hn::IfThenElse(hn::Gt(x, hn::Zero(d)), hn::Mul(x, Num(d, kSeluScale)), neg);
      return hn::IfThenZeroElse(hn::Eq(x, hn::Zero(d)), r);
    }
  }
  template <class D>
  // On float lanes below x = −80, scale·α·e^x is one exp of x + ln(scale·α) in two parts:
  // scale·α times a rounded e^x flushed to 0 near x = −103.97, where the derivative is
  // still a subnormal float (the accuracy sweep).
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    V<D> neg = hn::Mul(Num(d, kSeluScaleAlpha), ExpOfNonPositive(d, hn::Min(x, hn::Zero(d))));
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      const auto tail = hn::Lt(x, Num(d, -80.0));
      if (!hn::AllFalse(d, tail)) {
        V<D> hi;
        V<D> lo;
        TwoSum<D>(x, Num(d, 0x1.20e33p-1), &hi, &lo);  // ln(scale·α) = 0.5642…, high part
        neg = hn::IfThenElse(tail, ExpFloatLanes<false>(d, hi, hn::Add(lo, Num(d, 0x1.53e97ba29cb27p-29))), neg);
      }
    }
    return hn::IfThenElse(hn::Le(x, hn::Zero(d)), neg, Num(d, kSeluScale));
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params&) {
    return hn::IfThenElse(hn::Le(y, hn::Zero(d)), hn::Add(y, Num(d, kSeluScaleAlpha)), Num(d, kSeluScale));
  }
};

// ---------------------------------------------------------------- self-gated (x·gate)

// Where the self-gated derivatives take NearZero's δ·p(δ) (|δ| below it): outside, the
// quotient form of SigmoidGateDfFloat keeps them within the bound (the exhaustive sweep),
// and the narrower the window, the fewer vectors pay for the polynomial and its branch
// (16 lanes of uniform [−6, 6] inputs: 7.7 % of vectors at 0.03, 42 % at 0.2). The
// polynomials are fitted over the wider kSiluDfWindow, kGeluTanhDfWindow and kMishDfWindow.
inline constexpr float kGateDfNear = 0.03f;
static_assert(kGateDfNear <= kSiluDfWindow && kGateDfNear <= kGeluTanhDfWindow && kGateDfNear <= kMishDfWindow);

// The self-gated rows compute on float lanes in both directions where FMA is native: their
// two-part residuals (TwoProd, quotient corrections) need a fused multiply-add, and with an
// emulated one silu's forward measured 3 ulp at x = −0.8048 (SSE4), gelu's 2.1, mish's 1.9.
// Elsewhere they take double lanes. ExpNormalLanes adds the common native_ok: x >= −80,
// where e^x stays a normal float.
struct FloatLanesWithFma {
  static constexpr bool kNativeF32Forward = HWY_NATIVE_FMA != 0;
  static constexpr bool kNativeF32Backward = HWY_NATIVE_FMA != 0;
};
struct ExpNormalLanes : FloatLanesWithFma {
  template <class D>
  static auto native_ok(D d, V<D> x, const Params&) {
    return hn::Ge(x, Num(d, -80.0));
  }
};

// The derivatives of the self-gated rows are negative for x < −1; where they
// underflow, the correctly rounded result is −0, not the +0 that σ + x·σσ gives.
template <class D>
HWY_INLINE V<D> NegativeTailZero(D d, V<D> x, V<D> r) {
  return hn::IfThenElse(hn::And(hn::Eq(r, hn::Zero(d)), hn::Lt(x, Num(d, -1.0))), Num(d, -0.0), r);
}

struct gelu_k : FloatLanesWithFma {
  static constexpr Cost kCostForward = Cost::kHeavy;
  static constexpr Cost kCostBackward = Cost::kHeavy;
  template <class D>
  static auto native_ok(D d, V<D> x, const Params&) {
    return hn::Ge(x, Num(d, -13.0));  // the result stays a normal float
  }
  // x·Φ(x) with Φ from the normal tail on the far side (no 1 + erf cancellation): on
  // float lanes GeluFloatLanes, on double lanes the 22-term erfc fit.
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      return GeluFloatLanes(d, x);
    } else {
      return hn::Mul(x, NormalCdf(d, x, ExpHalfSquareNeg(d, x)));
    }
  }
  // Φ(x) + x·φ(x), φ(x) = exp(−x²/2)/√(2π); both share exp(−x²/2). Float lanes:
  // GeluDfFloatLanes.
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) return GeluDfFloatLanes(d, x);
    const V<D> e = ExpHalfSquareNeg(d, x);
    return NegativeTailZero(d, x, hn::MulAdd(hn::Mul(x, e), Num(d, 0.39894228040143267794), NormalCdf(d, x, e)));
  }
};

// x·σ(k·x) and σ(kx) + kx·σ(kx)σ(−kx): silu (k = 1), swish (k = beta), gelu_sigmoid
// (k = 1.702 as khi + klo). k·x is carried as hi + lo into the exp.
// x·σ(t) = x/(1 + e) for t >= 0 and (x·e)/(1 + e) for t < 0, e = exp(−|t|). Float lanes
// without the table exp divide once, with the residual step (DivideRounded) over the
// two-part numerator and 1 + e: 0.63 ulp at worst over every float for silu, 0.64
// gelu_sigmoid, 0.62 gelu_tanh (measured on AVX-512 before GatedSigmoidQuotient), where
// x·e times 1/(1 + e) measured 1.99 for about 8 % less time (one thread, 4 Ki floats, silu
// 0.403 -> 0.438 ns/elem). AVX-512 and AVX2 take GatedSigmoidQuotient.
// kExactT: t = hi exactly (silu), so there is no low part to carry.
//
// GatedSigmoidQuotient: x·σ(t) = x/(1 + e^−t) for every t >= −80 (native_ok), one exp of
// the two-part −t (up to e^80, a normal float; clamped at −87 beyond t = 87, where σ
// rounds to 1), 1 + e^−t rounded and one quotient (QuotientOnce): x needs no product, and
// neither side cancels. Over every float 2.40 ulp for silu (AVX2 2.44), 2.09 gelu_sigmoid
// (2.15), 2.08 gelu_tanh (2.09): 2 floats from the correctly rounded value, which the
// contract allows where the 1-ulp form costs more than 15 % of the speed. It costs
// 17–48 %: one thread, 4 Ki floats, pinned, best of 10–15 alternated processes, ns/elem,
// residual-step form -> this one: AVX-512 silu 0.437 -> 0.275, gelu_sigmoid 0.609 ->
// 0.504, gelu_tanh 0.893 -> 0.693; AVX2 silu 0.723 -> 0.376, gelu_sigmoid 0.976 ->
// 0.573, gelu_tanh 1.330 -> 0.923. ±0 keep their sign (x/(1 + 1)); x = +inf does not
// reach it (the dispatch's special-value path, or native_ok).
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
template <bool kExactT, class D>
HWY_INLINE V<D> GatedSigmoidQuotient(D d, V<D> x, V<D> hi, V<D> lo) {
  V<D> m = hn::Neg(hi);
  V<D> m_lo = hn::Zero(d);
  if constexpr (kExactT) {  // no low part: the clamp is a max
    m = hn::Max(m, Num(d, -87.0));
  } else {
    const auto far = hn::Lt(m, Num(d, -87.0));
    m = hn::IfThenElse(far, Num(d, -87.0), m);
    m_lo = hn::IfThenZeroElse(far, hn::Neg(lo));
  }
  return QuotientOnce(d, x, hn::Add(Num(d, 1.0), ExpNormal<!kExactT>(d, m, m_lo)));
}
#endif

template <bool kExactT = false, class D>
HWY_INLINE V<D> GatedSigmoidOf(D d, V<D> x, V<D> hi, V<D> lo) {
  const auto neg = hn::Lt(hi, hn::Zero(d));
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
    // Float lanes run only where the row's native_ok holds, t >= −80: e^(−|hi| ∓ lo) is
    // one exp of the two-part argument and a normal float, kept unrounded as e + e_lo (the
    // exp's head and tail). Beyond t = 87, σ rounds to 1 whatever e is, so the argument
    // is clamped there (e stays normal, no garbage), its low part dropped (it may be far
    // above an ulp of −87).
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
    if constexpr (kExpTableLanes<D>) return GatedSigmoidQuotient<kExactT>(d, x, hi, lo);
#endif
    const V<D> a = NegAbs(hi);
    V<D> arg, arg_lo;
    if constexpr (kExactT) {  // no low part: the clamp is a max
      arg = hn::Max(a, Num(d, -87.0));
      arg_lo = hn::Zero(d);
    } else {
      const auto far = hn::Lt(a, Num(d, -87.0));
      arg = hn::IfThenElse(far, Num(d, -87.0), a);
      arg_lo = hn::IfThenZeroElse(far, hn::IfThenElse(neg, lo, hn::Neg(lo)));
    }
    V<D> e_lo;
    const V<D> e = ExpNormal<!kExactT>(d, arg, arg_lo, &e_lo);
    // x·σ(t) as one quotient, (num + num_lo)/(h + l) with its residual: num = x·e exactly
    // (num_lo its product error plus x·e_lo) or x, 1 + e = h + l; only the last rounding
    // is left.
    const V<D> xe = hn::Mul(x, e);
    const V<D> num = hn::IfThenElse(neg, xe, x);
    const V<D> num_lo = hn::IfThenElseZero(neg, hn::MulAdd(x, e_lo, hn::MulSub(x, e, xe)));
    const V<D> one = Num(d, 1.0);
    const V<D> h = hn::Add(one, e);
    const V<D> l = hn::Add(hn::Add(hn::Sub(one, h), e), e_lo);
    return DivideRounded<D>(num, num_lo, h, l, ReciprocalEstimate(d, h));  // −0 stays −0 (its comment)
  } else {
    const V<D> correction = hn::IfThenElse(neg, hn::Add(Num(d, 1.0), lo), hn::Sub(Num(d, 1.0), lo));
    const V<D> e0 = hn::Mul(ExpNonPositive(d, NegAbs(hi)), correction);
    const V<D> e = hn::IfThenZeroElse(hn::Le(e0, hn::Zero(d)), e0);
    const V<D> num = hn::IfThenElse(neg, hn::Mul(x, e), x);
    return hn::Mul(num, OnePlusInverse(d, e));  // 1 + e unrounded: about one ulp less than num/(1 + e)
  }
}
template <class D>
HWY_INLINE V<D> GatedSigmoid(D d, V<D> x, double khi, double klo = 0.0) {
  V<D> hi, lo;
  MulSplit(d, x, khi, klo, &hi, &lo);
  return GatedSigmoidOf(d, x, hi, lo);
}
// σ(t)·(1 + q·σ(−t)) on float lanes for t = hi + lo >= −80 and q = q_hi + q_lo: the
// derivative of x·σ(t(x)), with q = x·t'(x) (q = t for x·σ(kx)). With e = e^−|t| (head +
// tail, 2^-26.9 relative on AVX-512) it is one quotient over (1 + e)²:
//   t >= 0: (1 + e + q·e)/(1 + e)²,   t < 0: e·((1 + q) + e)/(1 + e)²,
// numerator and denominator carried in two parts and divided with one residual step, so
// only the last rounding and the numerator's sum are left: 1.97 ulp at worst for silu′,
// 2.40 gelu_sigmoid′, 2.46 gelu_tanh′ over every float (bench/accuracy; AVX2 1.91, 2.38,
// 2.42). The earlier product form (σ and σ(−t) each as hi + lo, then c = 1 + q·σ(−t))
// took about 15 more operations: one thread, 4 Ki floats, silu′ 0.855 -> 0.689 ns/elem,
// gelu_sigmoid′ 1.01 -> 0.83, gelu_tanh′ 1.35 -> 1.15.
// For t < 0 near the derivative's zero, (1 + q) + e cancels: 1 + q is exact there (q in
// [−2, −1/2]) and so is its sum with e (Sterbenz), so the error left is e's own, amplified
// by e/|m|; within kGateDfNear of the zero NearZero's polynomial takes over.
// kExactT: t = hi and q = q_hi exactly (silu), no low parts.
template <bool kExactT = false, class D>
HWY_INLINE V<D> SigmoidGateDfFloat(D d, V<D> hi, V<D> lo, V<D> q, V<D> q_lo) {
  const auto neg = hn::Lt(hi, hn::Zero(d));
  const V<D> a = NegAbs(hi);
  // t > 87 (native_ok keeps t >= −80): the result rounds to 1; the exp of −|t| there is
  // not a normal float, and those lanes' arithmetic below is replaced.
  const auto far = hn::Gt(hi, Num(d, 87.0));
  const V<D> a_lo = kExactT ? hn::Zero(d) : hn::IfThenElse(neg, lo, hn::Neg(lo));
  V<D> e_lo;
  const V<D> e = ExpNormal<!kExactT>(d, a, a_lo, &e_lo);
  const V<D> one = Num(d, 1.0);
  const V<D> h = hn::Add(one, e);
  const V<D> hl = hn::Add(hn::Add(hn::Sub(one, h), e), e_lo);  // 1 + e = h + hl
  // t >= 0: 1 + e + q·e
  const V<D> pos = hn::Add(hn::MulAdd(e, q, h), kExactT ? hl : hn::MulAdd(e, q_lo, hl));
  // t < 0: e·m, m = (1 + q) + e
  const V<D> m = hn::Add(hn::Add(hn::Add(one, q), e), kExactT ? e_lo : hn::Add(e_lo, q_lo));
  const V<D> em = hn::Mul(e, m);
  const V<D> em_lo = hn::MulAdd(e_lo, m, hn::MulSub(e, m, em));
  const V<D> num = hn::IfThenElse(neg, em, pos);
  const V<D> num_lo = hn::IfThenElseZero(neg, em_lo);
  // (1 + e)² = den + den_lo
  const V<D> den = hn::Mul(h, h);
  const V<D> den_lo = hn::MulAdd(hn::Add(h, h), hl, hn::MulSub(h, h, den));
  return hn::IfThenElse(far, one, DivideRounded<D>(num, num_lo, den, den_lo, ReciprocalEstimate(d, den)));
}

#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
// silu′(x) = σ(x)(1 + x·σ(−x)) on the table exp's lanes (AVX-512, AVX2) as one quotient
// over (1 + e)², e = e^−|x|, as LogisticDerivativeNormal does for σ′:
//   x >= 0: (1 + e·(1 + x))/(1 + e)²,   x < 0: e·((1 + x) + e)/(1 + e)²,
// the denominator as 1 + e·(e + 2). Only x < 0 carries the exp's rounding error e_lo:
// into (1 + x) + e, which cancel towards the zero at x = −1.2785 (1 + x is exact there),
// and into the product with e. 3.50 ulp at worst over every float on AVX2 (3.52 AVX-512,
// at x = −0.8437, where five roundings of 0.4 to 1 ulp each line up), against the
// catalog's 4 and SigmoidGateDfFloat's 1.91: one thread, 4 Ki floats, AVX2, pinned, best
// of 9 alternated processes, 0.945 -> 0.700 ns/elem (the division is 7 % of that, the
// NearZero test 6 %). −0 takes the x < 0 side, which gives 2/4 there as x >= 0 does.
// Tried: silu′ as E·(1 + x + E)/(1 + E)², E = e^x, for both signs (no blends, 7 % faster)
// measured 4.43 ulp at x = 1.133, where E + 2 rounds above 4.
template <class D>
HWY_INLINE V<D> SiluDfQuotient(D d, V<D> x) {
  const V<D> t = hn::Min(x, Num(d, 87.0));  // beyond, the result rounds to 1
  V<D> e_lo;
  const V<D> e = ExpNormal<false>(d, NegAbs(t), hn::Zero(d), &e_lo);
  const V<D> one = Num(d, 1.0);
  const V<D> u = hn::Add(one, t);
  V<D> num;
#if HWY_TARGET == HWY_AVX2
  // AVX2 picks the sides by a mask of t's sign bit (all ones where t < 0 or t = −0) instead
  // of blends: s = (u + e·[t < 0]) + e_lo·[t < 0] and num = e·s + (e_lo·[t < 0]·s + [t >= 0])
  // round as the blends' forms do (u + 0 + 0 = u, e_lo·s + 0 = e_lo·s; the same bits for
  // every float): a shift and three ANDs where the two vblendvps took six uops on the Intel
  // Xeon of session 26 (three each). One thread, 4 Ki floats, pinned, best of 200 calls,
  // three alternated processes: 0.639–0.656 -> 0.588–0.603 ns/elem. AVX-512's masked blends
  // are one uop each, and the masks there measured 0.404–0.415 -> 0.423–0.434.
  const hn::RebindToSigned<D> di;
  const V<D> neg = hn::BitCast(d, hn::BroadcastSignBit(hn::BitCast(di, t)));
  const V<D> e_lo_neg = hn::And(neg, e_lo);
  const V<D> s = hn::Add(hn::Add(u, hn::And(neg, e)), e_lo_neg);
  num = hn::MulAdd(e, s, hn::MulAdd(e_lo_neg, s, hn::AndNot(neg, one)));
#else
  const V<D> s = hn::IfNegativeThenElse(t, hn::Add(hn::Add(u, e), e_lo), u);
  num = hn::MulAdd(e, s, hn::IfNegativeThenElse(t, hn::Mul(e_lo, s), one));
#endif
  return QuotientOnce(d, num, hn::MulAdd(e, hn::Add(e, Num(d, 2.0)), one));
}
#endif

// The derivative g(t) = σ(t)(1 + t·σ(−t)) of x·σ(kx), t = k·x as hi + lo: on double lanes
// σ + t·σσ; on float lanes SigmoidGateDfFloat (silu on the table exp's lanes:
// SiluDfQuotient), and δ·p(δ) within kGateDfNear of its zero t = −1.2785 (kSiluDfP,
// kSiluDfP0Lo).
template <bool kExactT = false, class D>
HWY_INLINE V<D> GatedSigmoidDfOf(D d, V<D> hi, V<D> lo) {
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86
    if constexpr (kExactT && kExpTableLanes<D>) {
      return NearZero(d, SiluDfQuotient(d, hi), hi, lo, kSiluDfRootHi, kSiluDfRootLo, kGateDfNear, kSiluDfP,
                      kSiluDfP0Lo);
    }
#endif
    return NearZero(d, SigmoidGateDfFloat<kExactT>(d, hi, lo, hi, lo), hi, lo, kSiluDfRootHi, kSiluDfRootLo,
                    kGateDfNear, kSiluDfP, kSiluDfP0Lo);
  } else {
    // only here can g underflow (float lanes keep t >= −80): −0 where it is negative
    const Logistic<D> l = LogisticOf(d, hi, lo);
    return NegativeTailZero(d, hi, hn::MulAdd(hi, l.product, l.sigma));
  }
}
template <class D>
HWY_INLINE V<D> GatedSigmoidDf(D d, V<D> x, double khi, double klo = 0.0) {
  V<D> hi, lo;
  MulSplit(d, x, khi, klo, &hi, &lo);
  return GatedSigmoidDfOf(d, hi, lo);
}

struct gelu_sigmoid_k : FloatLanesWithFma {
  static constexpr Cost kCostForward = Cost::kHeavy;
  static constexpr Cost kCostBackward = Cost::kHeavy;
  template <class D>
  static auto native_ok(D d, V<D> x, const Params&) {
    return hn::And(hn::Ge(x, Num(d, -47.0)), hn::Le(x, Num(d, 1e37)));  // 1.702·x in [−80, 1.7e37]
  }
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    return GatedSigmoid(d, x, kGeluSigmoidKHi, kGeluSigmoidKLo);
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    return GatedSigmoidDf(d, x, kGeluSigmoidKHi, kGeluSigmoidKLo);
  }
};

struct silu_k : ExpNormalLanes {
  static constexpr Cost kCostForward = Cost::kMedium;
  static constexpr Cost kCostBackward = Cost::kHeavy;
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    return GatedSigmoidOf<true>(d, x, x, hn::Zero(d));
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    return GatedSigmoidDfOf<true>(d, x, hn::Zero(d));
  }
};

struct swish_k : FloatLanesWithFma {
  static constexpr Cost kCostForward = Cost::kMedium;
  static constexpr Cost kCostBackward = Cost::kHeavy;
  // beta = 1 (the default, swish-1) is silu: the dispatch runs silu's kernel (Alias), whose
  // argument x needs no low part; the same bits (the accuracy sweep's swish and silu rows
  // are equal), 0.81 -> 0.50 ns/elem forward at 4 Ki. Other betas carry beta·x as hi + lo.
  using Alias = silu_k;
  static bool alias_applies(const Params& p) { return p[0] == 1.0; }
  // Lanes where float arithmetic stays within the bound: beta·x >= −80 (no
  // subnormal exp; the other side saturates to x exactly); other vectors take the double path.
  template <class D>
  static auto native_ok(D d, V<D> x, const Params& p) {
    const V<D> t = hn::Mul(x, Num(d, p[0]));
    return hn::And(hn::Ge(t, Num(d, -80.0)), hn::Le(t, Num(d, 1e37)));
  }
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params& p) {
    return GatedSigmoid(d, x, p[0]);
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params& p) {
    return GatedSigmoidDf(d, x, p[0]);
  }
};

struct gelu_tanh_k : FloatLanesWithFma {
  static constexpr Cost kCostForward = Cost::kHeavy;
  static constexpr Cost kCostBackward = Cost::kHeavy;
  template <class D>
  static auto native_ok(D d, V<D> x, const Params&) {
    return hn::And(hn::Ge(x, Num(d, -9.5)), hn::Le(x, Num(d, 1e12)));  // 2u >= −75, no x³ overflow
  }
  // 2u = 2√(2/π)(x + 0.044715x³), carried as hi + lo (compensated: each
  // product's error from an FMA, the sum's from TwoSum; two_u_float on float lanes), so
  // exp(2u) keeps its low bits for |2u| up to ~700. x/2·(1 + tanh u) = x·σ(2u).
  template <class D>
  static void two_u(D d, V<D> x, V<D>* hi, V<D>* lo) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      two_u_float(d, x, hi, lo);
    } else {
      cubic(d, x, kGeluTanhAHi, kGeluTanhALo, hi, lo);
    }
  }
  // hi + lo = 2√(2/π)(x + A·x³) for A = a_hi + a_lo: 2u for A = 0.044715, and x·(2u)'
  // for 3A.
  template <class D>
  static void cubic(D d, V<D> x, double a_hi, double a_lo, V<D>* hi, V<D>* lo) {
    const V<D> x2 = hn::Mul(x, x);
    const V<D> x2_lo = ProductError(d, x, x, x2);
    const V<D> x3 = hn::Mul(x2, x);
    const V<D> x3_lo = hn::MulAdd(x2_lo, x, ProductError(d, x2, x, x3));
    V<D> ax3, ax3_lo;
    MulSplit(d, x3, a_hi, a_lo, &ax3, &ax3_lo);
    ax3_lo = hn::MulAdd(x3_lo, Num(d, a_hi), ax3_lo);
    const V<D> s = hn::Add(x, ax3);  // TwoSum
    const V<D> bb = hn::Sub(s, x);
    const V<D> s_lo = hn::Add(hn::Add(hn::Sub(x, hn::Sub(s, bb)), hn::Sub(ax3, bb)), ax3_lo);
    MulSplit(d, s, kTwoSqrt2OverPiHi, kTwoSqrt2OverPiLo, hi, lo);
    *lo = hn::MulAdd(s_lo, Num(d, kTwoSqrt2OverPiHi), *lo);
  }
  // Float lanes: 2u = K·x·w, w = 1 + A·x² as w + w_lo (its FMA's residual exact: 1 − w is,
  // for w <= 5.04 at |x| <= 9.5, and beyond, σ(2u) = 1 whatever 2u's low bits), then x·w and
  // K times it, each with its product error: 15 operations where cubic's x³, its TwoSum with
  // x and the two splits took 20. The same worst errors over every float (gelu_tanh 2.08,
  // gelu_tanh′ 2.46; AVX2 2.09, 2.44); one thread, 4 Ki floats, pinned, best of 10
  // alternated processes: forward 0.943 -> 0.822 ns/elem on AVX2, 0.617 -> 0.581 on AVX-512.
  // kCubed3: x·(2u)' = K·x·(1 + 3A·x²) instead, the same way (q of the derivative).
  template <bool kCubed3 = false, class D>
  static HWY_INLINE void two_u_float(D d, V<D> x, V<D>* hi, V<D>* lo) {
    constexpr double kA = kCubed3 ? kGeluTanh3AHi : kGeluTanhAHi;
    constexpr double kALoD = kCubed3 ? kGeluTanh3ALo : kGeluTanhALo;
    constexpr float kAHi = static_cast<float>(kA);
    constexpr float kALo = static_cast<float>((kA - static_cast<double>(kAHi)) + kALoD);
    constexpr float kKHi = static_cast<float>(kTwoSqrt2OverPiHi);
    constexpr float kKLo = static_cast<float>((kTwoSqrt2OverPiHi - static_cast<double>(kKHi)) + kTwoSqrt2OverPiLo);
    const V<D> one = Num(d, 1.0);
    const V<D> x2 = hn::Mul(x, x);
    const V<D> x2_lo = hn::MulSub(x, x, x2);
    const V<D> w = hn::MulAdd(Num(d, kAHi), x2, one);
    V<D> w_lo = hn::MulAdd(Num(d, kAHi), x2, hn::Sub(one, w));
    w_lo = hn::MulAdd(Num(d, kAHi), x2_lo, hn::MulAdd(Num(d, kALo), x2, w_lo));
    const V<D> p = hn::Mul(x, w);
    const V<D> p_lo = hn::MulAdd(x, w_lo, hn::MulSub(x, w, p));
    *hi = hn::Mul(p, Num(d, kKHi));
    *lo = hn::MulAdd(p_lo, Num(d, kKHi), hn::MulAdd(p, Num(d, kKLo), hn::MulSub(p, Num(d, kKHi), *hi)));
  }
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    V<D> hi, lo;
    two_u(d, x, &hi, &lo);
    return GatedSigmoidOf(d, x, hi, lo);
  }
  // σ(2u) + x·σ(2u)σ(−2u)·(2u)'; the product is 0 (not 0·inf) where σσ underflows.
  // Float lanes: σ(2u)·(1 + q·σ(−2u)) with q = x·(2u)' in two parts (SigmoidGateDfFloat),
  // and δ·p(δ) within kGateDfNear of the zero x = −0.7525 (kGeluTanhDfP, kGeluTanhDfP0Lo).
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    V<D> hi, lo;
    two_u(d, x, &hi, &lo);
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      V<D> q, q_lo;
      two_u_float<true>(d, x, &q, &q_lo);
      const V<D> g = SigmoidGateDfFloat(d, hi, lo, q, q_lo);
      // no NegativeTailZero: float lanes keep 2u >= −75, where g is a normal float
      return NearZero(d, g, x, hn::Zero(d), kGeluTanhDfRootHi, kGeluTanhDfRootLo, kGateDfNear, kGeluTanhDfP,
                      kGeluTanhDfP0Lo);
    }
    const Logistic<D> l = LogisticOf(d, hi, lo);
    const V<D> du2 = hn::Mul(hn::MulAdd(hn::Mul(x, x), Num(d, 3.0 * 0.044715), Num(d, 1.0)),
                             Num(d, 1.5957691216057307117597842397375));
    const V<D> term = hn::IfThenZeroElse(hn::Eq(l.product, hn::Zero(d)), hn::Mul(hn::Mul(x, l.product), du2));
    return NegativeTailZero(d, x, hn::Add(l.sigma, term));
  }
};

struct mish_k : ExpNormalLanes {
  static constexpr Cost kCostForward = Cost::kHeavy;
  static constexpr Cost kCostBackward = Cost::kHeavy;
  // Float lanes: x·n/(n + 2), n = E(E + 2), E = e^min(x, 12) (beyond 12, n/(n + 2) rounds
  // x·t to x). Nothing is rounded before the end: E is the exp's head + tail (ExpNormal: on
  // AVX-512 and AVX2 the table exp, 0.61 ulp; 4 Ki floats, one thread, forward 0.732 -> 0.608 and
  // backward 1.390 -> 1.137 ns/elem, the same 0.80 / 1.15 ulp over every float), n = E² + 2E
  // by TwoProd and 2Sum, n + 2 by 2Sum, and t = n/(n + 2) as a quotient plus its
  // residual correction, so x·t rounds once. (A first float version that rounded each
  // step measured 5 ulp at x = −6.766.)
  template <class D>
  struct Parts {
    V<D> e, e_lo;      // E = e^min(x, 12)
    V<D> sq, sq_lo;    // E²
    V<D> n, n_lo;      // E² + 2E
    V<D> den, den_lo;  // n + 2
    V<D> inv;          // 1/den, to 2^-28 (Reciprocal)
  };
  template <class D>
  static HWY_INLINE Parts<D> parts(D d, V<D> x) {
    const V<D> two = Num(d, 2.0);
    Parts<D> r;
    r.e = ExpNormal<false>(d, hn::Min(x, Num(d, 12.0)), hn::Zero(d), &r.e_lo);
    r.sq = hn::Mul(r.e, r.e);
    r.sq_lo = ProductError(d, r.e, r.e, r.sq);
    TwoSum<D>(hn::Add(r.e, r.e), r.sq, &r.n, &r.n_lo);
    // + the square's error and (2E + 2)·e_lo, E's tail to first order
    r.n_lo = hn::Add(r.n_lo, hn::MulAdd(hn::MulAdd(r.e, two, two), r.e_lo, r.sq_lo));
    TwoSum<D>(r.n, two, &r.den, &r.den_lo);
    r.den_lo = hn::Add(r.den_lo, r.n_lo);
    r.inv = Reciprocal(d, r.den);
    return r;
  }
  // (a + a_lo)/(den + den_lo) as q + q_lo
  template <class D>
  static HWY_INLINE void divide(const Parts<D>& m, V<D> a, V<D> a_lo, V<D>* q, V<D>* q_lo) {
    DivideParts<D>(a, a_lo, m.den, m.den_lo, m.inv, q, q_lo);
  }
  template <class D>
  static HWY_INLINE V<D> fwd_float(D d, V<D> x) {
    const Parts<D> m = parts(d, x);
    V<D> t, t_lo;
    divide(m, m.n, m.n_lo, &t, &t_lo);
    const V<D> r = hn::MulAdd(x, t, hn::Mul(x, t_lo));
    return hn::IfThenElse(hn::Eq(x, hn::Zero(d)), x, r);  // ±0 keeps its sign (x·t_lo may be +0)
  }
  // f' = t + x·σ(x)·(1 − t²) = (n·den + 4x·E(1 + E))/den², as (n + 1) = (1 + E)²: the
  // numerator's two products as hi + lo and summed by 2Sum (they cancel towards the zero
  // at x = −1.1924, where δ·p(δ) takes over within kGateDfNear: kMishDfP, kMishDfP0Lo),
  // then one division by den² (in two parts) with a residual step. Beyond x = 12 (E's
  // clamp) f' rounds to 1. Against two divisions by den and a window of 0.2: 1.15 -> 1.01
  // ulp over every float, 1.226 -> 1.172 ns/elem (one thread, 4 Ki floats).
  template <class D>
  static HWY_INLINE V<D> df_float(D d, V<D> x) {
    const Parts<D> m = parts(d, x);
    V<D> f, f_lo;  // E² + E
    TwoSum<D>(m.sq, m.e, &f, &f_lo);
    f_lo = hn::Add(f_lo, hn::MulAdd(hn::MulAdd(m.e, Num(d, 2.0), Num(d, 1.0)), m.e_lo, m.sq_lo));
    const V<D> a = hn::Mul(m.n, m.den);
    const V<D> a_lo = hn::MulAdd(m.n, m.den_lo, hn::MulAdd(m.n_lo, m.den, ProductError(d, m.n, m.den, a)));
    const V<D> x4 = hn::Mul(x, Num(d, 4.0));
    const V<D> b = hn::Mul(x4, f);
    const V<D> b_lo = hn::MulAdd(x4, f_lo, ProductError(d, x4, f, b));
    V<D> num, num_lo;
    TwoSum<D>(a, b, &num, &num_lo);
    num_lo = hn::Add(num_lo, hn::Add(a_lo, b_lo));
    // den² = d2 + d2_lo
    const V<D> d2 = hn::Mul(m.den, m.den);
    const V<D> d2_lo = hn::MulAdd(hn::Add(m.den, m.den), m.den_lo, ProductError(d, m.den, m.den, d2));
    const V<D> q = DivideRounded<D>(num, num_lo, d2, d2_lo, ReciprocalEstimate(d, d2));
    const V<D> r = hn::IfThenElse(hn::Gt(x, Num(d, 12.0)), Num(d, 1.0), q);
    return NearZero(d, r, x, hn::Zero(d), kMishDfRootHi, kMishDfRootLo, kGateDfNear, kMishDfP, kMishDfP0Lo);
  }
  // Double lanes: tanh(softplus(x)) = n/(n + 2), n = e^x(e^x + 2); om = 1 − tanh(sp) =
  // 2/(n + 2). For x > 20, with q = e^−x: om = 2q²/(1 + 2q + 2q²).
  template <class D>
  static void gate(D d, V<D> x, V<D>* t, V<D>* om) {
    const V<D> e = ExpNonPositive(d, hn::Min(x, Num(d, 0.0)));
    const V<D> ep = hn::Exp(d, hn::Min(hn::Max(x, Num(d, 0.0)), Num(d, 20.0)));
    const V<D> ex = hn::IfThenElse(hn::Gt(x, hn::Zero(d)), ep, e);  // e^min(x, 20)
    const V<D> n = hn::Mul(ex, hn::Add(ex, Num(d, 2.0)));
    const V<D> om_small = hn::Div(Num(d, 2.0), hn::Add(n, Num(d, 2.0)));
    const V<D> t_small = hn::Div(n, hn::Add(n, Num(d, 2.0)));
    const V<D> q = ExpNonPositive(d, hn::Neg(hn::Max(x, Num(d, 20.0))));
    const V<D> q2 = hn::Mul(q, q);
    const V<D> om_big = hn::Div(hn::Add(q2, q2), hn::MulAdd(Num(d, 2.0), hn::Add(q, q2), Num(d, 1.0)));
    const auto big = hn::Gt(x, Num(d, 20.0));
    *om = hn::IfThenElse(big, om_big, om_small);
    *t = hn::IfThenElse(big, hn::Sub(Num(d, 1.0), om_big), t_small);
  }
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      return fwd_float(d, x);
    } else {
      V<D> t, om;
      gate(d, x, &t, &om);
      return hn::Mul(x, t);
    }
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) return df_float(d, x);
    V<D> t, om;
    gate(d, x, &t, &om);
    const V<D> one_minus_t2 = hn::Mul(om, hn::Sub(Num(d, 2.0), om));
    return NegativeTailZero(d, x, hn::MulAdd(hn::Mul(x, LogisticOf(d, x).sigma), one_minus_t2, t));
  }
};

// ---------------------------------------------------------------- sigmoid family

struct sigmoid_k {
  static constexpr Cost kCostForward = Cost::kMedium;
  static constexpr Cost kCostBackward = Cost::kMedium;
  static constexpr bool kNativeF32Forward = true;      // within the catalog's ulp bound on float lanes
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' (and f' from y) too
  // Vectors with every |x| <= 87 (e^−|x| a normal float) take the normal-only exp; the
  // others, NaN and ±inf among them, the general one, where e^−|±inf| = 0 gives σ = 1 or
  // 0 and σσ′ = 0 by themselves and a NaN is passed on here (the exp's clamp would turn
  // it into a number). So no vector needs dispatch.cc's special-value test. The forward
  // and the derivative of those normal vectors are single quotients (LogisticNormal,
  // LogisticDerivativeNormal); softplus′ and log_sigmoid′ keep LogisticOf's σ (softplus′
  // must stay within libtorch's 2.40 ulp).
  // Normal: |x| <= 87, where e^−|x| is a normal float. Vectors with a lane beyond give
  // their normal lanes the normal path's bits (a lane's value never depends on its
  // neighbours).
  template <class D>
  static HWY_INLINE auto Normal(D d, V<D> x) {
    return hn::Le(hn::Abs(x), Num(d, 87.0));
  }
  // Any lane (the general path; a NaN comes out as it went in).
  template <class D>
  static HWY_INLINE Logistic<D> logistic_any(D d, V<D> x) {
    const Logistic<D> l = LogisticOf(d, x);
    const auto nan = hn::IsNaN(x);
    return {hn::IfThenElse(nan, x, l.sigma), hn::IfThenElse(nan, x, l.sigma_neg), hn::IfThenElse(nan, x, l.product)};
  }
  template <class D>
  static HWY_INLINE Logistic<D> logistic(D d, V<D> x) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      const auto normal = Normal(d, x);
      if (HWY_LIKELY(hn::AllTrue(d, normal))) return LogisticOf<true>(d, x);
      const Logistic<D> n = LogisticOf<true>(d, x);
      const Logistic<D> r = logistic_any(d, x);
      return {hn::IfThenElse(normal, n.sigma, r.sigma), hn::IfThenElse(normal, n.sigma_neg, r.sigma_neg),
              hn::IfThenElse(normal, n.product, r.product)};
    }
    return logistic_any(d, x);
  }
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      const auto normal = Normal(d, x);
      if (HWY_LIKELY(hn::AllTrue(d, normal))) return LogisticNormal(d, x);
      return hn::IfThenElse(normal, LogisticNormal(d, x), logistic_any(d, x).sigma);
    }
    return logistic_any(d, x).sigma;
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      const auto normal = Normal(d, x);
      if (HWY_LIKELY(hn::AllTrue(d, normal))) return LogisticDerivativeNormal(d, x);
      return hn::IfThenElse(normal, LogisticDerivativeNormal(d, x), logistic_any(d, x).product);
    }
    return logistic_any(d, x).product;
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params&) {
    return hn::Mul(y, hn::Sub(Num(d, 1.0), y));
  }
};

struct log_sigmoid_k {
  static constexpr Cost kCostForward = Cost::kHeavy;
  static constexpr Cost kCostBackward = Cost::kMedium;
  static constexpr Cost kCostFromY = Cost::kMedium;
  static constexpr bool kNativeF32Forward = true;  // within the catalog's ulp bound on float lanes
  // (no kExactSpecialsForward: the −0 below would answer +inf, where PyTorch gives +0)
  static constexpr bool kNativeF32Backward = true;
  // min(x, 0) − log1p(e^−|x|)
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    const V<D> r = hn::Sub(hn::Min(x, hn::Zero(d)), Log1pExpNeg(d, x));
    return hn::IfThenElse(hn::Eq(r, hn::Zero(d)), Num(d, -0.0), r);  // negative, so −0 where it underflows
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    return sigmoid_k::logistic(d, x).sigma_neg;
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params&) {
    return hn::IfThenZeroElse(hn::Eq(y, hn::Zero(d)),
                              hn::Neg(Expm1NonPositive(d, hn::Min(y, hn::Zero(d)))));  // σ(−x) >= +0
  }
};

struct tanh_k {
  static constexpr Cost kCostForward = Cost::kMedium;
  static constexpr Cost kCostBackward = Cost::kMedium;
  static constexpr bool kNativeF32Forward = true;  // within the catalog's ulp bound on float lanes
  // A NaN reaches the exp (or the table's t) and comes out; ±inf give ±1 (the min with
  // 9.5 or the max with −40 hold them).
  static constexpr bool kExactSpecialsForward = kMinMaxPassNaN;
  static constexpr bool kNativeF32Backward = true;
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      return TanhFloatLanes(d, x);  // ~1 ulp; Highway's Tanh measured 2.72 in float
    } else {
      return hn::Tanh(d, x);
    }
  }
  // 1 − tanh²(x) = 4σ(2x)σ(−2x): keeps the tails where 1 − y² is 0. On float lanes,
  // beyond |x| = 20 (where σ(2x)σ(−2x) = e^(−2|x|) to the last bit), 4·e^(−2|x|) is one
  // exp of ln4 − 2|x| in two parts: four times a rounded e^(−2|x|) flushed to 0 from
  // |x| ≈ 51.9, where the derivative is still a subnormal float (the accuracy sweep).
  // Vectors with no lane beyond 20 (e^(−2|x|) >= e^−40, a normal float) take the
  // normal-only exp.
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      const auto tail = hn::Gt(hn::Abs(x), Num(d, 20.0));
      const V<D> inner = hn::Mul(Num(d, 4.0), LogisticDerivativeNormal(d, hn::Add(x, x)));
      if (HWY_LIKELY(hn::AllFalse(d, tail))) return inner;
      // The other vectors: the lanes within 20 keep the bits above (a lane's value never
      // depends on its neighbours); NaN lanes are dispatch.cc's.
      V<D> hi;
      V<D> lo;
      TwoSum<D>(Num(d, 0x1.62e43p+0), hn::Neg(hn::Add(hn::Abs(x), hn::Abs(x))), &hi, &lo);  // ln4 (float) − 2|x|
      return hn::IfThenElse(tail, ExpFloatLanes<false>(d, hi, hn::Add(lo, Num(d, -0x1.05c610ca86c39p-28))), inner);
    } else {
      return hn::Mul(Num(d, 4.0), LogisticOf(d, hn::Add(x, x)).product);
    }
  }
  template <class D>
  static HWY_INLINE V<D> df_y(D d, V<D> y, const Params&) {
    return hn::Mul(hn::Sub(Num(d, 1.0), y), hn::Add(Num(d, 1.0), y));
  }
};

// softplus at beta = 1 (the default): the dispatch runs this (Alias) forward and backward.
// It drops the multiplication x·beta and the division by beta, exact at beta = 1, and the
// per-vector test of beta, so the bits do not change.
struct softplus_unit_k {
  static constexpr bool kNativeF32Forward = true;
  static constexpr bool kExactSpecialsForward = true;
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params& p) {
    return hn::IfThenElse(hn::Gt(x, Num(d, p[1])), x, Softplus(d, x));
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params& p) {
    return hn::IfThenElse(hn::Gt(x, Num(d, p[1])), Num(d, 1.0), sigmoid_k::logistic(d, x).sigma);
  }
};

struct softplus_k {
  static constexpr Cost kCostForward = Cost::kHeavy;
  static constexpr Cost kCostBackward = Cost::kMedium;
  static constexpr bool kNativeF32Forward = true;      // within the catalog's ulp bound on float lanes
  static constexpr bool kExactSpecialsForward = true;  // NaN, ±inf come out as the reference's
  static constexpr bool kNativeF32Backward = true;
  static constexpr bool kExactSpecialsBackward = true;  // f' too (sigmoid_k::logistic)
  using Alias = softplus_unit_k;
  static bool alias_applies(const Params& p) { return p[0] == 1.0; }
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params& p) {
    const V<D> t = hn::Mul(x, Num(d, p[0]));
    const V<D> sp = Softplus(d, t);
    return hn::IfThenElse(hn::Gt(t, Num(d, p[1])), x, p[0] == 1.0 ? sp : hn::Div(sp, Num(d, p[0])));
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params& p) {
    const V<D> t = hn::Mul(x, Num(d, p[0]));
    return hn::IfThenElse(hn::Gt(t, Num(d, p[1])), Num(d, 1.0), sigmoid_k::logistic(d, t).sigma);
  }
};

struct softsign_k {
  static constexpr Cost kCostBackward = Cost::kMedium;
  static constexpr bool kNativeF32Forward = true;    // forward on float lanes (see native_ok);
  static constexpr bool kNativeF32Backward = false;  // f' has an interior zero: double lanes
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    return hn::Div(x, hn::Add(Num(d, 1.0), hn::Abs(x)));
  }
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    const V<D> a = hn::Add(Num(d, 1.0), hn::Abs(x));
    return hn::Div(Num(d, 1.0), hn::Mul(a, a));
  }
};

struct squareplus_k {
  static constexpr Cost kCostForward = Cost::kMedium;
  static constexpr Cost kCostBackward = Cost::kHeavy;
  // Float lanes on the FMA targets for a b that is a float, not far below 1 (b/2 and b/4
  // then are floats too, and normal).
  static constexpr bool kNativeF32Forward = HWY_NATIVE_FMA != 0;
  static constexpr bool kNativeF32Backward = HWY_NATIVE_FMA != 0;
  static bool float_exact_params(const Params& p) {
    return static_cast<double>(static_cast<float>(p[0])) == p[0] && p[0] >= 0x1p-100;
  }
  // s = √(x² + b), which is |x| exactly once x² swamps b (and before x² overflows).
  template <class D>
  static V<D> root(D d, V<D> x, double b) {
    return hn::IfThenElse(hn::Lt(hn::Abs(x), Num(d, 1e100)), hn::Sqrt(hn::MulAdd(x, x, Num(d, b))), hn::Abs(x));
  }
  // Float lanes, a = min(|x|, 2^60) (beyond, b/x² < 2^-80: s = |x| to the last bit, and the
  // caller takes the closed forms): x² + b = t + t_lo exactly (FMA, 2Sum), s = √t + s_lo
  // (the root's remainder t − s² by FMA, over 2s by a 12-bit reciprocal), and
  // u = s + a + s_lo as u_hi + u_lo (Fast2Sum: s >= a). The forward is u/2 for x >= 0 and
  // (b/2)/u below; every quotient takes its remainder (DivideRounded), so each result rounds
  // about once.
  template <class D>
  struct Root {
    V<D> s, s_lo, u, u_lo;
  };
  template <class D>
  static HWY_INLINE Root<D> root_float(D d, V<D> x, float b) {
    const V<D> a = hn::Min(hn::Abs(x), Num(d, 0x1p60));
    const V<D> x2 = hn::Mul(a, a);
    V<D> t, t_lo;
    TwoSum<D>(x2, Num(d, b), &t, &t_lo);
    t_lo = hn::Add(t_lo, hn::MulSub(a, a, x2));
    const V<D> sr = hn::Sqrt(t);
    const V<D> s_lo =
        hn::Mul(hn::Add(hn::NegMulAdd(sr, sr, t), t_lo), hn::Mul(Num(d, 0.5), hn::ApproximateReciprocal(sr)));
    const V<D> u = hn::Add(sr, a);
    const V<D> u_lo = hn::Add(hn::Sub(a, hn::Sub(u, sr)), s_lo);
    return {sr, s_lo, u, u_lo};
  }
  // (x + s)/2 for x >= 0; b/(2(s − x)) for x < 0, where x + s would cancel.
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params& p) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      const auto b = static_cast<float>(p[0]);
      const Root<D> r = root_float(d, x, b);
      const V<D> pos = hn::Mul(hn::Add(r.u, r.u_lo), Num(d, 0.5));
      const V<D> neg = DivideRounded<D>(Num(d, 0.5 * b), hn::Zero(d), r.u, r.u_lo, ReciprocalEstimate(d, r.u));
      const auto big = hn::Ge(hn::Abs(x), Num(d, 0x1p60));
      if (HWY_LIKELY(hn::AllFalse(d, big))) {
        return hn::IfThenElse(hn::Ge(x, hn::Zero(d)), pos, neg);
      }
      const V<D> neg_big = hn::Div(Num(d, 0.25 * b), hn::Abs(x));  // b/(4|x|), once rounded
      return hn::IfThenElse(hn::Ge(x, hn::Zero(d)), hn::IfThenElse(big, x, pos), hn::IfThenElse(big, neg_big, neg));
    } else {
      const V<D> s = root(d, x, p[0]);
      const V<D> pos = hn::Mul(hn::Add(x, s), Num(d, 0.5));
      const V<D> neg = hn::Div(Num(d, p[0]), hn::Mul(hn::Sub(s, x), Num(d, 2.0)));
      return hn::IfThenElse(hn::Ge(x, hn::Zero(d)), pos, neg);
    }
  }
  // (1 + x/s)/2 = u/(2s) for x >= 0; b/(2s(s − x)) = (b/2)/(s·u) for x < 0.
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params& p) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      const auto b = static_cast<float>(p[0]);
      const Root<D> r = root_float(d, x, b);
      const V<D> pos = hn::Mul(DivideRounded<D>(r.u, r.u_lo, r.s, r.s_lo, ReciprocalEstimate(d, r.s)), Num(d, 0.5));
      const V<D> su = hn::Mul(r.s, r.u);
      const V<D> su_lo = hn::MulAdd(r.s, r.u_lo, hn::MulAdd(r.s_lo, r.u, hn::MulSub(r.s, r.u, su)));
      const V<D> neg = DivideRounded<D>(Num(d, 0.5 * b), hn::Zero(d), su, su_lo, ReciprocalEstimate(d, su));
      const auto big = hn::Ge(hn::Abs(x), Num(d, 0x1p60));
      if (HWY_LIKELY(hn::AllFalse(d, big))) {
        return hn::IfThenElse(hn::Ge(x, hn::Zero(d)), pos, neg);
      }
      // b/(4x²) as (b/4)/|x| = q1 + e1/|x|, then over |x| again with both remainders (two
      // plain divisions measured 1.20 ulp at x = −1.6e18).
      const V<D> ax = hn::Abs(x);
      const V<D> inv = hn::ApproximateReciprocal(ax);
      const V<D> q1 = hn::Div(Num(d, 0.25 * b), ax);
      const V<D> e1 = hn::NegMulAdd(q1, ax, Num(d, 0.25 * b));
      const V<D> q2 = hn::Div(q1, ax);
      const V<D> neg_big = hn::MulAdd(hn::MulAdd(e1, inv, hn::NegMulAdd(q2, ax, q1)), inv, q2);
      return hn::IfThenElse(hn::Ge(x, hn::Zero(d)), hn::IfThenElse(big, Num(d, 1.0), pos),
                            hn::IfThenElse(big, neg_big, neg));
    } else {
      const V<D> s = root(d, x, p[0]);
      const V<D> pos = hn::Mul(hn::Add(Num(d, 1.0), hn::Div(x, s)), Num(d, 0.5));
      const V<D> neg = hn::Div(Num(d, p[0]), hn::Mul(hn::Mul(s, hn::Sub(s, x)), Num(d, 2.0)));
      return hn::IfThenElse(hn::Ge(x, hn::Zero(d)), pos, neg);
    }
  }
};

struct tanhshrink_k {
  static constexpr Cost kCostForward = Cost::kHeavy;
  static constexpr Cost kCostBackward = Cost::kMedium;
  // Float lanes need the FMA (exact products and remainders); elsewhere double lanes.
  static constexpr bool kNativeF32Forward = HWY_NATIVE_FMA != 0;
  template <class D>
  static HWY_INLINE V<D> fwd(D d, V<D> x, const Params&) {
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      return TanhshrinkFloatLanes(d, x);
    } else {
      return Tanhshrink(d, x);
    }
  }
  // tanh² x: on float lanes tanh_k's float kernel (about an ulp), then one rounding of the
  // square; no cancellation anywhere (x² near 0, 1 beyond). Without an FMA (SSE4) that
  // tanh's error doubled in the square measured 3.63 ulp at x = −0.851: double lanes there.
  static constexpr bool kNativeF32Backward = HWY_NATIVE_FMA != 0;
  template <class D>
  static HWY_INLINE V<D> df(D d, V<D> x, const Params&) {
    V<D> t;
    if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) {
      t = TanhFloatLanes(d, x);
    } else {
      t = hn::Tanh(d, x);
    }
    return hn::Mul(t, t);
  }
};

// NOLINTEND(readability-identifier-naming)
}  // namespace actlab::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
