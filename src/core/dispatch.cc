// dispatch.cc — the array kernels: compiled once per SIMD target, chosen at run time.
//
// It re-includes itself once per target Highway can build for (SSE4, AVX2, AVX-512,
// and a portable EMU128 fallback on x86; hwy/foreach_target.h), and HWY_DYNAMIC_DISPATCH
// picks the best one the CPU supports the first time a kernel runs. The row kernels
// (softmax family, cross-entropy) do the same in dispatch_rows.cc.
//
// General structure of every call:
//   1. activation.cc has validated the spans and parameters;
//   2. the reference's values at NaN, +inf and −inf for this (row, parameters)
//      are looked up (cached per thread), so special-value semantics have one source;
//   3. the array is split into chunks for the thread pool from kParallelMinElements, or
//      from 4 or 8 Ki elements for the rows whose kernels cost more (split_from);
//   4. each chunk runs a map skeleton: whole vectors, then one buffered tail.
#include <algorithm>
#include <cctype>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "dispatch.cc"
#include "hwy/cache_control.h"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/activations-inl.h"

#ifndef ACTLAB_DISPATCH_ONCE_
#define ACTLAB_DISPATCH_ONCE_
// The lambdas of the per-vector path are always inlined. Left to GCC, the bodies of the
// larger rows (silu, mish, gelu, and most backward rows) became functions called once per
// vector, which reload every constant on each call.
#if defined(__GNUC__) || defined(__clang__)
#define ACTLAB_INLINE_LAMBDA __attribute__((always_inline))
#else
#define ACTLAB_INLINE_LAMBDA
#endif
namespace actlab::detail {
enum class Which { kForward, kDerivative, kDerivativeFromY };
// Values of one row at the three non-finite inputs, blended into those lanes.
struct Specials {
  double nan;
  double pos_inf;
  double neg_inf;
  // This call's output is larger than the caches: non-temporal stores.
  bool stream = false;
  // The kernel's work per element: where its arrays start to be split (split_from).
  kernels::Cost cost = kernels::Cost::kLight;
};
}  // namespace actlab::detail
#endif

