// reference.cc — the scalar reference of every catalog row.
//
// General structure: each row is a struct `<id>_ref` holding
//   f(x, p)     forward
//   df(x, p)    derivative from x, PyTorch's value at kinks
//   df_y(y, p)  derivative from the output (only rows with BwdFrom::kY)
//   dp(x, p, k) derivative by parameter k (only rows with kLearnable)
// side by side. Everything is computed in long double (64-bit significand on
// x86-64, 11 bits more than double) and rounded once by the caller, so the
// result is within about 1 ulp of the correctly rounded double even where an
// argument such as 1.702·x or x²/2 is rounded before exp.
//
// Tail-safe shapes: sigmoid on -|x|; expm1 for ELU-like rows; log1p for
// softplus; erfc for GELU; x·σ(2u) instead of x/2·(1 + tanh u); a series for
// tanhshrink near 0; b/(2(√(x²+b) − x)) for squareplus at x < 0.
//
// NaN, ±inf and −0 follow PyTorch 1.13 unless the catalog row's note says
// otherwise; tests/core/data/torch_golden.txt pins every such value.
#include <cmath>
#include <limits>

#include "actlab/catalog.h"
#include "actlab/reference.h"

namespace actlab {
inline namespace v0 {
namespace {

using LD = long double;
static_assert(std::numeric_limits<LD>::digits >= 64, "the reference needs an extended long double (x86-64 or quad)");

constexpr LD kNaN = std::numeric_limits<LD>::quiet_NaN();
constexpr LD kInvSqrt2 = 0.707106781186547524400844362104849039L;
constexpr LD kInvSqrt2Pi = 0.398942280401432677939946059934381868L;
constexpr LD kSqrt2OverPi = 0.797884560802865355879892119868763737L;
constexpr LD kSeluAlpha = 1.6732632423543772848170429916717L;
constexpr LD kSeluScale = 1.0507009873554804934193349852946L;
// 0.044715 and 1.702 are the published decimal constants, not their doubles.
constexpr LD kGeluTanhA = 0.044715L;
constexpr LD kGeluSigmoidK = 1.702L;

bool is_nan(LD v) { return v != v; }

// σ(t), evaluated on -|t| so neither tail cancels.
LD sigm(LD t) {
  if (t >= 0) return 1 / (1 + std::exp(-t));
  const LD e = std::exp(t);  // NaN falls through here and stays NaN
  return e / (1 + e);
}

// log(1 + e^t) without overflow or cancellation.
LD softplus_ld(LD t) { return t > 0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t)); }

// The derivatives of the self-gated rows (gelu, silu, mish, …) are negative for
// x < −1; where even long double underflows, the correctly rounded value is −0.
LD negative_tail_zero(LD x, LD r) { return (r == 0 && x < -1) ? -0.0L : r; }

// ---------------------------------------------------------------------------
// One struct per catalog row, in catalog order.

struct identity_ref {
  static LD f(LD x, const Params&) { return x; }
  static LD df(LD, const Params&) { return 1; }
  static LD df_y(LD, const Params&) { return 1; }
};

struct step_ref {
  static LD f(LD x, const Params&) { return is_nan(x) ? x : (x >= 0 ? 1 : 0); }
  static LD df(LD, const Params&) { return 0; }
  static LD df_y(LD, const Params&) { return 0; }
};

struct relu_ref {
  // x < 0 ? 0 : x keeps relu(-0) = -0 and relu(NaN) = NaN, as PyTorch.
  static LD f(LD x, const Params&) { return x < 0 ? 0 : x; }
  // PyTorch's threshold_backward: x <= 0 ? 0 : dy, so relu'(NaN) = 1.
  static LD df(LD x, const Params&) { return x <= 0 ? 0 : 1; }
  static LD df_y(LD y, const Params&) { return y <= 0 ? 0 : 1; }
};

struct relu6_ref {
  static LD f(LD x, const Params&) { return x < 0 ? 0 : (x > 6 ? 6 : x); }
  static LD df(LD x, const Params&) { return (x <= 0 || x >= 6) ? 0 : 1; }
  static LD df_y(LD y, const Params&) { return (y <= 0 || y >= 6) ? 0 : 1; }
};

struct leaky_relu_ref {
  static LD f(LD x, const Params& p) { return x > 0 ? x : x * p[0]; }
  static LD df(LD x, const Params& p) { return x > 0 ? 1 : p[0]; }
  static LD df_y(LD y, const Params& p) { return y > 0 ? 1 : p[0]; }
};

struct prelu_ref {
  static LD f(LD x, const Params& p) { return x > 0 ? x : x * p[0]; }
  static LD df(LD x, const Params& p) { return x > 0 ? 1 : p[0]; }
  static LD dp(LD x, const Params&, std::size_t) { return x > 0 ? 0 : x; }
};

struct rrelu_ref {
  static LD slope(const Params& p) { return (static_cast<LD>(p[0]) + p[1]) / 2; }
  static LD f(LD x, const Params& p) { return x > 0 ? x : x * slope(p); }
  static LD df(LD x, const Params& p) { return x > 0 ? 1 : slope(p); }
  static LD df_y(LD y, const Params& p) { return y > 0 ? 1 : slope(p); }
};

// ELU family: PyTorch computes x <= 0 ? a·(exp(x) − 1) : x, so elu(±0) = +0
// and the derivative at 0 is the negative branch's.
LD elu_core(LD x, LD alpha, LD input_scale) {
  if (x > 0 || is_nan(x)) return x;
  if (x == 0) return 0;
  return alpha * std::expm1(x * input_scale);
}

struct elu_ref {
  static LD f(LD x, const Params& p) { return elu_core(x, p[0], 1); }
  static LD df(LD x, const Params& p) { return x <= 0 ? p[0] * std::exp(x) : 1; }
  static LD df_y(LD y, const Params& p) { return y <= 0 ? y + p[0] : 1; }
};

struct celu_ref {
  static LD f(LD x, const Params& p) { return elu_core(x, p[0], 1 / static_cast<LD>(p[0])); }
  static LD df(LD x, const Params& p) { return x <= 0 ? std::exp(x / p[0]) : 1; }
  static LD df_y(LD y, const Params& p) { return y <= 0 ? y / p[0] + 1 : 1; }
};

struct selu_ref {
  static LD f(LD x, const Params&) { return kSeluScale * elu_core(x, kSeluAlpha, 1); }
  static LD df(LD x, const Params&) { return x <= 0 ? kSeluScale * kSeluAlpha * std::exp(x) : kSeluScale; }
  static LD df_y(LD y, const Params&) { return y <= 0 ? y + kSeluScale * kSeluAlpha : kSeluScale; }
};

struct gelu_ref {
  // x·Φ(x) = x/2·erfc(−x/√2): erfc keeps the negative tail.
  static LD f(LD x, const Params&) { return x / 2 * std::erfc(-x * kInvSqrt2); }
  // Φ(x) + x·φ(x); at ±inf this is NaN (inf·0), as PyTorch's.
  static LD df(LD x, const Params&) {
    return negative_tail_zero(x, std::erfc(-x * kInvSqrt2) / 2 + x * kInvSqrt2Pi * std::exp(-x * x / 2));
  }
};

struct gelu_tanh_ref {
  static LD u(LD x) { return kSqrt2OverPi * (x + kGeluTanhA * x * x * x); }
  // x/2·(1 + tanh u) = x·σ(2u): no cancellation for u << 0.
  static LD f(LD x, const Params&) { return x * sigm(2 * u(x)); }
  // σ(2u) + 2x·σ(2u)·σ(−2u)·u'
  static LD df(LD x, const Params&) {
    const LD t = 2 * u(x);
    const LD du = kSqrt2OverPi * (1 + 3 * kGeluTanhA * x * x);
    return negative_tail_zero(x, sigm(t) + 2 * x * sigm(t) * sigm(-t) * du);
  }
};

// x·σ(kx) and its derivative, shared by silu, swish and gelu_sigmoid.
LD self_gated_sigmoid(LD x, LD k) { return x * sigm(k * x); }
LD self_gated_sigmoid_df(LD x, LD k) {
  const LD t = k * x;
  return negative_tail_zero(x, sigm(t) + t * sigm(t) * sigm(-t));
}

struct gelu_sigmoid_ref {
  static LD f(LD x, const Params&) { return self_gated_sigmoid(x, kGeluSigmoidK); }
  static LD df(LD x, const Params&) { return self_gated_sigmoid_df(x, kGeluSigmoidK); }
};

struct silu_ref {
  static LD f(LD x, const Params&) { return self_gated_sigmoid(x, 1); }
  static LD df(LD x, const Params&) { return self_gated_sigmoid_df(x, 1); }
};

struct swish_ref {
  static LD f(LD x, const Params& p) { return self_gated_sigmoid(x, p[0]); }
  static LD df(LD x, const Params& p) { return self_gated_sigmoid_df(x, p[0]); }
  static LD dp(LD x, const Params& p, std::size_t) {
    const LD t = p[0] * x;
    return x * x * sigm(t) * sigm(-t);
  }
};

struct mish_ref {
  // tanh(softplus(x)) = n/(n + 2) with n = e^x(e^x + 2); om = 1 − tanh(sp) =
  // 2/(n + 2) is kept separately so 1 − tanh² does not cancel for large x.
  static void gate(LD x, LD* t, LD* om) {
    if (x <= 20) {
      const LD e = std::exp(x);
      const LD n = e * (e + 2);
      *t = n / (n + 2);
      *om = 2 / (n + 2);
    } else {
      const LD q = std::exp(-x);  // n = (1 + 2q)/q²
      *om = 2 * q * q / (1 + 2 * q + 2 * q * q);
      *t = 1 - *om;
    }
  }
  static LD f(LD x, const Params&) {
    if (is_nan(x)) return x;
    LD t = 0;
    LD om = 0;
    gate(x, &t, &om);
    return x * t;
  }
  static LD df(LD x, const Params&) {
    if (is_nan(x)) return x;
    LD t = 0;
    LD om = 0;
    gate(x, &t, &om);
    return negative_tail_zero(x, t + x * sigm(x) * om * (2 - om));  // 1 − t² = om·(2 − om)
  }
};

struct sigmoid_ref {
  static LD f(LD x, const Params&) { return sigm(x); }
  static LD df(LD x, const Params&) { return sigm(x) * sigm(-x); }
  static LD df_y(LD y, const Params&) { return y * (1 - y); }
};

struct log_sigmoid_ref {
  static LD f(LD x, const Params&) {
    // Negative for every finite x, so an underflowed result is −0; +0 at +inf as PyTorch.
    const LD y = -softplus_ld(-x);
    return (y == 0 && std::isinf(x)) ? 0 : y;
  }
  static LD df(LD x, const Params&) { return sigm(-x); }
  static LD df_y(LD y, const Params&) { return y == 0 ? 0 : -std::expm1(y); }  // σ(−x) >= +0
};

struct tanh_ref {
  static LD f(LD x, const Params&) { return std::tanh(x); }
  // 1 − tanh² = 4σ(2x)σ(−2x), which keeps the tails.
  static LD df(LD x, const Params&) { return 4 * sigm(2 * x) * sigm(-2 * x); }
  static LD df_y(LD y, const Params&) { return (1 - y) * (1 + y); }
};

struct hardtanh_ref {
  static LD f(LD x, const Params& p) { return x < p[0] ? p[0] : (x > p[1] ? p[1] : x); }
  static LD df(LD x, const Params& p) { return (x <= p[0] || x >= p[1]) ? 0 : 1; }
  static LD df_y(LD y, const Params& p) { return (y <= p[0] || y >= p[1]) ? 0 : 1; }
};

struct hardsigmoid_ref {
  static LD f(LD x, const Params&) { return x < -3 ? 0 : (x > 3 ? 1 : (x + 3) / 6); }
  static LD df(LD x, const Params&) { return (x > -3 && x < 3) ? 1.0L / 6 : 0; }
  static LD df_y(LD y, const Params&) { return (y > 0 && y < 1) ? 1.0L / 6 : 0; }
};

struct hardswish_ref {
  // PyTorch: x·min(max(x + 3, 0), 6)/6, so x <= −3 gives −0 and −inf gives NaN.
  static LD f(LD x, const Params&) {
    if (x <= -3) return std::isinf(x) ? kNaN : -0.0L;
    return x <= 3 ? x * (x + 3) / 6 : x;
  }
  static LD df(LD x, const Params&) { return x < -3 ? 0 : (x <= 3 ? x / 3 + 0.5L : 1); }
};

struct softplus_ref {
  static LD f(LD x, const Params& p) {
    const LD t = p[0] * x;
    return t > p[1] ? x : softplus_ld(t) / p[0];
  }
  static LD df(LD x, const Params& p) {
    const LD t = p[0] * x;
    return t > p[1] ? 1 : sigm(t);
  }
};

struct softsign_ref {
  static LD f(LD x, const Params&) { return x / (1 + std::fabs(x)); }
  static LD df(LD x, const Params&) {
    if (std::isinf(x)) return kNaN;  // PyTorch's autograd: NaN where f is
    const LD d = 1 + std::fabs(x);
    return 1 / (d * d);
  }
};

struct squareplus_ref {
  static LD f(LD x, const Params& p) {
    const LD s = std::sqrt(x * x + p[0]);
    return x >= 0 ? (x + s) / 2 : p[0] / (2 * (s - x));
  }
  static LD df(LD x, const Params& p) {
    if (x >= 0) return (1 + 1 / std::sqrt(1 + p[0] / (x * x))) / 2;
    const LD s = std::sqrt(x * x + p[0]);
    return is_nan(x) ? x : p[0] / (2 * s * (s - x));
  }
};

struct softshrink_ref {
  static LD f(LD x, const Params& p) {
    if (x > p[0]) return x - p[0];
    if (x < -p[0]) return x + p[0];
    return is_nan(x) ? x : 0;  // PyTorch 1.13 returns 0 for NaN; we keep NaN
  }
  static LD df(LD x, const Params& p) { return (x >= -p[0] && x <= p[0]) ? 0 : 1; }
  static LD df_y(LD y, const Params&) { return y == 0 ? 0 : 1; }
};

struct hardshrink_ref {
  static LD f(LD x, const Params& p) { return (x >= -p[0] && x <= p[0]) ? 0 : x; }
  static LD df(LD x, const Params& p) { return (x >= -p[0] && x <= p[0]) ? 0 : 1; }
  static LD df_y(LD y, const Params&) { return y == 0 ? 0 : 1; }
};

struct tanhshrink_ref {
  static LD f(LD x, const Params&) {
    if (x == 0) return 0;  // +0 for ±0, as PyTorch's x − tanh(x)
    if (std::fabs(x) < 0.0625L) {
      // x − tanh x = x³/3 − 2x⁵/15 + 17x⁷/315 − 62x⁹/2835 + 1382x¹¹/155925
      //              − 21844x¹³/6081075 + 929569x¹⁵/638512875 − …;
      // the next term is below 2.5e-20 relative here.
      const LD z = x * x;
      LD s = 929569.0L / 638512875;
      s = s * z - 21844.0L / 6081075;
      s = s * z + 1382.0L / 155925;
      s = s * z - 62.0L / 2835;
      s = s * z + 17.0L / 315;
      s = s * z - 2.0L / 15;
      s = s * z + 1.0L / 3;
      return s * z * x;
    }
    return x - std::tanh(x);
  }
  static LD df(LD x, const Params&) {
    const LD t = std::tanh(x);
    return t * t;
  }
};

struct threshold_ref {
  static LD f(LD x, const Params& p) { return x <= p[0] ? p[1] : x; }
  static LD df(LD x, const Params& p) { return x <= p[0] ? 0 : 1; }
};

struct relu_squared_ref {
  static LD f(LD x, const Params&) { return x > 0 ? x * x : (is_nan(x) ? x : 0); }
  static LD df(LD x, const Params&) { return x > 0 ? 2 * x : (is_nan(x) ? x : 0); }
};

// ---------------------------------------------------------------------------
// Consistency of the table with the structs, checked at compile time.

template <class R>
concept HasDfY = requires(LD v, const Params& p) {
  R::df_y(v, p);
};
template <class R>
concept HasDp = requires(LD v, const Params& p, std::size_t k) {
  R::dp(v, p, k);
};

#define ACTLAB_ACT(id, props, bwd, ...)                                         \
  static_assert((BwdFrom::bwd == BwdFrom::kY) == HasDfY<id##_ref>,              \
                #id ": BwdFrom::kY in catalog.def iff the reference has df_y"); \
  static_assert((((props)&kLearnable) != 0) == HasDp<id##_ref>,                 \
                #id ": kLearnable in catalog.def iff the reference has dp");
#include "actlab/catalog.def"
#undef ACTLAB_ACT

template <class R>
LD call_df_y(LD y, const Params& p) {
  if constexpr (HasDfY<R>) {
    return R::df_y(y, p);
  } else {
    return kNaN;
  }
}

template <class R>
LD call_dp(LD x, const Params& p, std::size_t k) {
  if constexpr (HasDp<R>) {
    return R::dp(x, p, k);
  } else {
    return kNaN;
  }
}

LD forward_ld(ActId id, const Params& p, LD x) {
  switch (id) {
#define ACTLAB_ACT(id, ...) \
  case ActId::id:           \
    return id##_ref::f(x, p);
#include "actlab/catalog.def"
#undef ACTLAB_ACT
  }
  return kNaN;
}

LD derivative_ld(ActId id, const Params& p, LD x) {
  switch (id) {
#define ACTLAB_ACT(id, ...) \
  case ActId::id:           \
    return id##_ref::df(x, p);
#include "actlab/catalog.def"
#undef ACTLAB_ACT
  }
  return kNaN;
}

LD derivative_from_y_ld(ActId id, const Params& p, LD y) {
  switch (id) {
#define ACTLAB_ACT(id, ...) \
  case ActId::id:           \
    return call_df_y<id##_ref>(y, p);
#include "actlab/catalog.def"
#undef ACTLAB_ACT
  }
  return kNaN;
}

}  // namespace

namespace ref {

double forward(ActId id, const Params& p, double x) noexcept { return static_cast<double>(forward_ld(id, p, x)); }

double derivative(ActId id, const Params& p, double x) noexcept { return static_cast<double>(derivative_ld(id, p, x)); }

double derivative_from_y(ActId id, const Params& p, double y) noexcept {
  return static_cast<double>(derivative_from_y_ld(id, p, y));
}

double param_derivative(ActId id, const Params& p, double x, std::size_t k) noexcept {
  switch (id) {
#define ACTLAB_ACT(id, ...) \
  case ActId::id:           \
    return static_cast<double>(call_dp<id##_ref>(x, p, k));
#include "actlab/catalog.def"
#undef ACTLAB_ACT
  }
  return static_cast<double>(kNaN);
}

float forward_f(ActId id, const Params& p, float x) noexcept { return static_cast<float>(forward_ld(id, p, x)); }

float backward_f(ActId id, const Params& p, float x, float dy) noexcept {
  return static_cast<float>(derivative_ld(id, p, x) * dy);
}

float backward_from_y_f(ActId id, const Params& p, float y, float dy) noexcept {
  return static_cast<float>(derivative_from_y_ld(id, p, y) * dy);
}

}  // namespace ref
}  // namespace v0
}  // namespace actlab
