// catalog_test.cc — every row is complete, and its property flags are true of its reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "actlab/actlab.h"

namespace actlab {
namespace {

// DESIGN.md's element-wise catalog; the table must hold every one of them.
constexpr const char* kRequired[] = {
    "identity",   "step",        "relu",       "relu6",      "leaky_relu",   "prelu",       "rrelu",    "elu",
    "celu",       "selu",        "gelu",       "gelu_tanh",  "gelu_sigmoid", "silu",        "swish",    "mish",
    "sigmoid",    "log_sigmoid", "tanh",       "hardtanh",   "hardsigmoid",  "hardswish",   "softplus", "softsign",
    "squareplus", "softshrink",  "hardshrink", "tanhshrink", "threshold",    "relu_squared"};

TEST(Catalog, HoldsEveryActivationOfTheDesign) {
  EXPECT_EQ(catalog().size(), kNumActivations);
  for (const char* name : kRequired) EXPECT_NE(find(name), nullptr) << name;
  EXPECT_EQ(kNumActivations, std::size(kRequired));
}

TEST(Catalog, EveryRowIsComplete) {
  std::set<std::string_view> names;
  for (const auto& row : catalog()) {
    SCOPED_TRACE(std::string(row.name));
    EXPECT_TRUE(names.insert(row.name).second) << "duplicate name";
    EXPECT_EQ(&info(row.id), &row);
    EXPECT_FALSE(row.formula.empty());
    EXPECT_FALSE(row.derivative.empty());
    EXPECT_FALSE(row.range.empty());
    EXPECT_GT(row.note.size(), 10u) << "the note documents kinks and semantics";
    EXPECT_NE(row.props, 0u) << "properties";
    EXPECT_GE(row.f32_ulp_forward, 1.0) << "accuracy bound";
    // The contract: at most 2 ulp forward, 4 backward (docs/accuracy.md has the sweep).
    EXPECT_LE(row.f32_ulp_forward, 2.0) << "accuracy bound";
    EXPECT_GE(row.f32_ulp_backward, 1.0) << "accuracy bound";
    EXPECT_LE(row.f32_ulp_backward, 4.0) << "accuracy bound";
    EXPECT_TRUE(std::all_of(row.name.begin(), row.name.end(),
                            [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }));
    for (const auto& p : row.param_list()) {
      EXPECT_FALSE(p.name.empty());
      EXPECT_FALSE(p.doc.empty()) << p.name;
      EXPECT_LE(p.min, p.max) << p.name;
      EXPECT_TRUE(p.range == Range::kOpenMin ? p.default_value > p.min : p.default_value >= p.min) << p.name;
      EXPECT_LE(p.default_value, p.max) << p.name;
    }
    // A reference exists (compile-time enforced) and is not a NaN stub.
    const Activation act(row.id);
    EXPECT_FALSE(std::isnan(act.eval(0.5)));
    EXPECT_FALSE(std::isnan(act.derivative(0.5)));
  }
}

TEST(Catalog, FindAliasesAndSuggestions) {
  EXPECT_EQ(find("heaviside")->id, ActId::step);
  EXPECT_EQ(find("logsigmoid")->id, ActId::log_sigmoid);
  EXPECT_EQ(find("linear")->id, ActId::identity);
  EXPECT_EQ(find("nope"), nullptr);
  const auto s = suggest("gelo");
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s.front(), "gelu");
  EXPECT_TRUE(suggest("zzzzzzzzzzzzzzzzzzzzzzzzzzzz").empty());
}

// Property flags are columns that code queries, so they must be true of the function.
TEST(Catalog, PropertyFlagsAgreeWithTheReference) {
  for (const auto& row : catalog()) {
    SCOPED_TRACE(std::string(row.name));
    const Activation a(row.id);
    std::vector<double> grid;
    for (int i = -400; i <= 400; ++i) grid.push_back(i / 40.0);  // -10 .. 10
    if (row.has(kMonotonic)) {
      for (std::size_t i = 1; i < grid.size(); ++i) EXPECT_LE(a.eval(grid[i - 1]), a.eval(grid[i])) << grid[i];
    } else {
      bool decreases = false;
      for (std::size_t i = 1; i < grid.size(); ++i) decreases |= a.eval(grid[i]) < a.eval(grid[i - 1]);
      EXPECT_TRUE(decreases) << "not flagged monotonic, but is";
    }
    EXPECT_EQ(row.has(kBoundedBelow), a.eval(-1e6) > -1e3);
    EXPECT_EQ(row.has(kBoundedAbove), a.eval(1e6) < 1e3);
    if (row.has(kZeroCentred)) {
      EXPECT_EQ(a.eval(0), 0.0);
      EXPECT_EQ(a.eval(-2), -a.eval(2)) << "odd";
    }
    // Saturating (the literature's sense): on a bounded side f' -> 0 while f
    // has not reached its bound on a whole interval short of it, or clamps to a
    // non-zero bound. relu's flat zero side is "dead", not saturated; gelu,
    // silu and mish are not classed as saturating though their negative tail
    // flattens, so the flag implies this condition but not the converse.
    const auto saturates = [&](double side, bool bounded) {
      return bounded && a.eval(side * 30) != 0 && std::fabs(a.derivative(side * 1e4)) < 1e-6;
    };
    if (row.has(kSaturating)) {
      EXPECT_TRUE(saturates(-1, row.has(kBoundedBelow)) || saturates(1, row.has(kBoundedAbove)));
    }
    const bool has_zero_run = std::any_of(grid.begin(), grid.end(),
                                          [&](double x) { return x != 0 && a.eval(x) == 0 && a.eval(x + 0.01) == 0; });
    EXPECT_EQ(row.has(kSparse), has_zero_run);
    const bool has_flat_run = std::any_of(
        grid.begin(), grid.end(), [&](double x) { return a.derivative(x) == 0 && a.derivative(x + 0.01) == 0; });
    EXPECT_EQ(row.has(kZeroGradRegion), has_flat_run);
    if (row.has(kSmooth)) {
      for (double x : grid) EXPECT_NEAR(a.derivative(x - 1e-9), a.derivative(x + 1e-9), 1e-6) << x;
    }
  }
}

}  // namespace
}  // namespace actlab