HWY_BEFORE_NAMESPACE();
namespace actlab::kernels::HWY_NAMESPACE {
// The SIMD kernels follow Highway's naming (CamelCase operations, N for the lane count).
// NOLINTBEGIN(readability-identifier-naming)

using detail::Specials;

// Lane types: kernels compute in double (DD); float arrays either load
// half-width float vectors and promote them (DF), or, for rows whose float
// arithmetic is exact or rounds once, compute natively on full-width floats (DN).
using DD = hn::ScalableTag<double>;
using DF = hn::Rebind<float, DD>;
using DN = hn::ScalableTag<float>;

HWY_INLINE V<DD> LoadLanes(DD dd, const double* p) { return hn::LoadU(dd, p); }
HWY_INLINE V<DD> LoadLanes(DD dd, const float* p) { return hn::PromoteTo(dd, hn::LoadU(DF(), p)); }
HWY_INLINE V<DN> LoadLanes(DN dn, const float* p) { return hn::LoadU(dn, p); }
HWY_INLINE void StoreLanes(DD dd, V<DD> v, double* p) { hn::StoreU(v, dd, p); }
HWY_INLINE void StoreLanes(DN dn, V<DN> v, float* p) { hn::StoreU(v, dn, p); }
HWY_INLINE void StoreLanes(DD, V<DD> v, float* p) {
#if HWY_TARGET == HWY_SCALAR
  *p = static_cast<float>(hn::GetLane(v));  // Highway's scalar DemoteTo saturates ±inf to ±FLT_MAX
#else
  hn::StoreU(hn::DemoteTo(DF(), v), DF(), p);
#endif
}

// The reference's values where x is NaN or ±inf (rare: one test per vector).
template <class D>
HWY_INLINE V<D> PatchSpecials(D d, V<D> x, V<D> r, const Specials& s) {
  if (HWY_LIKELY(!AnyNonFinite(d, x))) return r;
  r = hn::IfThenElse(hn::IsNaN(x), Num(d, s.nan), r);
  const auto inf = hn::IsInf(x);
  r = hn::IfThenElse(hn::And(inf, hn::Gt(x, hn::Zero(d))), Num(d, s.pos_inf), r);
  return hn::IfThenElse(hn::And(inf, hn::Lt(x, hn::Zero(d))), Num(d, s.neg_inf), r);
}

// The map skeleton: `vec(i)` computes the whole vector at element i, stored to y + i;
// `partial(i, count)` does count < N elements through a stack buffer (one tail path; no
// masked load may read past the array). Full-width stores start at the first
// vector-aligned element of y, the elements before it taking the partial path: a store
// that straddles two cache lines costs two (relu at 4 Ki floats, x and y 16 bytes off
// alignment: 303-313 ns per call, 194 with the stores aligned, which aligns x too when
// it shares y's alignment, and 247 when it does not). Calls that write more than the
// caches hold (`stream`, from the array size) store non-temporally, so the output does
// not first read y into the cache.
// Float arrays on float lanes take two vectors a step. A one-vector loop of relu (load-max,
// store, count) ran at 2.1 cycles a vector on Zen 4 where relu6's, one instruction longer,
// ran at 1.3: the shorter loop's 30 bytes straddled a 64-byte line of the op cache
// (`-falign-loops=64` did not move it). Two a step, AVX2, 4 Ki floats: relu 0.073 → 0.039
// ns/elem, leaky_relu 0.056 → 0.045, hardsigmoid 0.073 → 0.051–0.056, elu 0.293 → 0.277,
// selu 0.365 → 0.343, the other exp rows within ±1 %; double lanes keep one a step (their
// code would grow by as much again for rows that run at 2–8 cycles a vector anyway).
// The streaming loop prefetches its inputs kStreamAheadBytes ahead (`ahead(i)` issues the
// prefetches for element i). On the Intel Xeon of sessions 26–27 the hardware prefetcher
// did not keep the exp rows' loads ahead: from DRAM they ran at about their time in cache
// plus the copy's. With the prefetch, 16 Mi floats, AVX2, one thread, pinned (`h` harness,
// best of 3): tanh 0.68–1.59 -> 0.45–0.48 ns/elem (0.49 in cache), sigmoid 0.43–0.65 ->
// 0.33–0.35, gelu 2.22 -> 1.17, mish 2.08 -> 0.83, tanh′ 0.83 -> 0.46, hardswish′ 0.57 ->
// 0.41, relu 0.29 -> 0.28; 512, 2048 and 8192 floats ahead measured alike. Not measured
// on AMD Zen 4, whose hardware prefetcher kept up with the softmax rows (there the rows'
// bursts of prefetches cost; softmax-inl.h).
constexpr std::size_t kStreamAheadBytes = std::size_t{8} << 10;
template <class D, typename T, class Vec, class Partial, class Ahead>
HWY_INLINE void MapSkeleton(D d, T* y, std::size_t n, bool stream, Vec vec, Partial partial, Ahead ahead) {
  const std::size_t N = hn::Lanes(d);
  std::size_t i = 0;
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(T)) {  // full-width stores only
    const auto addr = reinterpret_cast<std::uintptr_t>(y);
    if (n >= 4 * N && addr % sizeof(T) == 0) {
      const std::size_t misaligned = addr % (N * sizeof(T)) / sizeof(T);
      if (misaligned != 0) {
        partial(0, N - misaligned);
        i = N - misaligned;
      }
      if (stream) {
        constexpr std::size_t kAhead = kStreamAheadBytes / sizeof(T);
        const std::size_t ahead_end = n > kAhead ? n - kAhead : 0;
        for (; i + N <= ahead_end; i += N) {
          ahead(i + kAhead);
          hn::Stream(vec(i), d, y + i);
        }
        for (; i + N <= n; i += N) hn::Stream(vec(i), d, y + i);
        if (i < n) partial(i, n - i);
        hwy::FlushStream();
        return;
      }
    }
  }
  if constexpr (std::is_same_v<hn::TFromD<D>, float> && std::is_same_v<T, float>) {
    for (; i + 2 * N <= n; i += 2 * N) {
      StoreLanes(d, vec(i), y + i);
      StoreLanes(d, vec(i + N), y + i + N);
    }
  }
  for (; i + N <= n; i += N) StoreLanes(d, vec(i), y + i);
  if (i < n) partial(i, n - i);
}

