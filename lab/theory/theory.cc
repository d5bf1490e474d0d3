// theory.cc — Gaussian expectations by split Gauss–Kronrod quadrature; mean-field maps.
#include "theory.h"

#include <algorithm>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <limits>
#include <numbers>

namespace actlab::theory {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTinyQ = 1e-30;  // q below this is the collapsed fixed point q* = 0

// ∫_a^b g(z)·N(z) dz on one piece.
double piece(const std::function<double(double)>& g, double a, double b) {
  const auto weighted = [&](double z) {
    const double v = g(z);
    return v == 0.0 ? 0.0 : v * std::exp(-0.5 * z * z);
  };
  using GK = boost::math::quadrature::gauss_kronrod<double, 31>;
  // A piece where the integrand is 0 (ReLU's left half) would make the adaptive rule
  // subdivide to its maximum depth: one non-adaptive pass tells.
  double error = 0, l1 = 0;
  const double first = GK::integrate(weighted, a, b, 0, 1e-10, &error, &l1);
  if (l1 == 0.0) return 0.0;
  if (error <= 1e-10 * l1) return first / std::sqrt(2 * std::numbers::pi);
  return GK::integrate(weighted, a, b, 10, 1e-10) / std::sqrt(2 * std::numbers::pi);
}

std::vector<double> scaled_breaks(const Fn& fn, double q) {
  std::vector<double> out;
  const double s = std::sqrt(q);
  for (const double k : fn.kinks) out.push_back(k / s);
  return out;
}

}  // namespace

Fn from_activation(const Activation& act) {
  Fn fn{act.to_string(),
        [act](double x) { return act.eval(x); },
        [act](double x) { return act.derivative(x); },
        {0.0, 1.0, -1.0, 3.0, -3.0, 6.0}};
  for (std::size_t i = 0; i < act.info().params.size(); ++i) {
    const double p = act.params()[i];
    if (std::isfinite(p) && std::abs(p) < 1e6) {
      fn.kinks.push_back(p);
      fn.kinks.push_back(-p);
    }
  }
  return fn;
}

double gaussian_mean(const std::function<double(double)>& g, const std::vector<double>& breaks) {
  std::vector<double> b;
  for (const double x : breaks) {
    if (std::isfinite(x) && std::abs(x) < 40) b.push_back(x);
  }
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  double sum = 0;
  double lo = -kInf;
  for (const double x : b) {
    sum += piece(g, lo, x);
    lo = x;
  }
  return sum + piece(g, lo, kInf);
}

double second_moment(const Fn& fn, double q) {
  const double s = std::sqrt(q);
  return gaussian_mean(
      [&](double z) {
        const double v = fn.f(s * z);
        return v * v;
      },
      scaled_breaks(fn, q));
}

double derivative_moment(const Fn& fn, double q) {
  const double s = std::sqrt(q);
  return gaussian_mean(
      [&](double z) {
        const double v = fn.df(s * z);
        return v * v;
      },
      scaled_breaks(fn, q));
}

double variance_gain(const Fn& fn) { return 1.0 / std::sqrt(second_moment(fn, 1.0)); }

double length_map(const Fn& fn, double q, Sigmas s) { return s.w2 * second_moment(fn, q) + s.b2; }

namespace {

// dq_{l+1}/dq_l: d/dq E[φ(√q z)²] = E[φ(√q z)·φ'(√q z)·z]/√q (differentiating under the integral).
double map_slope(const Fn& fn, double q, Sigmas s) {
  const double sq = std::sqrt(q);
  return s.w2 * gaussian_mean([&](double z) { return fn.f(sq * z) * fn.df(sq * z) * z; }, scaled_breaks(fn, q)) / sq;
}

// The stable fixed point of the length map: Newton where the map is contracting
// (slope < 1), doubling steps where it is still climbing; 0 and inf as limits.
double fixed_point(const Fn& fn, Sigmas s, bool* unique) {
  *unique = true;
  double q = 1.0;
  for (int i = 0; i < 400; ++i) {
    const double m = length_map(fn, q, s);
    if (!std::isfinite(m) || m > 1e12) return kInf;  // pre-activations of std 1e6: no fixed point in sight
    if (std::abs(m - q) <= 1e-14 * q) {
      if (i == 0) {
        // Fixed at the first step: is a nearby q fixed too (homogeneous φ, σ_b = 0)?
        *unique = std::abs(length_map(fn, 4.0, s) - 4.0) > 1e-12 * 4.0;
      }
      return m;
    }
    const double slope = map_slope(fn, q, s);
    double next = m;
    if (slope < 1 - 1e-12) {
      next = q - (m - q) / (slope - 1);  // Newton on map(q) − q
      if (!(next > 0)) next = std::min(m, q / 4);
    } else if (m > q) {
      next = std::max(m, 2 * q);  // still below a fixed point, or none: climb fast
    }
    if (next < kTinyQ) return 0.0;
    if (next > 1e12) return kInf;
    q = next;
  }
  return q;
}

// E over (z1, z2) of h(√q z1, √q (c z1 + √(1-c²) z2)).
double pair_mean(const Fn& fn, double q, double c, const std::function<double(double, double)>& h) {
  const double s = std::sqrt(q), r = std::sqrt(std::max(0.0, 1 - c * c));
  return gaussian_mean(
      [&](double z1) {
        std::vector<double> inner;
        for (const double k : fn.kinks) inner.push_back((k / s - c * z1) / r);
        return gaussian_mean([&](double z2) { return h(s * z1, s * (c * z1 + r * z2)); }, inner);
      },
      scaled_breaks(fn, q));
}

double depth_scale(double slope) {
  if (!(slope > 0)) return 0.0;
  const double l = std::log(slope);
  return l == 0.0 ? kInf : 1.0 / std::abs(l);
}

}  // namespace

