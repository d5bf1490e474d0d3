// softmax-inl.h — row-wise softmax, log_softmax and softmin, forward and backward.
//
// Contract (float32 rows; measured in tests/core/softmax_test.cc):
//   within 2 ulp of the correctly rounded value for any finite logits, one
//   huge logit, many equal logits, −inf entries; computed in double lanes.
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

#include <cstddef>
#include <cstring>
#include <limits>
#include <vector>

#include "actlab/softmax.h"
#include "hwy/highway.h"
#include "math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace actlab::kernels::HWY_NAMESPACE {

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
  for (std::size_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
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

}  // namespace actlab::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