// y[i] = f(x[i]) computed in lane type D; kPatch: blend in the reference's values at
// NaN and ±inf (rows whose f already returns them skip the per-vector test).
// The partial path is inlined too: called out of line, it took the address of f (and of the
// parameters f holds), so after every store the loop reloaded and re-converted them:
// hardtanh ran at 0.086 ns/elem against relu6's 0.045 (AVX2, 4 Ki floats), 0.038 inlined.
template <bool kPatch = true, class D, typename T, class F>
HWY_INLINE void MapUnary(D d, const T* x, T* y, std::size_t n, const Specials& s, F f) {
  const auto body = [&](V<D> vx) HWY_ATTR ACTLAB_INLINE_LAMBDA {
    if constexpr (kPatch) {
      return PatchSpecials(d, vx, f(d, vx), s);
    } else {
      return f(d, vx);
    }
  };
  MapSkeleton(
      d, y, n, s.stream, [&](std::size_t i) HWY_ATTR ACTLAB_INLINE_LAMBDA { return body(LoadLanes(d, x + i)); },
      [&](std::size_t i, std::size_t count) HWY_ATTR ACTLAB_INLINE_LAMBDA {
        alignas(64) T in[hn::MaxLanes(d)] = {};
        alignas(64) T out[hn::MaxLanes(d)];
        std::memcpy(in, x + i, count * sizeof(T));
        StoreLanes(d, body(LoadLanes(d, in)), out);
        std::memcpy(y + i, out, count * sizeof(T));
      },
      [&](std::size_t i) HWY_ATTR ACTLAB_INLINE_LAMBDA { hwy::Prefetch(x + i); });
}

// dx[i] = f'(x[i])·dy[i], with f' from x (or from y: the same skeleton); kPatch as in
// MapUnary.
template <bool kPatch = true, class D, typename T, class F>
HWY_INLINE void MapBackward(D d, const T* x, const T* dy, T* dx, std::size_t n, const Specials& s, F f) {
  const auto body = [&](V<D> vx, V<D> vg) HWY_ATTR ACTLAB_INLINE_LAMBDA {
    if constexpr (kPatch) {
      return hn::Mul(PatchSpecials(d, vx, f(d, vx), s), vg);
    } else {
      return hn::Mul(f(d, vx), vg);
    }
  };
  MapSkeleton(
      d, dx, n, s.stream,
      [&](std::size_t i) HWY_ATTR ACTLAB_INLINE_LAMBDA { return body(LoadLanes(d, x + i), LoadLanes(d, dy + i)); },
      [&](std::size_t i, std::size_t count) HWY_ATTR ACTLAB_INLINE_LAMBDA {
        alignas(64) T in[hn::MaxLanes(d)] = {};
        alignas(64) T grad[hn::MaxLanes(d)] = {};
        alignas(64) T out[hn::MaxLanes(d)];
        std::memcpy(in, x + i, count * sizeof(T));
        std::memcpy(grad, dy + i, count * sizeof(T));
        StoreLanes(d, body(LoadLanes(d, in), LoadLanes(d, grad)), out);
        std::memcpy(dx + i, out, count * sizeof(T));
      },
      [&](std::size_t i) HWY_ATTR ACTLAB_INLINE_LAMBDA {
        hwy::Prefetch(x + i);
        hwy::Prefetch(dy + i);
      });
}

