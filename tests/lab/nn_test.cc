// nn_test.cc — the training engine: gradients against finite differences, the
// issue's learning targets, initializer statistics, bad specs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "actlab/error.h"
#include "train.h"

namespace actlab::nn {
namespace {

// The whole MLP's gradients agree with central differences in double (issue #5: 1e-6 relative).
TEST(Mlp, GradientsMatchCentralDifferences) {
  for (const char* act : {"tanh", "gelu", "silu", "elu", "softplus", "sigmoid"}) {
    Mlp model("3-5-4-3", act, Init::kXavierNormal, 11);
    std::mt19937_64 rng(2);
    std::normal_distribution<double> n01(0, 1);
    Matrix x(6, 3);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = n01(rng);
    const std::vector<std::int64_t> y = {0, 1, 2, 2, 1, 0};
    Matrix dlogits;
    cross_entropy_loss(model.forward(x, true), y, &dlogits);
    model.zero_grad();
    model.backward(dlogits);
    double worst = 0;
    for (const Param& p : model.parameters()) {
      for (Eigen::Index i = 0; i < p.value->size(); ++i) {
        double& w = p.value->data()[i];
        const double saved = w;
        const double h = 1e-6;
        Matrix scratch;
        w = saved + h;
        const double up = cross_entropy_loss(model.forward(x, false), y, &scratch);
        w = saved - h;
        const double down = cross_entropy_loss(model.forward(x, false), y, &scratch);
        w = saved;
        const double fd = (up - down) / (2 * h);
        const double an = p.grad->data()[i];
        const double rel = std::fabs(an - fd) / std::max(std::fabs(fd), 1e-3);
        worst = std::max(worst, rel);
        EXPECT_LE(rel, 1e-6) << act << " " << p.name << "[" << i << "]: analytic " << an << " fd " << fd;
      }
    }
    std::printf("  %-9s worst relative gradient error %.2e\n", act, worst);
  }
}

TEST(Init, GainsAndSpreadMatchTheFormulas) {
  EXPECT_DOUBLE_EQ(*(Activation(ActId::relu).torch_gain()), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(*(Activation(ActId::tanh).torch_gain()), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(*(Activation(ActId::selu).torch_gain()), 0.75);
  EXPECT_DOUBLE_EQ(*(Activation::parse("leaky_relu(0.2)").torch_gain()), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(*(Activation(ActId::sigmoid).torch_gain()), 1.0);
  EXPECT_FALSE(Activation(ActId::gelu).torch_gain());
  std::mt19937_64 rng(1);
  Dense d(400, 300);
  {
    const ActivationLayer relu{Activation(ActId::relu)};
    initialize(d, Init::kKaimingNormal, &relu, rng);
  }
  const double var = d.w.squaredNorm() / static_cast<double>(d.w.size());
  EXPECT_NEAR(var, 2.0 / 400, 0.05 * 2.0 / 400);  // Var = gain²/fan_in = 2/fan_in
  const ActivationLayer tanh_layer{Activation(ActId::tanh)}, relu_layer{Activation(ActId::relu)};
  initialize(d, Init::kXavierUniform, &tanh_layer, rng);  // explicit Xavier: gain 1, as torch's default
  const double vx = d.w.squaredNorm() / static_cast<double>(d.w.size());
  EXPECT_NEAR(vx, 2.0 / 700, 0.05 * 2.0 / 700);
  initialize(d, Init::kAuto, &tanh_layer, rng);  // auto: Xavier with tanh's gain 5/3
  const double va = d.w.squaredNorm() / static_cast<double>(d.w.size());
  EXPECT_NEAR(va, (25.0 / 9) * 2.0 / 700, 0.05 * (25.0 / 9) * 2.0 / 700);
  initialize(d, Init::kKaimingNormal, &tanh_layer, rng);  // explicit Kaiming: √2 whatever follows (a mismatch here)
  EXPECT_NEAR(d.w.squaredNorm() / static_cast<double>(d.w.size()), 2.0 / 400, 0.05 * 2.0 / 400);
  initialize(d, Init::kKaimingNormalFanOut, &tanh_layer, rng);  // mode='fan_out': Var = 2/fan_out
  EXPECT_NEAR(d.w.squaredNorm() / static_cast<double>(d.w.size()), 2.0 / 300, 0.05 * 2.0 / 300);
  // auto for a function without a PyTorch gain: the variance-preserving gain 1/√E[gelu(z)²].
  const ActivationLayer gelu_layer{Activation(ActId::gelu)};
  initialize(d, Init::kAuto, &gelu_layer, rng);
  const double g2 = 1.0 / theory::second_moment(theory::from_activation(Activation(ActId::gelu)), 1.0);
  EXPECT_NEAR(d.w.squaredNorm() / static_cast<double>(d.w.size()), g2 / 400, 0.05 * g2 / 400);
  // Orthogonal: WᵀW = gain²·I for a tall matrix.
  Dense o(50, 80);
  initialize(o, Init::kOrthogonal, &relu_layer, rng);
  EXPECT_LT((o.w.transpose() * o.w - 2.0 * Matrix::Identity(50, 50)).cwiseAbs().maxCoeff(), 1e-12);
  initialize(d, Init::kTorchDefault, &relu_layer, rng);
  EXPECT_LE(d.w.cwiseAbs().maxCoeff(), 1.0 / 20);
  EXPECT_GT(d.b.cwiseAbs().maxCoeff(), 0.0);
}

TEST(Mlp, SpecsAndErrors) {
  Mlp m("2-64:tanh-32:leaky_relu(negative_slope=0.2)-3", "relu", Init::kAuto, 1);
  EXPECT_EQ(m.layers().size(), 5u);
  EXPECT_NE(m.summary().find("leaky_relu(negative_slope=0.2)"), std::string::npos);
  EXPECT_EQ(m.inputs(), 2u);
  EXPECT_EQ(m.outputs(), 3u);
  EXPECT_THROW(Mlp("2", "relu", Init::kAuto, 1), SpecError);
  EXPECT_THROW(Mlp("2-0-3", "relu", Init::kAuto, 1), std::invalid_argument);
  EXPECT_THROW(Mlp("2-x-3", "relu", Init::kAuto, 1), std::invalid_argument);
  EXPECT_THROW(Mlp("2-4:relu-3:relu", "relu", Init::kAuto, 1), std::invalid_argument);
  EXPECT_THROW(Mlp("2-4-3", "gelo", Init::kAuto, 1), SpecError);
  EXPECT_THROW(init_from_string("zeros"), std::invalid_argument);
  EXPECT_THROW(Optimizer(m.parameters(), OptimizerOptions{"rmsprop"}), std::invalid_argument);
}

}  // namespace
}  // namespace actlab::nn
