// experiments_test.cc — each experiment shows the effect the seeds describe,
// asserted on its data (issue #7), and writes its report files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "experiments.h"
#include "formula.h"

namespace actlab::lab {
namespace {

ExperimentReport run(const char* name, bool quick = true) {
  LabOptions o;
  o.dir = std::filesystem::temp_directory_path() / ("actlab-exp-" + std::to_string(::getpid())) / name;
  std::filesystem::create_directories(o.dir);
  o.quick = quick;
  const ExperimentReport r = find_experiment(name)->run(o);
  write_experiment(r, o.dir, "test");
  EXPECT_TRUE(std::filesystem::exists(o.dir / "index.html"));
  EXPECT_TRUE(std::filesystem::exists(o.dir / "results.json"));
  for (const auto& f : r.figures) EXPECT_TRUE(std::filesystem::exists(o.dir / (f.stem + ".csv"))) << f.stem;
  for (const auto& v : r.verdicts) std::printf("  %s: %s\n", name, v.c_str());
  return r;
}

TEST(Experiments, SigmoidsFirstLayerGradientIsOrdersOfMagnitudeBelowRelus) {
  const auto r = run("depth");
  EXPECT_LT(r.numbers.at("sigmoid_over_relu_first_layer"), 1e-6);
  // Theory and measurement agree on the sigmoid's collapse to within an order of magnitude.
  EXPECT_NEAR(std::log10(r.numbers.at("sigmoid/backward_ratio_init")),
              std::log10(r.numbers.at("sigmoid/backward_ratio_theory")), 1.0);
}

TEST(Experiments, TooLargeRateKillsReluWhileLeakyRecovers) {
  const auto r = run("dead-relu");
  EXPECT_GT(r.numbers.at("relu/large/final"), 0.30);
  EXPECT_LT(r.numbers.at("relu/small/final"), r.numbers.at("relu/large/final"));
  EXPECT_LT(r.numbers.at("leaky_relu(0.05)/large/final"), r.numbers.at("leaky_relu(0.05)/large/peak"));
}

TEST(Experiments, DoubleSoftmaxEndsWithAClearlyHigherLoss) {
  const auto r = run("double-softmax");
  EXPECT_GT(r.numbers.at("softmax/train_loss"), 1.4);  // the floor log(1 + 9/e) ≈ 1.46
  EXPECT_LT(r.numbers.at("logits/train_loss"), 0.7);
  EXPECT_GT(r.numbers.at("softmax/train_loss"), 2 * r.numbers.at("logits/train_loss"));
}

TEST(Experiments, MismatchedInitSaturatesMoreThanMatched) {
  const auto r = run("init-mismatch");
  EXPECT_GT(r.numbers.at("tanh/mismatched/mean_saturation"), 2 * r.numbers.at("tanh/matched/mean_saturation"));
  EXPECT_LT(r.numbers.at("relu/mismatched/last_layer_q_init"), 0.1 * r.numbers.at("relu/matched/last_layer_q_init"));
}

TEST(Experiments, SaturationGeluApproxCompareAndCustom) {
  const auto s = run("saturation");
  EXPECT_NEAR(s.numbers.at("sigmoid_slope_at_099"), 0.0099, 1e-12);
  EXPECT_LT(s.numbers.at("saturated/backward_ratio"), 1e-3 * s.numbers.at("unsaturated/backward_ratio"));
  const auto g = run("gelu-approx");
  EXPECT_LT(g.numbers.at("gelu_tanh/max_error"), 1e-3);
  EXPECT_GT(g.numbers.at("gelu_sigmoid/max_error"), 10 * g.numbers.at("gelu_tanh/max_error"));
  const auto c = run("compare");
  EXPECT_GT(c.numbers.at("spirals:3/relu/valid_accuracy"), c.numbers.at("spirals:3/sigmoid/valid_accuracy"));
  const auto u = run("custom");
  EXPECT_EQ(u.numbers.at("smooth"), 1.0);
  EXPECT_EQ(u.numbers.at("bounded_below"), 1.0);
}

TEST(Formula, DerivativesAreExactAndErrorsNameTheColumn) {
  const Formula mish = Formula::parse("x*tanh(log(1+exp(x)))");
  for (const double x : {-3.0, -0.5, 0.0, 0.7, 2.5}) {
    const double sp = std::log1p(std::exp(x)), t = std::tanh(sp), s = 1 / (1 + std::exp(-x));
    EXPECT_NEAR(mish.eval(x), x * t, 1e-15);
    EXPECT_NEAR(mish.derivative(x), t + x * (1 - t * t) * s, 1e-14);  // closed form of mish'
  }
  EXPECT_DOUBLE_EQ(Formula::parse("2^x").derivative(1.0), 2 * std::log(2.0));
  EXPECT_DOUBLE_EQ(Formula::parse("max(x, 0.1*x)").derivative(-1.0), 0.1);
  EXPECT_DOUBLE_EQ(Formula::parse("-x^2").eval(3.0), -9.0);
  for (const char* bad : {"", "x +", "foo(x)", "max(x)", "(x", "x $ 2", "2..3"}) {
    try {
      (void)Formula::parse(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const FormulaError& e) {
      EXPECT_NE(std::string(e.what()).find("column"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(Formula::parse(std::string(500, '(') + "x" + std::string(500, ')')), FormulaError);
}

}  // namespace
}  // namespace actlab::lab