// Rows say which directions may run natively on float lanes
// (kNativeF32Forward / kNativeF32Backward), float_exact_params(p) when
// comparisons against a parameter need it to be a float, and native_ok(d, x, p)
// when only some inputs are safe on float lanes.
template <class K>
concept NativeForward = K::kNativeF32Forward;
template <class K>
concept NativeBackward = K::kNativeF32Backward;
template <class K>
concept HasNativeOk = requires(DN d, V<DN> v, const Params& p) {
  K::native_ok(d, v, p);
};

// Rows whose forward returns the reference's values at NaN and ±inf by itself
// (kExactSpecialsForward; the kernel tests check those lanes bit-exact on every target).
template <class K>
concept ExactSpecialsForward = K::kExactSpecialsForward;
// The same for the derivative, from x and (where the row has it) from y.
template <class K>
concept ExactSpecialsBackward = K::kExactSpecialsBackward;

// Rows whose from-y derivative must run in double (kDoubleFromY).
template <class K>
concept DoubleFromY = requires {
  K::kDoubleFromY;
};

template <class K>
HWY_INLINE bool params_allow_native(const Params& p) {
  if constexpr (requires { K::float_exact_params(p); }) {
    return K::float_exact_params(p);
  } else {
    return true;
  }
}

// f on a float vector computed in double: split into halves, promote, compute, demote.
template <class F>
HWY_INLINE V<DN> ViaDouble(V<DN> vx, F f) {
  const DN dn;
  const DD dd;
  alignas(64) float in[hn::MaxLanes(dn)];
  alignas(64) float out[hn::MaxLanes(dn)];
  hn::StoreU(vx, dn, in);
  for (std::size_t j = 0; j < hn::Lanes(dn); j += hn::Lanes(dd)) {
    StoreLanes(dd, f(dd, LoadLanes(dd, in + j)), out + j);
  }
  return hn::LoadU(dn, out);
}

// MapUnary on float lanes, except lanes outside `ok`, which go through double. Lane by
// lane, so a value never depends on which neighbours share its vector (the streaming
// head and the thread chunks shift that grouping).
template <class F, class Ok>
HWY_INLINE void MapUnaryGuarded(const float* x, float* y, std::size_t n, const Specials& s, F f, Ok ok) {
  const DN d;
  const auto body = [&](V<DN> vx) HWY_ATTR ACTLAB_INLINE_LAMBDA {
    const auto fine = ok(d, vx);
    const V<DN> r = hn::AllTrue(d, fine) ? f(d, vx) : hn::IfThenElse(fine, f(d, vx), ViaDouble(vx, f));
    return PatchSpecials(d, vx, r, s);
  };
  MapSkeleton(
      d, y, n, s.stream, [&](std::size_t i) HWY_ATTR ACTLAB_INLINE_LAMBDA { return body(hn::LoadU(d, x + i)); },
      [&](std::size_t i, std::size_t count) HWY_ATTR ACTLAB_INLINE_LAMBDA {
        alignas(64) float in[hn::MaxLanes(d)] = {};
        alignas(64) float out[hn::MaxLanes(d)];
        std::memcpy(in, x + i, count * sizeof(float));
        hn::StoreU(body(hn::LoadU(d, in)), d, out);
        std::memcpy(y + i, out, count * sizeof(float));
      },
      [&](std::size_t i) HWY_ATTR ACTLAB_INLINE_LAMBDA { hwy::Prefetch(x + i); });
}

// Rows that are another row at some parameter values (swish at beta = 1 is silu) run that
// row's kernels there: Alias and alias_applies(p) in the row's struct. Forward and
// backward only; a parameter's own derivative stays the row's.
template <class K>
concept HasAlias = requires(const Params& p) {
  typename K::Alias;
  { K::alias_applies(p) } -> std::convertible_to<bool>;
};

