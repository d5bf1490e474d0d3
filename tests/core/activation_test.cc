// activation_test.cc — Activation: parsing, errors, and the array paths.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "actlab/actlab.h"

namespace actlab {
namespace {

std::string error_of(std::string_view spec) {
  try {
    (void)Activation::parse(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Parse, Forms) {
  EXPECT_EQ(Activation::parse("relu").id(), ActId::relu);
  EXPECT_EQ(Activation::parse("leaky_relu(negative_slope=0.2)").param("negative_slope"), 0.2);
  EXPECT_EQ(Activation::parse("leaky_relu(0.2)").param("negative_slope"), 0.2);
  EXPECT_EQ(Activation::parse("  leaky_relu ( 0.2 ) ").param("negative_slope"), 0.2);
  EXPECT_EQ(Activation::parse("leaky_relu()").param("negative_slope"), 0.01);
  const auto ht = Activation::parse("hardtanh(-2, max_val=3)");
  EXPECT_EQ(ht.param("min_val"), -2.0);
  EXPECT_EQ(ht.param("max_val"), 3.0);
  EXPECT_EQ(Activation::parse("gelu(approximate='tanh')").id(), ActId::gelu_tanh);
  EXPECT_EQ(Activation::parse("gelu(approximate=none)").id(), ActId::gelu);
  EXPECT_EQ(Activation::parse("heaviside").id(), ActId::step);
  EXPECT_EQ(Activation::parse("softplus(beta=2, threshold=1e1)").param("threshold"), 10.0);
}

TEST(Parse, ToStringRoundTrips) {
  for (const auto& row : catalog()) {
    const Activation a(row.id);
    EXPECT_EQ(a.to_string(), row.name);
    EXPECT_EQ(Activation::parse(a.to_string()), a);
  }
  const auto a = Activation::parse("softplus(beta=0.3, threshold=7.25)");
  EXPECT_EQ(a.to_string(), "softplus(beta=0.3, threshold=7.25)");
  EXPECT_EQ(Activation::parse(a.to_string()), a);
}

TEST(Parse, ErrorsNameTheFault) {
  EXPECT_NE(error_of("gelo").find("unknown activation 'gelo' (did you mean gelu"), std::string::npos);
  EXPECT_NE(error_of("leaky_relu(slope=1)").find("unknown parameter 'slope' (it takes negative_slope)"),
            std::string::npos);
  EXPECT_NE(error_of("leaky_relu(-1)").find("negative_slope = -1 is out of range [0, 1e+06]"), std::string::npos);
  EXPECT_NE(error_of("elu(alpha=nan)").find("is not a finite number"), std::string::npos);
  EXPECT_NE(error_of("elu(alpha=inf)").find("is not a finite number"), std::string::npos);
  EXPECT_NE(error_of("celu(0)").find("out of range (0, 1e+06]"), std::string::npos);
  EXPECT_NE(error_of("relu(1)").find("too many values (it takes none)"), std::string::npos);
  EXPECT_NE(error_of("hardtanh(min_val=2, max_val=1)").find("max_val = 1 must be >= min_val = 2"), std::string::npos);
  EXPECT_NE(error_of("rrelu(0.5, 0.1)").find("upper = 0.1 must be >= lower = 0.5"), std::string::npos);
  EXPECT_NE(error_of("leaky_relu(negative_slope=abc)").find("'abc' is not a number"), std::string::npos);
  EXPECT_NE(error_of("leaky_relu(0.1").find("expected ',' or ')'"), std::string::npos);
  EXPECT_NE(error_of("relu)").find("expected '(' or the end"), std::string::npos);
  EXPECT_NE(error_of("relu() x").find("unexpected text"), std::string::npos);
  EXPECT_NE(error_of("").find("empty text"), std::string::npos);
  EXPECT_NE(error_of("leaky_relu(negative_slope=0.1, 2)").find("positional value after a named one"),
            std::string::npos);
  EXPECT_NE(error_of("gelu(approximate=fast)").find("approximate must be 'none' or 'tanh'"), std::string::npos);
  // Every message is one line.
  for (const char* bad : {"gelo", "relu(", "celu(0)", "leaky_relu(x=1)"}) {
    EXPECT_EQ(error_of(bad).find('\n'), std::string::npos) << bad;
  }
}

TEST(Set, ValidatesLikeParse) {
  Activation a(ActId::hardtanh);
  a.set("max_val", 5);
  EXPECT_EQ(a.param("max_val"), 5.0);
  EXPECT_THROW(a.set("min_val", 6), Error);  // would exceed max_val
  EXPECT_EQ(a.param("min_val"), -1.0);       // unchanged after a failed set
  EXPECT_THROW(a.set("alpha", 1), Error);
  EXPECT_THROW((void)a.param("alpha"), Error);
}

std::vector<double> sample_inputs() {
  std::vector<double> xs = {0.0, -0.0, 1e-30, -1e-30, 3.0, -3.0, 6.0, 0.5, -0.5, 20.0, -20.0, 90.0, -90.0};
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-12, 12);
  for (int i = 0; i < 500; ++i) xs.push_back(u(rng));
  return xs;
}

// The array paths agree with the scalar reference (tight ulp checks are in kernels_test.cc),
// and backward_from_y is refused where the row needs x.
TEST(Arrays, AgreeWithTheScalarReference) {
  const auto xs = sample_inputs();
  for (const auto& row : catalog()) {
    SCOPED_TRACE(std::string(row.name));
    const Activation a(row.id);
    std::vector<double> yd(xs.size()), dxd(xs.size()), ones(xs.size(), 1.0);
    a.forward(std::span<const double>(xs), std::span<double>(yd));
    a.backward(std::span<const double>(xs), std::span<const double>(ones), std::span<double>(dxd));
    for (std::size_t i = 0; i < xs.size(); ++i) {
      EXPECT_NEAR(yd[i], a.eval(xs[i]), 1e-13 * (1 + std::fabs(a.eval(xs[i])))) << xs[i];
      EXPECT_NEAR(dxd[i], a.derivative(xs[i]), 1e-13 * (1 + std::fabs(a.derivative(xs[i])))) << xs[i];
    }
    std::vector<double> dxy(xs.size());
    if (row.bwd == BwdFrom::kY) {
      a.backward_from_y(std::span<const double>(yd), std::span<const double>(ones), std::span<double>(dxy));
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const double want = ref::derivative_from_y(row.id, a.params(), yd[i]);
        EXPECT_NEAR(dxy[i], want, 1e-13 * (1 + std::fabs(want)));
      }
    } else {
      EXPECT_THROW(
          a.backward_from_y(std::span<const double>(yd), std::span<const double>(ones), std::span<double>(dxy)), Error);
    }
  }
}

TEST(Arrays, InPlaceEmptyAndMismatchedLengths) {
  const Activation a = Activation::parse("gelu");
  std::vector<float> v = {-1, 0, 1, 2};
  std::vector<float> expect(4);
  a.forward(std::span<const float>(v), std::span<float>(expect));
  a.forward(std::span<const float>(v), std::span<float>(v));  // in place
  EXPECT_EQ(v, expect);
  std::vector<float> empty;
  EXPECT_NO_THROW(a.forward(std::span<const float>(empty), std::span<float>(empty)));
  std::vector<float> short_out(3);
  try {
    a.forward(std::span<const float>(v), std::span<float>(short_out));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "gelu.forward: x has 4 elements but y has 3");
  }
  std::vector<float> dy(4, 1.0f), dx(5);
  EXPECT_THROW(a.backward(std::span<const float>(v), std::span<const float>(dy), std::span<float>(dx)), Error);
  EXPECT_THROW((void)Activation(ActId::relu).param_derivative(1.0, 0), Error);
}

TEST(Arrays, BackwardScalesByUpstreamGradient) {
  const Activation a(ActId::tanh);
  const std::vector<double> x = {-1.0, 0.5, 2.0};
  const std::vector<double> dy = {2.0, -3.0, 0.5};
  std::vector<double> dx(3);
  a.backward(std::span<const double>(x), std::span<const double>(dy), std::span<double>(dx));
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(dx[i], a.derivative(x[i]) * dy[i]);
}

// cpu_model() against Linux's own reading of the same CPUID brand string.
TEST(CpuModel, MatchesProcCpuinfo) {
  const std::string model = cpu_model();
  ASSERT_FALSE(model.empty());
  EXPECT_EQ(model.find('\0'), std::string::npos);
  EXPECT_NE(model.front(), ' ');
  EXPECT_NE(model.back(), ' ');
#if defined(__linux__) && defined(__x86_64__)
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const std::string want = line.substr(line.find(':') + 2);
    EXPECT_EQ(model, want);
    return;
  }
  GTEST_SKIP() << "/proc/cpuinfo has no model name";
#endif
}