Analysis analyze(const Fn& fn, Sigmas s, bool correlations) {
  Analysis a;
  a.q_star = fixed_point(fn, s, &a.q_unique);
  if (!std::isfinite(a.q_star)) {
    a.phase = "unbounded";
    a.chi1 = kInf;
    a.slope_q = kInf;
    a.xi_q = a.xi_c = a.xi_grad = 0;
    a.chi_c = kInf;
    return a;
  }
  const double q = std::max(a.q_star, kTinyQ);
  a.chi1 = s.w2 * derivative_moment(fn, q);
  if (std::abs(a.chi1 - 1) < 1e-9) {
    a.phase = "critical";
  } else {
    a.phase = a.chi1 < 1 ? "ordered" : "chaotic";
  }
  if (!correlations) return a;
  a.slope_q = map_slope(fn, q, s);
  a.c_star = 1;
  a.chi_c = a.chi1;
  if (a.chi1 > 1 + 1e-9 && a.q_star > kTinyQ) {
    // Chaotic: correlations converge to c* < 1.
    double c = 0.5;
    for (int i = 0; i < 60; ++i) {
      const double next =
          (s.w2 * pair_mean(fn, a.q_star, c, [&](double u, double v) { return fn.f(u) * fn.f(v); }) + s.b2) / a.q_star;
      const bool done = std::abs(next - c) < 1e-10;
      c = std::clamp(next, -1.0, 1.0);
      if (done) break;
    }
    a.c_star = c;
    a.chi_c = s.w2 * pair_mean(fn, a.q_star, c, [&](double u, double v) { return fn.df(u) * fn.df(v); });
  }
  a.xi_q = depth_scale(a.slope_q);
  a.xi_c = depth_scale(a.chi_c);
  a.xi_grad = depth_scale(a.chi1);
  return a;
}

double critical_sigma_w2(const Fn& fn, double sigma_b2) {
  // With σ_b = 0 and φ(0) = 0, q = 0 is fixed; once a q* > 0 exists the zero fixed point has
  // lost stability: that side is chaotic even where χ₁ − 1 is below quadrature noise.
  const bool zero_fixed = sigma_b2 == 0 && fn.f(0.0) == 0.0;
  const auto excess = [&](double w2) {
    const Analysis a = analyze(fn, {w2, sigma_b2}, false);
    if (zero_fixed && a.q_star > kTinyQ && std::isfinite(a.q_star)) return std::max(a.chi1 - 1, 1e-300);
    return a.chi1 - 1;
  };
  // χ₁ grows with σ_w² (inf once the length map has no fixed point): bisect on its sign.
  double lo = 1e-2, hi = 1e2;
  const double fhi = excess(hi);
  if (!(excess(lo) < 0) || !(std::isnan(fhi) || fhi > 0)) return std::numeric_limits<double>::quiet_NaN();
  for (int i = 0; i < 200 && hi - lo > 1e-9 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    const double e = excess(mid);
    if (!std::isfinite(e) || e > 0) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return 0.5 * (lo + hi);
}

std::vector<double> propagate(const std::vector<Fn>& fns, const std::vector<Sigmas>& layers, double input_moment) {
  std::vector<double> q;
  if (layers.empty()) return q;
  q.push_back(layers[0].w2 * input_moment + layers[0].b2);
  for (std::size_t l = 1; l < layers.size() && l <= fns.size(); ++l) {
    q.push_back(length_map(fns[l - 1], q.back(), layers[l]));
  }
  return q;
}

}  // namespace actlab::theory