// Every kernel lambda captures the parameters by value: Highway's stores may alias anything,
// so through a reference the compiler reloads and re-converts them for every vector (the
// piecewise rows with parameters measured 1.3–2× slower that way at 4 Ki).
template <class K, typename T>
HWY_INLINE void ForwardRow(const Params& p, const T* x, T* y, std::size_t n, const Specials& s) {
  if constexpr (HasAlias<K>) {
    if (K::alias_applies(p)) return ForwardRow<typename K::Alias>(p, x, y, n, s);
  }
  const auto f = [p](auto d, auto v) HWY_ATTR ACTLAB_INLINE_LAMBDA { return K::fwd(d, v, p); };
  if constexpr (std::is_same_v<T, float> && NativeForward<K>) {
    if (params_allow_native<K>(p)) {
      if constexpr (HasNativeOk<K>) {
        MapUnaryGuarded(x, y, n, s, f,
                        [p](DN d, V<DN> v) HWY_ATTR ACTLAB_INLINE_LAMBDA { return K::native_ok(d, v, p); });
      } else {
        MapUnary<!ExactSpecialsForward<K>>(DN(), x, y, n, s, f);
      }
      return;
    }
  }
  MapUnary<!ExactSpecialsForward<K>>(DD(), x, y, n, s, f);
}

// The lane type a backward runs in for array type T.
template <class K, typename T, class Run>
HWY_INLINE void BackwardLanes(const Params& p, Run run) {
  if constexpr (std::is_same_v<T, float> && NativeBackward<K>) {
    if (params_allow_native<K>(p)) return run(DN());
  }
  run(DD());
}

// f' on float lanes for the lanes where native_ok holds, in double for the others (as
// MapUnaryGuarded, lane by lane).
template <class K>
HWY_INLINE auto GuardedDf(const Params& p) {
  if constexpr (HasNativeOk<K>) {
    return [p](auto d, auto v) HWY_ATTR ACTLAB_INLINE_LAMBDA {
      const auto df = [p](auto dd, auto vv) HWY_ATTR ACTLAB_INLINE_LAMBDA { return K::df(dd, vv, p); };
      if constexpr (std::is_same_v<decltype(d), DN>) {
        const auto fine = K::native_ok(d, v, p);
        return hn::AllTrue(d, fine) ? df(d, v) : hn::IfThenElse(fine, df(d, v), ViaDouble(v, df));
      } else {
        return df(d, v);
      }
    };
  } else {
    return [p](auto d, auto v) HWY_ATTR ACTLAB_INLINE_LAMBDA { return K::df(d, v, p); };
  }
}

template <class K>
concept HasDfY = requires(DD d, V<DD> v, const Params& p) {
  K::df_y(d, v, p);
};

template <typename T>
void Forward(ActId id, const Params& p, const T* x, T* y, std::size_t n, const Specials& s) {
  switch (id) {
#define ACTLAB_ACT(id, ...) \
  case ActId::id:           \
    return ForwardRow<id##_k>(p, x, y, n, s);
#include "actlab/catalog.def"
#undef ACTLAB_ACT
  }
}

template <class K, typename T>
HWY_INLINE void BackwardRow(const Params& p, const T* x, const T* dy, T* dx, std::size_t n, const Specials& s) {
  if constexpr (HasAlias<K>) {
    if (K::alias_applies(p)) return BackwardRow<typename K::Alias>(p, x, dy, dx, n, s);
  }
  BackwardLanes<K, T>(
      p, [&](auto d) HWY_ATTR { MapBackward<!ExactSpecialsBackward<K>>(d, x, dy, dx, n, s, GuardedDf<K>(p)); });
}

template <typename T>
void Backward(ActId id, const Params& p, const T* x, const T* dy, T* dx, std::size_t n, const Specials& s) {
  switch (id) {
#define ACTLAB_ACT(id, ...) \
  case ActId::id:           \
    return BackwardRow<id##_k>(p, x, dy, dx, n, s);
#include "actlab/catalog.def"
#undef ACTLAB_ACT
  }
}

