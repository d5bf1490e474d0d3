// theory.h — Gaussian expectations of activations and mean-field signal propagation.
//
// For a deep fully connected net with weights W ~ N(0, σ_w²/fan_in) and biases
// b ~ N(0, σ_b²), the pre-activation second moment q evolves by the length map
//   q_{l+1} = σ_w² · E[φ(√q_l · z)²] + σ_b²,   z ~ N(0, 1)
// (Poole et al. 2016). At its fixed point q* the slope
//   χ₁ = σ_w² · E[φ'(√q* · z)²]
// decides the phase: ordered (χ₁ < 1, gradients vanish as χ₁^l), chaotic
// (χ₁ > 1, they explode), critical (χ₁ = 1, the edge of chaos). Depth scales
// follow Schoenholz et al. 2017. Every expectation is an adaptive Gauss–Kronrod
// integral (Boost.Math) split at the function's kinks, so piecewise functions
// integrate to full accuracy.
#ifndef ACTLAB_LAB_THEORY_THEORY_H_
#define ACTLAB_LAB_THEORY_THEORY_H_

#include <functional>
#include <string>
#include <vector>

#include "actlab/activation.h"

namespace actlab::theory {

/** A scalar activation with its derivative and the points where either has a kink. */
struct Fn {
  std::string name;
  std::function<double(double)> f, df;
  std::vector<double> kinks;
};

/** A catalog activation (its reference and derivative; kinks from its parameters). */
Fn from_activation(const Activation& act);

/** E[g(z)], z ~ N(0,1), splitting the integral at `breaks` (in z). */
double gaussian_mean(const std::function<double(double)>& g, const std::vector<double>& breaks = {});

/** E[φ(√q·z)²]. */
double second_moment(const Fn& fn, double q);
/** E[φ'(√q·z)²]. */
double derivative_moment(const Fn& fn, double q);
/** The variance-preserving gain 1/√E[φ(z)²]: with W ~ N(0, gain²/fan_in) the second
 *  moment of a unit-variance input is kept from layer to layer. */
double variance_gain(const Fn& fn);

struct Sigmas {
  double w2 = 1.0;  ///< σ_w²: fan_in × Var(W)
  double b2 = 0.0;  ///< σ_b²: Var(b)
};

/** One step of the length map. */
double length_map(const Fn& fn, double q, Sigmas s);

struct Analysis {
  double q_star = 0;     ///< fixed point of the length map (inf: grows without bound)
  bool q_unique = true;  ///< false when every q is fixed (ReLU at σ_w² = 2, σ_b = 0)
  double chi1 = 0;       ///< σ_w²·E[φ'(√q*·z)²]
  double slope_q = 0;    ///< dq_{l+1}/dq_l at q*
  double c_star = 1;     ///< fixed point of the correlation map
  double chi_c = 0;      ///< slope of the correlation map at c*
  double xi_q = 0;       ///< depth scale of the length map: -1/ln(slope_q)
  double xi_c = 0;       ///< depth scale of correlations: -1/ln(chi_c)
  double xi_grad = 0;    ///< depth scale of gradients: -1/|ln(chi1)| (inf at criticality)
  std::string phase;     ///< "ordered", "chaotic", "critical" or "unbounded"
};

/** Fixed points, slopes, phase and depth scales for σ_w², σ_b². Without `correlations`
 *  only q*, χ₁ and the phase are computed (the correlation map is a 2-D integral). */
Analysis analyze(const Fn& fn, Sigmas s, bool correlations = true);

/** The σ_w² at which χ₁ = 1 for the given σ_b² (edge of chaos), searched in [0.01, 100];
 *  NaN when there is none. */
double critical_sigma_w2(const Fn& fn, double sigma_b2);

/** Predicted pre-activation second moment at each hidden layer of a concrete net:
 *  q_1 = w2[0]·input_moment + b2[0], q_{l+1} = w2[l]·E[φ_l(√q_l z)²] + b2[l]. */
std::vector<double> propagate(const std::vector<Fn>& fns, const std::vector<Sigmas>& layers, double input_moment);

}  // namespace actlab::theory

#endif  // ACTLAB_LAB_THEORY_THEORY_H_
