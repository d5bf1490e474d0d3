// training_test.cc — the learning targets: real training runs, so they are
// labelled "slow" and run in the release preset only (under -O0 + ASan they take minutes).
#include <gtest/gtest.h>

#include <string>

#include "train.h"

namespace actlab::nn {
namespace {

double train_and_validate(const char* data_spec, const char* model_spec, const char* act, std::size_t epochs, double lr,
                          std::size_t n = 1000, double noise = 0.1) {
  data::Split s = data::split(data::load(data_spec, n, noise, 3), 0.2, 4);
  const auto z = data::Standardizer::fit(s.train);
  z.apply(s.train);
  z.apply(s.valid);
  Mlp model(model_spec, act, Init::kAuto, 5);
  TrainOptions o;
  o.epochs = epochs;
  o.batch = 64;
  o.optimizer.kind = "adam";
  o.optimizer.lr = lr;
  o.seed = 6;
  const auto stats = train_classifier(model, s.train, s.valid, o);
  EXPECT_LT(stats.back().train_loss, stats.front().train_loss) << data_spec << ": the loss goes down";
  return stats.back().valid_acc;
}

TEST(Training, ReluMlpLearnsDigitsAndSpirals) {
  const double digits = train_and_validate("digits", "64-128-128-10", "relu", 30, 1e-3);
  std::printf("  digits validation accuracy %.4f\n", digits);
  EXPECT_GE(digits, 0.97);
  const double spirals = train_and_validate("spirals:3", "2-64-64-3", "relu", 200, 1e-2, 900, 0.05);
  std::printf("  3-arm spirals validation accuracy %.4f\n", spirals);
  EXPECT_GE(spirals, 0.95);
}

TEST(Training, LossGoesDownOnEveryBundledSet) {
  for (const char* name : {"breast_cancer", "iris", "wine"}) {
    const double acc = train_and_validate(name,
                                          name == std::string("breast_cancer") ? "30-32-2"
                                          : name == std::string("iris")        ? "4-32-3"
                                                                               : "13-32-3",
                                          "relu", 30, 1e-2);
    EXPECT_GT(acc, 0.8) << name;
  }
}

}  // namespace
}  // namespace actlab::nn