// Backward from y on float lanes where the row's backward is (1 − y, y + α: exact by
// Sterbenz near the bound, one rounding elsewhere; the kernel tests hold each row to
// its backward bound), in double where the row says so (kDoubleFromY).
template <class K, typename T>
HWY_INLINE void MapDfY(const Params& p, const T* y, const T* dy, T* dx, std::size_t n, const Specials& s) {
  if constexpr (HasDfY<K>) {
    const auto f = [p](auto dd, auto v) HWY_ATTR ACTLAB_INLINE_LAMBDA { return K::df_y(dd, v, p); };
    if constexpr (std::is_same_v<T, float> && NativeBackward<K> && !DoubleFromY<K>) {
      if (params_allow_native<K>(p)) return MapBackward<!ExactSpecialsBackward<K>>(DN(), y, dy, dx, n, s, f);
    }
    MapBackward<!ExactSpecialsBackward<K>>(DD(), y, dy, dx, n, s, f);
  }
}

// The catalog's kY flag and the kernel's df_y must agree (as in reference.cc).
#define ACTLAB_ACT(id, props, bwd, ...) \
  static_assert((BwdFrom::bwd == BwdFrom::kY) == HasDfY<id##_k>, #id ": kY in catalog.def iff the kernel has df_y");
#include "actlab/catalog.def"
#undef ACTLAB_ACT

template <typename T>
void BackwardFromY(ActId id, const Params& p, const T* y, const T* dy, T* dx, std::size_t n, const Specials& s) {
  switch (id) {
#define ACTLAB_ACT(id, ...) \
  case ActId::id:           \
    return MapDfY<id##_k>(p, y, dy, dx, n, s);
#include "actlab/catalog.def"
#undef ACTLAB_ACT
  }
}

template <class K>
constexpr Cost CostOf(detail::Which which) {
  Cost forward = Cost::kLight;
  Cost backward = Cost::kLight;
  Cost from_y = Cost::kLight;
  if constexpr (requires { K::kCostForward; }) forward = K::kCostForward;
  if constexpr (requires { K::kCostBackward; }) backward = K::kCostBackward;
  if constexpr (requires { K::kCostFromY; }) from_y = K::kCostFromY;
  if (which == detail::Which::kForward) return forward;
  return which == detail::Which::kDerivative ? backward : from_y;
}

Cost RowCost(ActId id, detail::Which which) {
  switch (id) {
#define ACTLAB_ACT(id, ...) \
  case ActId::id:           \
    return CostOf<id##_k>(which);
#include "actlab/catalog.def"
#undef ACTLAB_ACT
  }
  return Cost::kLight;
}

void ForwardF32(ActId id, const Params& p, const float* x, float* y, std::size_t n, const Specials& s) {
  Forward(id, p, x, y, n, s);
}
void ForwardF64(ActId id, const Params& p, const double* x, double* y, std::size_t n, const Specials& s) {
  Forward(id, p, x, y, n, s);
}
void BackwardF32(ActId id, const Params& p, const float* x, const float* dy, float* dx, std::size_t n,
                 const Specials& s) {
  Backward(id, p, x, dy, dx, n, s);
}
void BackwardF64(ActId id, const Params& p, const double* x, const double* dy, double* dx, std::size_t n,
                 const Specials& s) {
  Backward(id, p, x, dy, dx, n, s);
}
void BackwardFromYF32(ActId id, const Params& p, const float* y, const float* dy, float* dx, std::size_t n,
                      const Specials& s) {
  BackwardFromY(id, p, y, dy, dx, n, s);
}
void BackwardFromYF64(ActId id, const Params& p, const double* y, const double* dy, double* dx, std::size_t n,
                      const Specials& s) {
  BackwardFromY(id, p, y, dy, dx, n, s);
}

// NOLINTEND(readability-identifier-naming)
}  // namespace actlab::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "actlab/error.h"
#include "actlab/reference.h"
#include "kernels.h"
#include "parallel.h"

