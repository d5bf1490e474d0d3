// spec_test.cc — model files, every layer kind's gradients, schedules, checkpoints.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "io.h"
#include "train.h"

namespace actlab::nn {
namespace {

TEST(ModelSpec, JsonRoundTripAndShortForm) {
  const ModelSpec m = ModelSpec::from_json(R"J({
    "inputs": 4, "layers": [{"width": 8, "activation": "prelu", "per_unit": true},
                            {"width": 6, "activation": "leaky_relu(0.2)", "dropout": 0.1}, 5],
    "outputs": 3, "output_activation": "log_softmax", "loss": "nll", "init": "kaiming", "seed": 9,
    "activation": "tanh"})J",
                                           "m.json");
  ASSERT_EQ(m.hidden.size(), 3u);
  EXPECT_TRUE(m.hidden[0].per_unit);
  EXPECT_EQ(m.hidden[2].activation, "tanh");
  EXPECT_EQ(m.loss, LossKind::kNll);
  EXPECT_EQ(m.short_form(), "4-8:prelu-6:leaky_relu(0.2)-5:tanh-3");
  const ModelSpec again = ModelSpec::from_json(m.to_json(), "again");
  EXPECT_EQ(again.to_json(), m.to_json());
  Mlp model(m);
  EXPECT_NE(model.summary().find("PReLU(8 slopes"), std::string::npos);
  EXPECT_NE(model.summary().find("Dropout(p=0.1)"), std::string::npos);
  EXPECT_NE(model.summary().find("log_softmax()"), std::string::npos);
}

TEST(ModelSpec, EveryMistakeIsOneLineNamingWhere) {
  const std::pair<const char*, const char*> cases[] = {
      {"{", "not valid JSON"},
      {R"J({"inputs": 4666666e11111111.1117})J", "a number out of range"},  // fuzz_model_json crash, fixed
      {"[1]", "a JSON object"},
      {R"J({"inputs": 2, "outputs": 3, "layerz": []})J", "unknown key 'layerz'"},
      {R"J({"inputs": 0, "outputs": 3})J", "inputs: must be a whole number"},
      {R"J({"inputs": 2, "outputs": 3, "layers": [{"width": 0}]})J", "layers[0].width"},
      {R"J({"inputs": 2, "outputs": 3, "layers": [{"width": 4, "activation": "gelo"}]})J", "did you mean"},
      {R"J({"inputs": 2, "outputs": 3, "layers": [{"width": 4, "activation": "elu(alpha=-1)"}]})J", "alpha"},
      {R"J({"inputs": 2, "outputs": 3, "layers": [{"width": 4, "dropout": 1.5}]})J", "dropout must be in [0, 1)"},
      {R"J({"inputs": 2, "outputs": 3, "layers": [{"width": 4, "per_unit": true}]})J", "per_unit applies to prelu"},
      {R"J({"inputs": 2, "outputs": 3, "init": "zeros"})J", "unknown initializer 'zeros'"},
      {R"J({"inputs": 2, "outputs": 3, "loss": "hinge"})J", "unknown loss 'hinge'"},
      {R"J({"inputs": 2, "outputs": 3, "output_activation": "softmaxx"})J", "output_activation"},
      {R"J({"inputs": 2, "outputs": 3, "seed": -1})J", "seed"},
      {R"J({"inputs": 2})J", "needs 'inputs' and 'outputs'"},
  };
  for (const auto& [text, expect] : cases) {
    try {
      (void)ModelSpec::from_json(text, "m.json");
      ADD_FAILURE() << text << " was accepted";
    } catch (const SpecError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(expect), std::string::npos) << text << " → " << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_EQ(what.rfind("m.json", 0), 0u) << what;
    }
  }
  EXPECT_THROW(ModelSpec::parse("2-64:relu"), SpecError);
  EXPECT_THROW(ModelSpec::load("/nonexistent/model.json"), SpecError);
}

// Gradients of every layer kind, the output activations and their losses, against central differences.
TEST(Mlp, EveryLayerKindAndLossHasExactGradients) {
  struct Case {
    const char* json;
    bool regression;
  };
  const Case cases[] = {
      {R"J({"inputs":3,"layers":[{"width":5,"activation":"prelu","per_unit":true},{"width":4,"activation":"prelu"}],
           "outputs":3})J",
       false},
      {R"J({"inputs":3,"layers":[{"width":5,"activation":"gelu"}],"outputs":3,"output_activation":"log_softmax",
           "loss":"nll"})J",
       false},
      {R"J({"inputs":3,"layers":[{"width":5,"activation":"tanh"}],"outputs":3,"output_activation":"softmax",
           "loss":"cross_entropy"})J",
       false},
      {R"J({"inputs":3,"layers":[{"width":5,"activation":"elu"}],"outputs":3,"loss":"bce_with_logits"})J", false},
      {R"J({"inputs":3,"layers":[{"width":5,"activation":"silu"}],"outputs":3,"output_activation":"sigmoid",
           "loss":"bce"})J",
       false},
      {R"J({"inputs":3,"layers":[{"width":5,"activation":"softplus"},{"width":4,"activation":"mish"}],"outputs":1,
           "loss":"mse"})J",
       true},
      {R"J({"inputs":3,"layers":[{"width":5,"activation":"rrelu"}],"outputs":1,"loss":"huber"})J", true},
  };
  for (const auto& c : cases) {
    ModelSpec spec = ModelSpec::from_json(c.json, "case");
    spec.init = Init::kXavierNormal;
    Mlp model(spec);
    std::mt19937_64 rng(2);
    std::normal_distribution<double> n01(0, 1);
    Matrix x(6, 3);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = n01(rng);
    std::vector<std::int64_t> labels;
    std::vector<double> values;
    if (c.regression) {
      values = {0.5, -1, 2, 0.1, 0.3, -0.7};
    } else {
      labels = {0, 1, 2, 2, 1, 0};
    }
    Matrix grad;
    model_loss(model.spec(), model.forward(x, false), labels, values, &grad);
    model.zero_grad();
    model.backward(grad);
    double worst = 0;
    for (const Param& p : model.parameters()) {
      for (Eigen::Index i = 0; i < p.value->size(); ++i) {
        double& w = p.value->data()[i];
        const double saved = w, h = 1e-6;
        Matrix scratch;
        w = saved + h;
        const double up = model_loss(model.spec(), model.forward(x, false), labels, values, &scratch);
        w = saved - h;
        const double down = model_loss(model.spec(), model.forward(x, false), labels, values, &scratch);
        w = saved;
        const double fd = (up - down) / (2 * h), an = p.grad->data()[i];
        worst = std::max(worst, std::abs(fd - an) / std::max(1e-3, std::abs(fd) + std::abs(an)));
      }
    }
    EXPECT_LT(worst, 1e-6) << model.spec().short_form() << " " << to_string(spec.loss);
  }
}

