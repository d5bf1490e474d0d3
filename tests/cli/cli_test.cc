// cli_test.cc — the actlab command as a user runs it: output, --json, and one
// clear line with exit status 2 for every kind of bad input.
#include <gtest/gtest.h>

#include <cmath>
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
  const std::vector<BadCase> cases = {
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
