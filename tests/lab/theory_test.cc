// theory_test.cc — Gaussian expectations and mean-field maps against closed forms
// and the literature (Poole et al. 2016; Schoenholz et al. 2017).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "theory.h"

namespace actlab::theory {
namespace {

Fn erf_fn() {
  return {"erf",
          [](double x) { return std::erf(x); },
          [](double x) { return 2 / std::sqrt(std::numbers::pi) * std::exp(-x * x); },
          {}};
}

TEST(Theory, GaussianMomentsMatchClosedForms) {
  const Fn e = erf_fn();
  for (const double q : {0.01, 0.3, 1.0, 4.0, 50.0}) {
    // E[erf(√q z)²] = (2/π)·asin(2q/(1+2q));  E[erf'(√q z)²] = (4/π)/√(1+4q).
    EXPECT_NEAR(second_moment(e, q), 2 / std::numbers::pi * std::asin(2 * q / (1 + 2 * q)),
                1e-12 * second_moment(e, q));
    EXPECT_NEAR(derivative_moment(e, q), 4 / std::numbers::pi / std::sqrt(1 + 4 * q), 1e-12);
  }
  const Fn relu = from_activation(Activation(ActId::relu));
  EXPECT_NEAR(second_moment(relu, 3.0), 1.5, 1e-14);
  EXPECT_NEAR(derivative_moment(relu, 3.0), 0.5, 1e-14);
  const Fn hardtanh = from_activation(Activation(ActId::hardtanh));
  // E[hardtanh'(z)²] = P(|z| < 1) = erf(1/√2): the kink at ±1 is split exactly.
  EXPECT_NEAR(derivative_moment(hardtanh, 1.0), std::erf(1 / std::sqrt(2.0)), 1e-13);
}

TEST(Theory, VarianceGainsEqualPyTorchWhereItIsVariancePreserving) {
  EXPECT_NEAR(variance_gain(from_activation(Activation(ActId::relu))), std::sqrt(2.0), 1e-13);
  EXPECT_NEAR(variance_gain(from_activation(Activation(ActId::identity))), 1.0, 1e-13);
  const Activation leaky = Activation::parse("leaky_relu(0.2)");
  EXPECT_NEAR(variance_gain(from_activation(leaky)), *leaky.torch_gain(), 1e-13);
  // SELU's constants make E[selu(z)²] = 1 (its self-normalizing fixed point); PyTorch's 3/4 is a convention.
  EXPECT_NEAR(variance_gain(from_activation(Activation(ActId::selu))), 1.0, 1e-4);
}

TEST(Theory, EdgeOfChaosForReluAndTanh) {
  const Fn relu = from_activation(Activation(ActId::relu));
  const Fn tanh = from_activation(Activation(ActId::tanh));
  EXPECT_NEAR(critical_sigma_w2(relu, 0.0), 2.0, 2e-6);
  EXPECT_NEAR(critical_sigma_w2(tanh, 0.0), 1.0, 1e-6);
  const Analysis a = analyze(relu, {2.0, 0.0});
  EXPECT_NEAR(a.chi1, 1.0, 1e-12);
  EXPECT_FALSE(a.q_unique);
  EXPECT_EQ(a.phase, "critical");
  // ReLU with σ_b² > 0 and σ_w² < 2: q* = σ_b²/(1 − σ_w²/2), χ₁ = σ_w²/2.
  const Analysis b = analyze(relu, {1.5, 0.1});
  EXPECT_NEAR(b.q_star, 0.4, 1e-6 * 0.4);
  EXPECT_NEAR(b.chi1, 0.75, 1e-12);
  EXPECT_EQ(b.phase, "ordered");
  EXPECT_NEAR(b.xi_grad, -1 / std::log(0.75), 1e-9);
  // tanh deep in the chaotic phase: correlations settle below 1 and that fixed point is stable.
  const Analysis c = analyze(tanh, {4.0, 0.0});
  EXPECT_EQ(c.phase, "chaotic");
  EXPECT_GT(c.chi1, 1.0);
  EXPECT_LT(c.c_star, 1.0);
  EXPECT_LT(c.chi_c, 1.0);
}

TEST(Theory, FixedPointAndSlopeOfErfMatchTheClosedFormMap) {
  const Fn e = erf_fn();
  const Sigmas s{2.5, 0.1};
  double q = 1;  // iterate the closed-form length map
  for (int i = 0; i < 10000; ++i) q = s.w2 * 2 / std::numbers::pi * std::asin(2 * q / (1 + 2 * q)) + s.b2;
  const Analysis a = analyze(e, s);
  EXPECT_NEAR(a.q_star, q, 1e-6 * q);
  EXPECT_NEAR(a.chi1, s.w2 * 4 / std::numbers::pi / std::sqrt(1 + 4 * q), 1e-6 * a.chi1);
  // Slope of the length map at q*: d/dq of the closed form.
  const double slope =
      s.w2 * 2 / std::numbers::pi * (2 / ((1 + 2 * q) * (1 + 2 * q))) / std::sqrt(1 - std::pow(2 * q / (1 + 2 * q), 2));
  EXPECT_NEAR(a.slope_q, slope, 1e-6 * slope);
}

TEST(Theory, PropagateFollowsTheLengthMap) {
  const Fn relu = from_activation(Activation(ActId::relu));
  const auto q = propagate({relu, relu, relu}, {{2.0, 0.0}, {1.0, 0.0}, {1.0, 0.0}}, 1.5);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_NEAR(q[0], 3.0, 1e-12);
  EXPECT_NEAR(q[1], 1.5, 1e-12);
  EXPECT_NEAR(q[2], 0.75, 1e-12);
}

}  // namespace
}  // namespace actlab::theory