namespace actlab::kernels {
HWY_EXPORT(ForwardF32);
HWY_EXPORT(ForwardF64);
HWY_EXPORT(BackwardF32);
HWY_EXPORT(BackwardF64);
HWY_EXPORT(BackwardFromYF32);
HWY_EXPORT(BackwardFromYF64);
HWY_EXPORT(RowCost);
}  // namespace actlab::kernels

namespace actlab::detail {
namespace {

// The reference at NaN and ±inf for (row, parameters), cached per thread for the last key.
Specials specials(Which which, ActId id, const Params& p) {
  struct Entry {
    Which which;
    ActId id;
    Params p;
    Specials s;
  };
  thread_local Entry cache{Which::kForward, ActId::identity, {}, {}};
  thread_local bool valid = false;
  if (valid && cache.which == which && cache.id == id && cache.p == p) return cache.s;
  const auto eval = [&](double v) {
    switch (which) {
      case Which::kForward:
        return ref::forward(id, p, v);
      case Which::kDerivative:
        return ref::derivative(id, p, v);
      case Which::kDerivativeFromY:
        return ref::derivative_from_y(id, p, v);
    }
    return v;
  };
  constexpr double kInf = std::numeric_limits<double>::infinity();
  cache = {which, id, p, {eval(std::numeric_limits<double>::quiet_NaN()), eval(kInf), eval(-kInf)}};
  cache.s.cost = HWY_DYNAMIC_DISPATCH(kernels::RowCost)(id, which);
  valid = true;
  return cache.s;
}

// From what length a kernel's arrays are split over the threads: where the half on each
// thread is about 1 µs of work or more. Two threads against one, the pool's workers awake
// (calls one after another), AMD Zen 4 VM, AVX-512, ns/elem at 4 Ki / 8 Ki floats: gelu
// 0.78 -> 0.50 / 0.79 -> 0.45, mish′ 1.07 -> 0.63 / 1.06 -> 0.59, silu′ 0.45 -> 0.35 /
// 0.45 -> 0.28 (kHeavy from 4 Ki); sigmoid 0.26 -> 0.24 / 0.29 -> 0.20, tanh 0.34 -> 0.29 /
// 0.34 -> 0.23 (kMedium from 8 Ki); softsign 0.10 -> 0.11 at 8 Ki (kLight: from
// kParallelMinElements, which the piecewise rows need). docs/performance.md, session 25.
std::size_t split_from(kernels::Cost cost) {
  switch (cost) {
    case kernels::Cost::kHeavy:
      return kParallelMinElements / 4;
    case kernels::Cost::kMedium:
      return kParallelMinElements / 2;
    case kernels::Cost::kLight:
      break;
  }
  return kParallelMinElements;
}

}  // namespace

// One definition per entry point; the exported kernel is picked by element type.
template <class T>
void forward(ActId id, const Params& p, const T* x, T* y, std::size_t n) {
  Specials s = specials(Which::kForward, id, p);
  s.stream = n * sizeof(T) >= kStreamMinBytes;
  parallel_for(n, split_from(s.cost), [&](std::size_t b, std::size_t e) {
    if constexpr (std::is_same_v<T, float>) {
      HWY_DYNAMIC_DISPATCH(kernels::ForwardF32)(id, p, x + b, y + b, e - b, s);
    } else {
      HWY_DYNAMIC_DISPATCH(kernels::ForwardF64)(id, p, x + b, y + b, e - b, s);
    }
  });
}

template <class T>
void backward(ActId id, const Params& p, const T* x, const T* dy, T* dx, std::size_t n) {
  Specials s = specials(Which::kDerivative, id, p);
  s.stream = n * sizeof(T) >= kStreamMinBytes;
  parallel_for(n, split_from(s.cost), [&](std::size_t b, std::size_t e) {
    if constexpr (std::is_same_v<T, float>) {
      HWY_DYNAMIC_DISPATCH(kernels::BackwardF32)(id, p, x + b, dy + b, dx + b, e - b, s);
    } else {
      HWY_DYNAMIC_DISPATCH(kernels::BackwardF64)(id, p, x + b, dy + b, dx + b, e - b, s);
    }
  });
}

template <class T>
void backward_from_y(ActId id, const Params& p, const T* y, const T* dy, T* dx, std::size_t n) {
  Specials s = specials(Which::kDerivativeFromY, id, p);
  s.stream = n * sizeof(T) >= kStreamMinBytes;
  parallel_for(n, split_from(s.cost), [&](std::size_t b, std::size_t e) {
    if constexpr (std::is_same_v<T, float>) {
      HWY_DYNAMIC_DISPATCH(kernels::BackwardFromYF32)(id, p, y + b, dy + b, dx + b, e - b, s);
    } else {
      HWY_DYNAMIC_DISPATCH(kernels::BackwardFromYF64)(id, p, y + b, dy + b, dx + b, e - b, s);
    }
  });
}

template void forward<float>(ActId, const Params&, const float*, float*, std::size_t);
template void forward<double>(ActId, const Params&, const double*, double*, std::size_t);
template void backward<float>(ActId, const Params&, const float*, const float*, float*, std::size_t);
template void backward<double>(ActId, const Params&, const double*, const double*, double*, std::size_t);
template void backward_from_y<float>(ActId, const Params&, const float*, const float*, float*, std::size_t);
template void backward_from_y<double>(ActId, const Params&, const double*, const double*, double*, std::size_t);

std::vector<std::pair<std::int64_t, std::string>> simd_targets() {
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (const std::int64_t t : hwy::SupportedAndGeneratedTargets()) out.emplace_back(t, hwy::TargetName(t));
  return out;
}

void force_simd_target(std::int64_t target) { hwy::SetSupportedTargetsForTest(target); }

const char* active_simd_target() {
  const std::int64_t targets = hwy::SupportedTargets() & HWY_TARGETS;
  return targets == 0 ? "none" : hwy::TargetName(targets & -targets);  // the lowest bit is the best
}

namespace {
// Every target this build and CPU can run, best first, as found before any cap: taken on
// first use, and set_max_simd_target asks for it before it disables anything.
const std::vector<std::pair<std::int64_t, std::string>>& uncapped_targets() {
  static const auto all = simd_targets();
  return all;
}
bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}
}  // namespace

