// lint_test.cc — the Quick Checks: every listed mismatch is found, well-formed models are silent.
#include <gtest/gtest.h>

#include "lint.h"

namespace actlab::nn {
namespace {

ModelSpec spec(const char* short_form, const char* act, const char* output, LossKind loss, Init init = Init::kAuto) {
  ModelSpec m = ModelSpec::parse(short_form, act);
  m.output_activation = output;
  m.loss = loss;
  m.init = init;
  return m;
}

std::vector<std::string> codes(const ModelSpec& m, LintOptions o = {}) {
  std::vector<std::string> out;
  for (const auto& f : lint(m, o)) out.push_back(f.code);
  return out;
}

bool has(const ModelSpec& m, const std::string& code, LintOptions o = {}) {
  const auto c = codes(m, o);
  return std::find(c.begin(), c.end(), code) != c.end();
}

TEST(Lint, FindsEveryListedMismatch) {
  using L = LossKind;
  EXPECT_TRUE(has(spec("64-128-10", "relu", "softmax", L::kCrossEntropy), "AL101"));
  EXPECT_TRUE(has(spec("64-128-10", "relu", "log_softmax", L::kCrossEntropy), "AL101"));
  EXPECT_TRUE(has(spec("30-16-1", "relu", "sigmoid", L::kBceWithLogits), "AL102"));
  EXPECT_TRUE(has(spec("64-128-10", "relu", "none", L::kNll), "AL103"));
  EXPECT_TRUE(has(spec("30-16-1", "relu", "none", L::kBce), "AL103"));
  EXPECT_TRUE(has(spec("3-16-1", "relu", "relu", L::kMse), "AL104"));
  EXPECT_TRUE(has(spec("3-16-1", "relu", "sigmoid", L::kMse), "AL104"));
  EXPECT_TRUE(has(spec("8-16-5", "relu", "softmax", L::kBceWithLogits), "AL105"));
  LintOptions multi;
  multi.multilabel = true;
  EXPECT_TRUE(has(spec("8-16-5", "relu", "softmax", L::kNll), "AL105", multi));
  EXPECT_TRUE(has(spec("2-64-64-3", "identity", "none", L::kCrossEntropy), "AL201"));
  EXPECT_TRUE(has(spec("2-64:identity-64:relu-3", "relu", "none", L::kCrossEntropy), "AL201"));
  EXPECT_TRUE(has(spec("2-64-64-3", "tanh", "none", L::kCrossEntropy, Init::kKaimingNormal), "AL301"));
  EXPECT_TRUE(has(spec("2-64-64-3", "sigmoid", "none", L::kCrossEntropy, Init::kKaimingUniform), "AL301"));
  EXPECT_TRUE(has(spec("2-64-64-3", "relu", "none", L::kCrossEntropy, Init::kXavierUniform), "AL302"));
  EXPECT_TRUE(has(spec("2-64-64-3", "selu", "none", L::kCrossEntropy, Init::kKaimingNormal), "AL303"));
  EXPECT_TRUE(has(spec("2-32-32-32-32-32-3", "sigmoid", "none", L::kCrossEntropy), "AL401"));
  ModelSpec drop = spec("2-64-64-3", "selu", "none", L::kCrossEntropy);
  drop.hidden[0].dropout = 0.2;
  EXPECT_TRUE(has(drop, "AL402"));
}

TEST(Lint, QuantifiesTheInitMismatchFromTheory) {
  // Xavier with ReLU on equal widths: σ_w² = 1, E[relu(h)²] = q/2, so q halves per layer.
  const auto f =
      lint(spec("64-64-64-64-64-64-64-64-64-64-64-10", "relu", "none", LossKind::kCrossEntropy, Init::kXavierNormal));
  ASSERT_FALSE(f.empty());
  EXPECT_NE(f[0].message.find("×0.5 per layer"), std::string::npos) << f[0].message;
  EXPECT_NE(f[0].message.find("×0.000977 over 10 layers"), std::string::npos) << f[0].message;
}

TEST(Lint, SilentOnWellFormedModels) {
  using L = LossKind;
  for (const ModelSpec& m :
       {spec("64-128-128-10", "relu", "none", L::kCrossEntropy), spec("2-64-64-3", "tanh", "none", L::kCrossEntropy),
        spec("2-64-64-3", "tanh", "none", L::kCrossEntropy, Init::kXavierUniform),
        spec("2-64-64-3", "relu", "none", L::kCrossEntropy, Init::kKaimingNormal),
        spec("2-64-64-3", "selu", "none", L::kCrossEntropy, Init::kLecunNormal),
        spec("2-64-64-3", "gelu", "log_softmax", L::kNll), spec("30-16-1", "silu", "sigmoid", L::kBce),
        spec("30-16-1", "elu", "none", L::kBceWithLogits), spec("3-32-32-1", "relu", "none", L::kMse),
        spec("2-32-32-32-32-32-3", "relu", "none", L::kCrossEntropy)}) {
    EXPECT_TRUE(lint(m).empty()) << m.short_form() << ": " << (lint(m).empty() ? "" : lint(m)[0].message);
  }
}

}  // namespace
}  // namespace actlab::nn