TEST(Layers, DropoutAndRreluBehaveAsInTrainingAndEval) {
  Dropout d(0.25);
  d.reseed(7);
  const Matrix x = Matrix::Ones(200, 100);
  const Matrix y = d.forward(x, true);
  const double zeros = static_cast<double>((y.array() == 0).count()) / static_cast<double>(y.size());
  EXPECT_NEAR(zeros, 0.25, 0.01);
  EXPECT_NEAR(y.mean(), 1.0, 0.02);                  // inverted dropout keeps the mean
  EXPECT_EQ(d.forward(x, false), x);                 // identity in eval
  EXPECT_EQ(d.backward(x), Matrix::Ones(200, 100));  // eval mask
  RReluLayer r(Activation::parse("rrelu(0.1, 0.3)"));
  r.reseed(3);
  const Matrix neg = -Matrix::Ones(50, 40);
  const Matrix t = r.forward(neg, true);
  EXPECT_GE(-t.maxCoeff(), 0.1);
  EXPECT_LE(-t.minCoeff(), 0.3);
  EXPECT_GT(t.maxCoeff() - t.minCoeff(), 0.1);  // random slopes
  EXPECT_EQ(r.forward(neg, false), Matrix::Constant(50, 40, -0.2));
}

TEST(Schedule, ShapesOfTheRate) {
  Schedule s;
  EXPECT_EQ(s.factor(100), 1.0);
  s.kind = "step";
  s.step_size = 10;
  s.gamma = 0.5;
  EXPECT_EQ(s.factor(9), 1.0);
  EXPECT_EQ(s.factor(25), 0.25);
  s.kind = "cosine";
  s.total_steps = 100;
  EXPECT_NEAR(s.factor(50), 0.5, 1e-15);
  EXPECT_NEAR(s.factor(100), 0.0, 1e-15);
  s.warmup_steps = 10;
  EXPECT_NEAR(s.factor(0), 0.1 * s.factor(0) / 0.1, 1e-15);
  EXPECT_LT(s.factor(0), 0.11);
  s.kind = "linear";
  EXPECT_THROW(s.validate(), SpecError);
}

struct Fixture {
  data::Split split;
  TrainOptions o;
  Fixture() {
    split = data::split(data::load("spirals:3", 300, 0.1, 1), 0.2, 2);
    o.epochs = 4;
    o.batch = 32;
    o.optimizer.lr = 1e-2;
    o.probes.every = 5;
  }
};

// Stop mid-epoch, save, restore into a fresh model: the result is bitwise the uninterrupted one.
TEST(Checkpoint, ResumeIsBitIdenticalAndCorruptionIsCaught) {
  Fixture f;
  ModelSpec spec = ModelSpec::parse("2-16-16-3", "relu");
  spec.hidden[1].dropout = 0.1;  // noise must resume exactly too
  Mlp whole(spec);
  Trainer a(whole, f.split.train, f.split.valid, f.o);
  a.run();
  const std::string path =
      (std::filesystem::temp_directory_path() / ("actlab-ck-" + std::to_string(::getpid()))).string();
  {
    Mlp part(spec);
    Trainer b(part, f.split.train, f.split.valid, f.o);
    EXPECT_FALSE(b.run(nullptr, 13));  // stops mid-epoch 2
    b.save_checkpoint(path);
  }
  Mlp resumed(spec);
  Trainer c(resumed, f.split.train, f.split.valid, f.o);
  c.load_checkpoint(path);
  EXPECT_EQ(c.step(), 13u);
  EXPECT_TRUE(c.run());
  auto pa = whole.parameters(), pc = resumed.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(*pa[i].value, *pc[i].value) << pa[i].name;
  ASSERT_EQ(a.history().size(), c.history().size());
  EXPECT_EQ(a.history().back().valid_loss, c.history().back().valid_loss);

  // A flipped byte, a truncation, another model, another file: each one clear error.
  std::string bytes = data::read_file(path);
  const auto expect_error = [&](const std::string& content, const ModelSpec& s, const char* what) {
    data::write_atomically(path, content);
    Mlp m(s);
    Trainer t(m, f.split.train, f.split.valid, f.o);
    try {
      t.load_checkpoint(path);
      ADD_FAILURE() << "accepted: " << what;
    } catch (const CheckpointError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x10;
  expect_error(flipped, spec, "checksum mismatch");
  expect_error(bytes.substr(0, bytes.size() - 100), spec, "checksum mismatch");
  expect_error("hello", spec, "not an actlab checkpoint");
  expect_error(bytes, ModelSpec::parse("2-16-8-3", "relu"), "another model");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace actlab::nn
