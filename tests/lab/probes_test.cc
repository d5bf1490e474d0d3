// probes_test.cc — the probes see what the seeds describe.
#include <gtest/gtest.h>

#include "train.h"

namespace actlab::nn {
namespace {

// The seeds' Q3: w = [−2, −3], b = 1 on inputs {[1, 1], [2, 2]}: h = −4, −9, a dead ReLU.
TEST(Probes, TheSeedsDeadNeuronIsDead) {
  Mlp m(ModelSpec::parse("2-1-2", "relu"));
  auto hidden = m.hidden();
  hidden[0].dense->w << -2, -3;
  hidden[0].dense->b << 1;
  Matrix x(2, 2);
  x << 1, 1, 2, 2;
  Prober p(m, x, {0, 1}, {}, ProbeOptions{});
  std::vector<Warning> ws;
  const ProbeRecord r = p.measure(1, 1, &ws);
  EXPECT_EQ(r.layers[0].dead_units, 1.0);
  EXPECT_EQ(r.layers[0].zero_fraction, 1.0);
  EXPECT_EQ(r.layers[0].weight_grad_norm, 0.0);  // nothing reaches its weights
  ASSERT_FALSE(ws.empty());
  EXPECT_EQ(ws.front().code, "dead-units");
  // Warned once per condition and layer.
  std::vector<Warning> again;
  p.measure(2, 1, &again);
  EXPECT_TRUE(again.empty());
  // The same unit with b = 10 is alive: h = 5 > 0 for the first input.
  hidden[0].dense->b << 10;
  EXPECT_EQ(p.measure(3, 1, nullptr).layers[0].revived, 1u);
}

TEST(Probes, SaturationVanishingAndTheoryAtInit) {
  data::Split s = data::split(data::load("spirals", 400, 0.1, 1), 0.2, 2);
  ModelSpec spec = ModelSpec::parse("2-64-64-64-64-64-2", "sigmoid");
  spec.init = Init::kXavierNormal;
  Mlp m(spec);
  const Matrix x = to_matrix(s.train);
  Prober p(m, x, s.train.labels, {}, ProbeOptions{});
  const ProbeRecord r = p.measure(0, 0, nullptr);
  // Sigmoid stacks: the backward signal at the first hidden layer is far below the last.
  EXPECT_LT(r.backward_ratio, 0.1);
  // Theory at init: per-layer E[h²] within 25 % of the measured value (64 units, finite width).
  for (const auto& l : r.layers) {
    EXPECT_NEAR(l.pre_moment / l.theory_moment, 1.0, 0.25) << "layer " << l.layer;
  }
  // Large weights drive a tanh layer into saturation.
  Mlp t(ModelSpec::parse("2-64-2", "tanh"));
  t.hidden()[0].dense->w *= 30;
  Prober pt(t, x, s.train.labels, {}, ProbeOptions{});
  std::vector<Warning> ws;
  const ProbeRecord rt = pt.measure(1, 1, &ws);
  EXPECT_GT(rt.layers[0].saturated, 0.5);
  EXPECT_GT(rt.layers[0].bound_saturated, 0.5);
  bool saw = false;
  for (const auto& w : ws) saw = saw || w.code == "saturation";
  EXPECT_TRUE(saw);
}

}  // namespace
}  // namespace actlab::nn