std::vector<std::string> all_simd_target_names() {
  std::vector<std::string> names;
  for (const auto& [bit, name] : uncapped_targets()) names.push_back(name);
  return names;
}

// Highway orders its targets by bit, the better one lower: the cap at `bit` keeps the
// targets at `bit` and above. It is set as the supported set itself (the mock the tests
// use too), not by hwy::DisableTargets: in Highway 1.0.3 every later SupportedTargets()
// call (simd_target() makes one) re-chose the best target over the disabled ones.
void set_max_simd_target(std::string_view name) {
  const auto& all = uncapped_targets();
  if (name.empty() || same_name(name, "best")) {
    hwy::SetSupportedTargetsForTest(0);
    return;
  }
  for (const auto& [bit, target] : all) {
    if (same_name(name, target)) {
      std::int64_t keep = 0;
      for (const auto& [other, unused] : all) keep |= other >= bit ? other : 0;
      hwy::SetSupportedTargetsForTest(keep);
      return;
    }
  }
  std::string known;
  for (const auto& [bit, target] : all) known += (known.empty() ? "" : ", ") + target;
  throw Error("unknown SIMD target '" + std::string(name) + "'; this build and CPU have " + known + " (or 'best')");
}

}  // namespace actlab::detail
#endif  // HWY_ONCE