// The public cap on the SIMD target: each capped target dispatches, computes within the
// row's bound (tanh: 2 ulp forward against the double reference), and "best" lifts the cap.
TEST(SimdTarget, CapsDispatchAndLifts) {
  const std::vector<std::string> targets = simd_targets();
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(std::string(simd_target()), targets.front());
  const Activation a(ActId::tanh);
  std::vector<float> x(1000), y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) * 0.02f - 10.0f;
  for (const std::string& t : targets) {
    SCOPED_TRACE(t);
    std::string lower = t;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    set_max_simd_target(lower);  // any letter case
    EXPECT_EQ(std::string(simd_target()), t);
    EXPECT_EQ(simd_targets(), targets);  // the list ignores the cap
    a.forward(std::span<const float>(x), std::span<float>(y));
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double want = a.eval(x[i]);
      const double ulp =
          std::nextafter(static_cast<float>(std::fabs(want)), 2.0f) - static_cast<float>(std::fabs(want));
      ASSERT_LE(std::fabs(y[i] - want), 2 * ulp) << x[i];
    }
  }
  set_max_simd_target("best");
  EXPECT_EQ(std::string(simd_target()), targets.front());
  set_max_simd_target(targets.back());
  set_max_simd_target("");
  EXPECT_EQ(std::string(simd_target()), targets.front());
  try {
    set_max_simd_target("AVX9");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown SIMD target 'AVX9'; this build and CPU have " + targets.front()),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(std::string(simd_target()), targets.front());  // a bad name changes nothing
}

}  // namespace
}  // namespace actlab
