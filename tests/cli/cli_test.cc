// cli_test.cc — the actlab command as a user runs it: output, --json, and one
// clear line with exit status 2 for every kind of bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "actlab/actlab.h"
#include "run_process.h"

namespace actlab {
namespace {

using testing::ProcessResult;

ProcessResult actlab(const std::vector<std::string>& args, const std::string& input = "") {
  return testing::run_process(ACTLAB_BIN, args, input);
}

std::size_t count_lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n' ? 1 : 0;
  return n;
}

TEST(Cli, ListShowsEveryRow) {
  const auto r = actlab({"list"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const auto& row : catalog()) EXPECT_NE(r.out.find(std::string(row.name) + " "), std::string::npos) << row.name;
  EXPECT_NE(r.out.find("30 activations"), std::string::npos);
}

TEST(Cli, ListJson) {
  const auto r = actlab({"list", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), kNumActivations);
  EXPECT_EQ(j[2]["name"], "relu");
  EXPECT_EQ(j[2]["backward_from"], "y");
  EXPECT_DOUBLE_EQ(j[2]["torch_gain"].get<double>(), std::sqrt(2.0));
  EXPECT_EQ(j[4]["parameters"][0]["name"], "negative_slope");
}

TEST(Cli, DocsTableIsGeneratedFromTheCatalog) {
  const auto r = actlab({"list", "--markdown"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(std::string(ACTLAB_SOURCE_DIR) + "/docs/activations.md");
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(file.str(), r.out) << "docs/activations.md is stale: regenerate it with "
                                  "'actlab list --markdown > docs/activations.md'";
}

TEST(Cli, InfoShowsFormulaParametersAndGain) {
  const auto r = actlab({"info", "leaky_relu(negative_slope=0.2)"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("leaky_relu(negative_slope=0.2)"), std::string::npos);
  EXPECT_NE(r.out.find("x if x > 0 else negative_slope·x"), std::string::npos);
  EXPECT_NE(r.out.find("torch gain  1.38675049"), std::string::npos);  // √(2/1.04)
  const auto j = nlohmann::json::parse(actlab({"info", "tanh", "--json"}).out);
  EXPECT_NEAR(j["torch_gain"].get<double>(), 5.0 / 3.0, 1e-15);
  EXPECT_EQ(j["init"], "xavier");
}

TEST(Cli, InfoDrawsFAndItsDerivativeInTheTerminal) {
  // scripts/setup.sh installs gnuplot-nox, so the plot is expected here.
  const auto r = actlab({"info", "tanh"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("f(x) ****"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("f'(x) ####"), std::string::npos) << r.out;
  EXPECT_EQ(actlab({"info", "tanh", "--no-plot"}).out.find("f(x) ****"), std::string::npos);
}

TEST(Cli, EvalPrintsNineDigitsOfTheFloat32Result) {
  const auto r = actlab({"eval", "gelu", "1.5", "-2", "--grad"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("1.39978921"), std::string::npos) << r.out;  // mpmath: 1.3997892...
  EXPECT_NE(r.out.find("-0.0455002636"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1.12746918"), std::string::npos) << r.out;  // gelu'(1.5)
}

TEST(Cli, EvalDoubleJsonAndStdin) {
  const auto r = actlab({"eval", "sigmoid", "--double", "--json", "--grad"}, "3\n\n-1e4\nnan\n");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["dtype"], "float64");
  ASSERT_EQ(j["values"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["values"][0]["y"].get<double>(), Activation(ActId::sigmoid).eval(3));
  EXPECT_DOUBLE_EQ(j["values"][0]["dy_dx"].get<double>(), Activation(ActId::sigmoid).derivative(3));
  EXPECT_EQ(j["values"][2]["y"], "nan");
}

TEST(Cli, EvalRowFunctionsAndLoss) {
  auto r = actlab({"eval", "softmax", "2", "1", "0.1", "--json", "--grad"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["y"][0].get<double>(), 0.659, 5e-4);  // the seed's numbers
  EXPECT_NEAR(j["y"][1].get<double>(), 0.242, 5e-4);
  EXPECT_NEAR(j["y"][2].get<double>(), 0.099, 5e-4);
  EXPECT_NEAR(j["jacobian"][0][0].get<double>(), 0.659001 * (1 - 0.659001), 1e-6);
  EXPECT_EQ(j["dtype"], "float32");               // as the element-wise rows: float32 unless --double
  EXPECT_EQ(j["y"][0].get<double>(), 0.6590011);  // float32's correctly rounded 0.659001112, shortest digits
  r = actlab({"eval", "softmax", "2", "1", "0.1", "--double", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["dtype"], "float64");
  EXPECT_NEAR(j["y"][0].get<double>(), 0.65900113888596788, 1e-15);  // e²/(e² + e + e^0.1)
  r = actlab({"eval", "log_softmax", "--temperature", "2", "--json"}, "2\n1\n0.1\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["temperature"], 2.0);
  r = actlab({"loss", "cross_entropy", "--logits", "2,1,0.1", "--target", "0", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_NEAR(j["value"].get<double>(), 0.41703001, 1e-8);
  EXPECT_NEAR(j["gradient"][0].get<double>(), 0.659001139 - 1, 1e-8);  // softmax − onehot
  r = actlab({"loss", "bce_with_logits", "--logits", "1e4,-1e4", "--target", "0,1", "--reduction", "none", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NEAR(nlohmann::json::parse(r.out)["value"][0].get<double>(), 1e4, 1e-9);
}

TEST(Cli, BenchReportsThroughputAgainstCopyBandwidth) {
  const auto r = actlab(
      {"bench", "--fn", "relu", "--fn", "sigmoid", "--fn", "gelu", "--size", "4096", "--threads", "1", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["copy_gb_per_s"].get<double>(), 0.0);
  EXPECT_FALSE(j["simd_target"].get<std::string>().empty());
  ASSERT_EQ(j["activations"].size(), 3u);  // catalog order
  EXPECT_EQ(j["activations"][0]["name"], "relu");
  EXPECT_EQ(j["activations"][2]["name"], "sigmoid");
  EXPECT_GT(j["activations"][2]["forward_ns_per_element"].get<double>(), 0.0);
  // Backward from y where the row can (sigmoid), null where it cannot (gelu).
  EXPECT_GT(j["activations"][2]["backward_from_y_ns_per_element"].get<double>(), 0.0);
  EXPECT_TRUE(j["activations"][1]["backward_from_y_ns_per_element"].is_null());
  // --simd caps the kernels: the least of this CPU's targets is the one reported.
  const std::string least = actlab::simd_targets().back();
  const auto capped = actlab({"bench", "--fn", "relu", "--size", "1024", "--simd", least, "--json"});
  ASSERT_EQ(capped.status, 0) << capped.err;
  EXPECT_EQ(nlohmann::json::parse(capped.out)["simd_target"], least);
}

TEST(Cli, TrainLearnsAndWritesMetrics) {
  const auto dir = std::filesystem::temp_directory_path() / "actlab_cli_train";
  std::filesystem::remove_all(dir);
  const auto r = actlab({"train", "--data", "xor", "--model", "2-32-32-2", "--act", "relu", "--epochs", "60", "--n",
                         "1000", "--noise", "0", "--json", "--out", dir.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["valid_metric"].get<double>(), 0.9);
  EXPECT_EQ(j["epochs"], 60);
  std::ifstream csv(dir / "metrics.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "epoch,step,lr,train_loss,train_metric,valid_loss,valid_metric,seconds");
  for (const char* f : {"metrics.jsonl", "probes.jsonl", "warnings.jsonl", "lint.json", "model.json", "summary.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  }
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << "written atomically: " << e.path();
  }
  // Same seed, same result.
  const auto again = actlab({"train", "--data", "xor", "--model", "2-32-32-2", "--act", "relu", "--epochs", "60", "--n",
                             "1000", "--noise", "0", "--json"});
  EXPECT_EQ(nlohmann::json::parse(again.out)["valid_loss"], j["valid_loss"]);
}

TEST(Cli, HelpAndVersionSucceed) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"list", "--help"}, {"info", "--help"}, {"eval", "--help"}, {"--version"}}) {
    const auto r = actlab(args);
    EXPECT_EQ(r.status, 0) << args[0];
    EXPECT_FALSE(r.out.empty());
  }
  EXPECT_NE(actlab({"eval", "--help"}).out.find("--grad"), std::string::npos);
}

struct BadCase {
  const char* what;
  std::vector<std::string> args;
  std::string input;
  const char* message;  // a part of the one error line
};

TEST(Cli, BadInputGivesOneLineAndExitStatus2) {
  const auto dir = std::filesystem::temp_directory_path() / "actlab_cli_bad";
  std::filesystem::create_directories(dir);
  const auto put = [&](const char* name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  };
  const std::string broken_json = put("broken.json", "{\"inputs\": 2,\n \"outputs\": }");
  const std::string typo_json = put("typo.json", R"({"inputs": 2, "outputs": 2, "layer": [8]})");
  const std::string bad_act_json =
      put("act.json", R"({"inputs": 2, "outputs": 2, "layers": [{"width": 8, "activation": "rellu"}]})");
  const std::string binary_json = put("binary.json", std::string("\x7f\x45\x4c\x46\0\0", 6));
  const std::string not_ckpt = put("not.ckpt", "this is not a checkpoint");
  const std::string csv_ragged = put("ragged.csv", "a,b,label\n1,2,0\n3,1\n");
  const std::string csv_empty = put("empty.csv", "");
  const std::string csv_garbage = put("garbage.csv", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  const std::string csv_one_class = put("one.csv", "a,b,label\n1,2,x\n3,4,x\n5,6,x\n");
  const std::string csv_nan = put("nan.csv", "a,b,label\n1,nan,0\n3,4,1\n5,6,0\n");
  // A real checkpoint of 2-4-2 on xor, then a truncated copy of it.
  const std::string ckpt = (dir / "xor.ckpt").string();
  {
    const auto made = actlab({"train", "--data", "xor", "--n", "64", "--model", "2-4-2", "--batch", "16", "--epochs",
                              "1", "--checkpoint", ckpt, "--force", "-q"});
    EXPECT_EQ(made.status, 0) << made.err;
  }
  std::string ckpt_bytes;
  {
    std::ifstream f(ckpt, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    ckpt_bytes = ss.str();
  }
  const std::string ckpt_cut = put("cut.ckpt", ckpt_bytes.substr(0, ckpt_bytes.size() / 2));
  const std::vector<BadCase> cases = {
      {"train: malformed model JSON", {"train", "--model", broken_json}, "", "broken.json:2:13: not valid JSON"},
      {"train: unknown key in model JSON", {"train", "--model", typo_json}, "", "unknown key 'layer'"},
      {"train: unknown activation in model JSON",
       {"train", "--model", bad_act_json},
       "",
       "layers[0]: unknown activation 'rellu'"},
      {"train: binary model file", {"train", "--model", binary_json}, "", "binary data"},
      {"train: missing model file", {"train", "--model", "/nonexistent/m.json"}, "", "cannot open the model file"},
      {"train: foreign checkpoint",
       {"train", "--checkpoint", not_ckpt, "--resume", "--epochs", "1"},
       "",
       "not an actlab checkpoint"},
      {"train: missing checkpoint", {"train", "--checkpoint", "/nonexistent/c.bin", "--resume"}, "", "cannot open"},
      {"train: resume without checkpoint", {"train", "--resume"}, "", "--resume needs --checkpoint"},
      {"train: ragged csv", {"train", "--data", csv_ragged}, "", "ragged.csv:3"},
      {"train: unknown loss", {"train", "--loss", "hinge"}, "", "unknown loss 'hinge'"},
      {"train: unknown output", {"train", "--output", "softmaxx"}, "", "output_activation"},
      {"train: dropout 1", {"train", "--dropout", "1"}, "", "--dropout must be in [0, 1)"},
      {"train: unknown schedule", {"train", "--schedule", "linear"}, "", "unknown schedule 'linear'"},
      {"train: step schedule without size", {"train", "--schedule", "step"}, "", "step size"},
      {"train: classification loss on regression",
       {"train", "--data", "regression", "--model", "3-8-1", "--loss", "nll"},
       "",
       "needs class labels"},
      {"train: NaN learning rate", {"train", "--lr", "nan"}, "", "--lr must be finite"},
      {"check: unknown activation", {"check", "2-8-2", "--act", "rleu"}, "", "unknown activation 'rleu'"},
      {"check: malformed JSON", {"check", broken_json}, "", "not valid JSON"},
      {"check: missing model", {"check"}, "", "model is required"},
      {"gain: unknown activation", {"gain", "tanhh"}, "", "unknown activation 'tanhh'"},
      {"gain: negative sigma-b", {"gain", "tanh", "--sigma-b", "-1"}, "", "--sigma-b must be"},
      {"gain: zero sigma-w2", {"gain", "tanh", "--sigma-w2", "0"}, "", "--sigma-w2 must be"},
      {"lab: unknown experiment", {"lab", "dead-relus"}, "", "unknown experiment 'dead-relus'"},
      {"train: empty csv", {"train", "--data", csv_empty}, "", "empty.csv"},
      {"train: binary garbage csv", {"train", "--data", csv_garbage}, "", "garbage.csv"},
      {"train: a single class", {"train", "--data", csv_one_class}, "", "one class"},
      {"train: NaN in a csv", {"train", "--data", csv_nan}, "", "nan.csv:2"},
      {"train: unknown label column", {"train", "--data", csv_ragged, "--label", "target"}, "", "target"},
      {"train: truncated checkpoint",
       {"train", "--data", "xor", "--n", "64", "--model", "2-4-2", "--batch", "16", "--checkpoint", ckpt_cut,
        "--resume"},
       "",
       "checksum mismatch"},
      {"train: checkpoint of another model",
       {"train", "--data", "xor", "--n", "64", "--model", "2-8-2", "--batch", "16", "--checkpoint", ckpt, "--resume"},
       "",
       "another model"},
      {"train: checkpoint with another batch size",
       {"train", "--data", "xor", "--n", "64", "--model", "2-4-2", "--batch", "8", "--checkpoint", ckpt, "--resume"},
       "",
       "same --batch"},
      {"train: checkpoint into a missing directory",
       {"train", "--epochs", "1", "--checkpoint", "/nonexistent/dir/c.ckpt"},
       "",
       "/nonexistent/dir/c.ckpt"},
      {"train: existing checkpoint", {"train", "--epochs", "1", "--checkpoint", ckpt}, "", "exists; add --resume"},
      {"plot: existing output", {"plot", "relu", "--out", ckpt_cut}, "", "must end in .svg"},
      {"plot: existing image", {"plot", "relu", "--out", put("old.svg", "<svg/>")}, "", "exists (add --force"},
      {"check: unknown init", {"check", "2-8-2", "--init", "zeros"}, "", "unknown initializer 'zeros'"},
      {"check: bad width", {"check", "2-0-2"}, "", "width '0'"},
      {"gain: malformed spec", {"gain", "elu(alpha=)"}, "", "elu"},
      {"plot: missing directory", {"plot", "relu", "--out", "/nonexistent/dir/p.svg"}, "", "no directory"},
      {"lab: zero depth", {"lab", "depth", "--depth", "0"}, "", "--depth"},
      {"lab: bad formula", {"lab", "custom", "--formula", "x*tanh(", "--out", dir.string()}, "", "column"},
      {"lab: unknown activation in --acts", {"lab", "compare", "--acts", "relu,gelo"}, "", "unknown activation 'gelo'"},
      {"lab: unwritable report",
       {"lab", "saturation", "--out", "/proc/actlab-report"},
       "",
       "cannot write to the report"},
      {"plot: bad range", {"plot", "relu", "--range", "5:1", "--out", (dir / "p.svg").string()}, "", "--range must be"},
      {"plot: bad extension", {"plot", "relu", "--out", (dir / "p.jpg").string()}, "", "must end in .svg or .png"},
      {"plot: unknown activation",
       {"plot", "rleu", "--out", (dir / "p.svg").string()},
       "",
       "unknown activation 'rleu'"},
      {"no command", {}, "", "a command is required"},
      {"unknown command", {"bogus"}, "", "unknown command 'bogus'"},
      {"unknown option", {"list", "--bogus"}, "", "--bogus"},
      {"unknown activation", {"eval", "gelo", "1"}, "", "unknown activation 'gelo' (did you mean gelu"},
      {"unknown activation in info", {"info", "nope"}, "", "unknown activation 'nope'"},
      {"parameter out of range", {"eval", "leaky_relu(-1)", "1"}, "", "out of range"},
      {"parameter not finite", {"eval", "elu(alpha=inf)", "1"}, "", "not a finite number"},
      {"zero where open range", {"eval", "celu(alpha=0)", "1"}, "", "out of range (0,"},
      {"unknown parameter", {"info", "elu(beta=1)"}, "", "unknown parameter 'beta'"},
      {"malformed spec", {"eval", "relu(", "1"}, "", "cannot parse activation"},
      {"non-numeric value", {"eval", "relu", "abc"}, "", "'abc' is not a number"},
      {"half a number", {"eval", "relu", "1.5x"}, "", "'1.5x' is not a number"},
      {"empty stdin", {"eval", "relu"}, "", "no values on stdin"},
      {"blank stdin", {"eval", "relu"}, "\n  \n", "no values on stdin"},
      {"bad stdin line", {"eval", "relu"}, "1\nfoo\n", "stdin line 2: 'foo'"},
      {"binary garbage on stdin", {"eval", "relu"}, std::string("\x01\x02\xff\xfe", 4), "is not a number"},
      {"missing spec", {"eval"}, "", "spec is required"},
      {"missing spec for info", {"info"}, "", "spec is required"},
      {"empty spec", {"eval", "", "1"}, "", "empty text"},
      {"temperature on an element-wise row", {"eval", "relu", "1", "-t", "2"}, "", "apply to softmax"},
      {"zero temperature", {"eval", "softmax", "1", "2", "-t", "0"}, "", "temperature must be finite and > 0"},
      {"odd input to a gated function", {"eval", "swiglu", "1", "2", "3"}, "", "two halves"},
      {"beyond float32", {"eval", "softmax", "1", "1e39"}, "", "value 2 (1e+39) is beyond float32's range"},
      {"beyond float32 on stdin", {"eval", "gelu"}, "-4e38\n", "use --double"},
      {"negative infinity without --", {"eval", "relu", "1", "-inf"}, "", "put -- before the values"},
      {"target out of range",
       {"loss", "cross_entropy", "--logits", "2,1,0.1", "--target", "7"},
       "",
       "out of range [0, 3)"},
      {"unknown loss", {"loss", "hinge", "--logits", "1", "--target", "1"}, "", "unknown loss 'hinge'"},
      {"bad reduction",
       {"loss", "mse", "--input", "1", "--target", "1", "--reduction", "avg"},
       "",
       "--reduction must be"},
      {"rows do not divide",
       {"loss", "cross_entropy", "--logits", "1,2,3", "--target", "0", "--rows", "2"},
       "",
       "do not split into 2 rows"},
      {"non-numeric logits", {"loss", "cross_entropy", "--logits", "1,x", "--target", "0"}, "", "'x' is not a number"},
      {"fractional class", {"loss", "cross_entropy", "--logits", "1,2", "--target", "0.5"}, "", "not a class index"},
      {"negative weight",
       {"loss", "cross_entropy", "--logits", "1,2", "--target", "0", "--weight", "1,-1"},
       "",
       "must be finite and >= 0"},
      {"probability outside [0, 1]", {"loss", "bce", "--input", "1.5", "--target", "1"}, "", "not a probability"},
      {"mismatched sizes", {"loss", "mse", "--input", "1,2", "--target", "1"}, "", "target has 1 values"},
      {"bench: unknown activation", {"bench", "--fn", "nope"}, "", "unknown activation 'nope'"},
      {"bench: unknown SIMD target", {"bench", "--simd", "avx9"}, "", "bench: unknown SIMD target 'avx9'"},
      {"train: unknown data", {"train", "--data", "mnist"}, "", "unknown data 'mnist'"},
      {"train: missing csv", {"train", "--data", "/nonexistent/a.csv"}, "", "cannot open"},
      {"train: model/data mismatch", {"train", "--data", "iris", "--model", "2-8-2"}, "", "try --model 4-64-64-3"},
      {"train: bad width", {"train", "--model", "2-0-2"}, "", "width '0' is not a whole number"},
      {"train: unknown activation", {"train", "--act", "gelo"}, "", "unknown activation 'gelo'"},
      {"train: unknown init", {"train", "--init", "zeros"}, "", "unknown initializer 'zeros'"},
      {"train: unknown optimizer", {"train", "--optimizer", "rmsprop", "--epochs", "1"}, "", "unknown optimizer"},
      {"train: zero learning rate", {"train", "--lr", "0"}, "", "--lr must be finite and > 0"},
      {"train: bad valid share", {"train", "--valid", "1.5"}, "", "--valid must be in [0, 1)"},
      {"train: unwritable output",
       {"train", "--epochs", "1", "--out", "/proc/actlab"},
       "",
       "cannot write to the output directory"},
      {"bench: zero size", {"bench", "--size", "0"}, "", "--size"},
  };
  for (const auto& c : cases) {
    const auto r = actlab(c.args, c.input);
    EXPECT_EQ(r.status, 2) << c.what << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << c.what << ": " << r.err;
    EXPECT_NE(r.err.find("actlab: error: "), std::string::npos) << c.what;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.what << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << c.what << ": " << r.out;
  }
}

}  // namespace
}  // namespace actlab
