// kernels_test.cc — the SIMD kernels against the extended-precision reference,
// on every compiled SIMD target this CPU supports.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "actlab/actlab.h"
#include "kernels.h"
#include "parallel.h"
#include "simd_targets.h"

namespace actlab {
namespace {

// The float32 contract is a column of the catalog (f32_ulp_forward/backward):
// 1 ulp where a row computes in double or exactly, 2 (4 backward) where it runs
// on float lanes for speed; the goals are <= 2 forward and <= 4 backward.
// float64 kernels: Highway's double Exp/Expm1/Log1p/Tanh are 1–4 ulp, and a
// rounded exp argument t costs up to |t| ulp in the far tails of gelu_tanh and
// gelu_sigmoid. Measured in ulps of max(|want|, floor): the floor is 2^-8 for
// derivatives (their interior zeros, where only absolute error means anything)
// and 2^-1000 for values (subnormal results keep absolute, not relative,
// precision). docs/accuracy.md has the per-row maxima this test prints.
constexpr double kF64Ulp = 256.0;
constexpr double kF64DerivativeFloor = 0x1p-8;
constexpr double kF64ValueFloor = 0x1p-1000;

double ulp_distance_f(float want, float got) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got) ? 0 : INFINITY;
  if (want == 0 && got == 0) return std::signbit(want) == std::signbit(got) ? 0 : INFINITY;
  if (std::isinf(want) || std::isinf(got)) return want == got ? 0 : INFINITY;
  const float a = std::fabs(want);
  const double ulp = static_cast<double>(std::nextafter(a, INFINITY)) - a;
  return std::fabs(static_cast<double>(want) - got) / ulp;
}

double ulp_distance_d(double want, double got, double floor) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got) ? 0 : INFINITY;
  if (want == 0 && got == 0) return std::signbit(want) == std::signbit(got) ? 0 : INFINITY;
  if (std::isinf(want) || std::isinf(got)) return want == got ? 0 : INFINITY;
  const double a = std::max(std::fabs(want), floor);
  return std::fabs(want - got) / (std::nextafter(a, INFINITY) - a);
}

// Inputs: float bit patterns stepped across the whole range (both signs), the
// special values, and every kink/threshold neighbourhood of the default rows.
std::vector<float> float_sweep(std::size_t samples) {
  std::vector<float> xs;
  const std::uint64_t step = (std::uint64_t{1} << 32) / samples;
  for (std::uint64_t b = 0; b < (std::uint64_t{1} << 32); b += step) {
    xs.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(b)));
  }
  const float specials[] = {0.0f,
                            -0.0f,
                            INFINITY,
                            -INFINITY,
                            std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::max(),
                            -std::numeric_limits<float>::max(),
                            std::numeric_limits<float>::min(),
                            -std::numeric_limits<float>::min(),
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::denorm_min(),
                            -3e-8f,
                            -87.0f,
                            -87.3f,
                            -88.5f,
                            -103.0f,
                            -104.0f,
                            88.7f,
                            89.0f,
                            20.0f,
                            -17.0f,
                            -16.6f};
  xs.insert(xs.end(), std::begin(specials), std::end(specials));
  for (const float k : {-6.0f, -3.0f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 3.0f, 6.0f, 20.0f}) {
    float v = k;
    for (int i = 0; i < 3; ++i) v = std::nextafter(v, INFINITY), xs.push_back(v);
    v = k;
    for (int i = 0; i < 3; ++i) v = std::nextafter(v, -INFINITY), xs.push_back(v);
  }
  // The AVX-512 table kernels' interval edges, |x| = 2^e·(1 + j/4) up to 8, then tanh's clamp
  // (9.5) and where tanh starts rounding to 1 (9.0109), and gelu's 10, 12 and clamp 13, with
  // two neighbours on each side.
  std::vector<float> edges = {9.5f, 9.0109f, 10.0f, 12.0f, 13.0f};
  for (int e = -3; e < 3; ++e) {
    for (int j = 0; j < 4; ++j) edges.push_back(std::ldexp(1.0f + static_cast<float>(j) / 4, e));
  }
  edges.push_back(8.0f);
  for (const float edge : edges) {
    for (const float sign : {1.0f, -1.0f}) {
      float up = sign * edge;
      float down = up;
      xs.push_back(up);
      for (int i = 0; i < 2; ++i) {
        up = std::nextafter(up, INFINITY), down = std::nextafter(down, -INFINITY);
        xs.push_back(up), xs.push_back(down);
      }
    }
  }
  // Around the interior zeros of the x·gate derivatives (silu/swish, gelu_sigmoid, gelu_tanh,
  // gelu, mish at their defaults), where their two terms cancel and the float kernels switch
  // to a fit around the root within 0.2 of it: the nearest floats, both window edges, and a
  // dense stretch across the switch.
  std::mt19937 rng(11);
  for (const double r : {-1.2784645427610738, -1.2784645427610738 / 1.702, -0.75246142207101626, -0.75179152469356400,
                         -1.1924312145154952}) {
    for (const double edge : {r, r - 0.2, r + 0.2}) {
      float v = static_cast<float>(edge);
      xs.push_back(v);
      for (int i = 0; i < 8; ++i) v = std::nextafter(v, INFINITY), xs.push_back(v);
      v = static_cast<float>(edge);
      for (int i = 0; i < 8; ++i) v = std::nextafter(v, -INFINITY), xs.push_back(v);
    }
    std::uniform_real_distribution<float> near(static_cast<float>(r - 0.25), static_cast<float>(r + 0.25));
    for (int i = 0; i < 300; ++i) xs.push_back(near(rng));
  }
  // Dense through the interesting middle.
  std::uniform_real_distribution<float> mid(-30.0f, 30.0f);
  for (int i = 0; i < 4000; ++i) xs.push_back(mid(rng));
  return xs;
}

struct Case {
  std::string spec;
};

std::vector<Activation> rows_under_test() {
  std::vector<Activation> acts;
  for (const auto& row : catalog()) acts.emplace_back(row.id);
  for (const char* s : {"leaky_relu(0.2)", "elu(alpha=2)", "celu(alpha=0.5)", "softplus(beta=2, threshold=10)",
                        "swish(beta=1.5)", "hardtanh(-2, 3)", "squareplus(b=1)", "softshrink(1)", "hardshrink(1)",
                        "threshold(0.5, -1)", "rrelu(0.1, 0.3)", "prelu(-0.5)"}) {
    acts.push_back(Activation::parse(s));
  }
  return acts;
}

class KernelsOnTarget : public ::testing::TestWithParam<std::int64_t> {
 protected:
  void SetUp() override { detail::force_simd_target(GetParam()); }
  void TearDown() override { detail::force_simd_target(0); }
};

TEST_P(KernelsOnTarget, Float32WithinOneUlpOfTheCorrectlyRoundedValue) {
  const auto xs = float_sweep(60000);
  const std::vector<float> dy(xs.size(), 1.0f);
  std::vector<float> y(xs.size()), dx(xs.size()), dxy(xs.size());
  for (const Activation& a : rows_under_test()) {
    const std::string name = a.to_string();
    a.forward(std::span<const float>(xs), std::span<float>(y));
    a.backward(std::span<const float>(xs), std::span<const float>(dy), std::span<float>(dx));
    double worst_f = 0, worst_b = 0;
    float worst_fx = 0, worst_bx = 0;
    int reported = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const float want = ref::forward_f(a.id(), a.params(), xs[i]);
      const double ef = ulp_distance_f(want, y[i]);
      if (ef > worst_f) worst_fx = xs[i];
      worst_f = std::max(worst_f, ef);
      if (ef > a.info().f32_ulp_forward && reported++ < 5) {
        ADD_FAILURE() << name << " f(" << std::hexfloat << xs[i] << std::defaultfloat << " = " << xs[i] << "): want "
                      << want << " got " << y[i] << " (" << ef << " ulp) on " << detail::active_simd_target();
      }
      const float want_b = ref::backward_f(a.id(), a.params(), xs[i], 1.0f);
      const double eb = ulp_distance_f(want_b, dx[i]);
      if (eb > worst_b) worst_bx = xs[i];
      worst_b = std::max(worst_b, eb);
      if (eb > a.info().f32_ulp_backward && reported++ < 5) {
        ADD_FAILURE() << name << " f'(" << std::hexfloat << xs[i] << std::defaultfloat << " = " << xs[i] << "): want "
                      << want_b << " got " << dx[i] << " (" << eb << " ulp) on " << detail::active_simd_target();
      }
    }
    if (a.info().bwd == BwdFrom::kY) {
      // From y: compared with the reference's derivative from the same y.
      a.backward_from_y(std::span<const float>(y), std::span<const float>(dy), std::span<float>(dxy));
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const float want = ref::backward_from_y_f(a.id(), a.params(), y[i], 1.0f);
        const double e = ulp_distance_f(want, dxy[i]);
        if (e > a.info().f32_ulp_backward && reported++ < 5) {
          ADD_FAILURE() << name << " f'(y=" << y[i] << "): want " << want << " got " << dxy[i] << " (" << e << " ulp)";
        }
      }
    }
    if (const std::string t = detail::active_simd_target(); t == "AVX3" || t == "AVX2") {
      std::printf("  f32 %-6s %-34s max %6.2f ulp forward (x = %-13.6g), %6.2f ulp backward (x = %.6g)\n",
                  detail::active_simd_target(), name.c_str(), worst_f, worst_fx, worst_b, worst_bx);
    }
  }
}

TEST_P(KernelsOnTarget, Float64WithinTheDocumentedBound) {
  const auto xf = float_sweep(20000);
  std::vector<double> xs(xf.begin(), xf.end());
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> wide(-40, 40);
  for (int i = 0; i < 4000; ++i) xs.push_back(wide(rng));
  const std::vector<double> dy(xs.size(), 1.0);
  std::vector<double> y(xs.size()), dx(xs.size());
  for (const Activation& a : rows_under_test()) {
    a.forward(std::span<const double>(xs), std::span<double>(y));
    a.backward(std::span<const double>(xs), std::span<const double>(dy), std::span<double>(dx));
    int reported = 0;
    double worst_f = 0, worst_b = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double ef = ulp_distance_d(a.eval(xs[i]), y[i], kF64ValueFloor);
      const double eb = ulp_distance_d(a.derivative(xs[i]), dx[i], kF64DerivativeFloor);
      worst_f = std::max(worst_f, ef);
      worst_b = std::max(worst_b, eb);
      if ((ef > kF64Ulp || eb > kF64Ulp) && reported++ < 5) {
        ADD_FAILURE() << a.to_string() << " at " << std::hexfloat << xs[i] << std::defaultfloat << " = " << xs[i]
                      << ": f want " << a.eval(xs[i]) << " got " << y[i] << " (" << ef << " ulp); f' want "
                      << a.derivative(xs[i]) << " got " << dx[i] << " (" << eb << " ulp)";
      }
    }
    if (const std::string t = detail::active_simd_target(); t == "AVX3" || t == "AVX2") {
      std::printf("  f64 %-6s %-34s max %6.1f ulp forward, %6.1f ulp backward\n", detail::active_simd_target(),
                  a.to_string().c_str(), worst_f, worst_b);
    }
  }
}

// Lengths around the vector width, in place and out of place, with guard
// elements that must not be written.
TEST_P(KernelsOnTarget, EveryLengthInPlaceAndOutOfPlace) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-8, 8);
  const std::size_t lanes = 16;  // covers every x86 width in doubles (2, 4, 8) and floats
  for (const Activation& a : rows_under_test()) {
    for (const std::size_t n :
         {std::size_t{0}, std::size_t{1}, lanes - 1, lanes, lanes + 1, 2 * lanes + 1, std::size_t{1000} + 7}) {
      std::vector<float> x(n + 2);
      for (auto& v : x) v = u(rng);
      std::vector<float> out(n + 2, 12345.0f);
      a.forward(std::span<const float>(x.data() + 1, n), std::span<float>(out.data() + 1, n));
      EXPECT_EQ(out[0], 12345.0f);
      EXPECT_EQ(out[n + 1], 12345.0f) << a.to_string() << " wrote past the end at n = " << n;
      for (std::size_t i = 1; i <= n; ++i) {
        EXPECT_LE(ulp_distance_f(ref::forward_f(a.id(), a.params(), x[i]), out[i]), a.info().f32_ulp_forward)
            << a.to_string() << " n = " << n << " i = " << i;
      }
      std::vector<float> inplace(x);
      a.forward(std::span<const float>(inplace.data() + 1, n), std::span<float>(inplace.data() + 1, n));
      for (std::size_t i = 1; i <= n; ++i) EXPECT_EQ(inplace[i], out[i]) << a.to_string() << " in place, n = " << n;
      // Backward in place: dx overwrites dy.
      std::vector<float> g(n, 0.5f), dx(n);
      a.backward(std::span<const float>(x.data() + 1, n), std::span<const float>(g), std::span<float>(dx));
      a.backward(std::span<const float>(x.data() + 1, n), std::span<const float>(g), std::span<float>(g));
      EXPECT_EQ(g, dx) << a.to_string() << " backward in place, n = " << n;
    }
  }
}

// Whether n floats have the same bit patterns (NaN payloads and signed zeros included).
bool same_bits(const float* a, const float* b, std::size_t n) {
  return std::equal(
      a, a + n, b, [](float u, float v) { return std::bit_cast<std::uint32_t>(u) == std::bit_cast<std::uint32_t>(v); });
}

// Full-width stores start at y's first vector-aligned element, the elements before it on
// the tail path: every offset of y (and of x, alike or not) gives the same bits, and nothing
// outside y is written. Forward and backward, for rows on float and on double lanes.
TEST_P(KernelsOnTarget, SameBitsAtEveryOutputAlignment) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-8, 8);
  constexpr std::size_t kN = 301;
  constexpr std::size_t kPad = 32;
  std::vector<float> x0(kN);
  for (auto& v : x0) v = u(rng);
  for (const char* spec : {"relu", "tanh", "gelu", "softsign", "squareplus"}) {
    const Activation a = Activation::parse(spec);
    std::vector<float> want(kN), want_g(kN);
    a.forward(std::span<const float>(x0), std::span<float>(want));
    a.backward(std::span<const float>(x0), std::span<const float>(x0), std::span<float>(want_g));
    for (std::size_t off = 0; off < 16; ++off) {
      alignas(64) static float xbuf[kN + kPad];
      alignas(64) static float ybuf[kN + kPad];
      float* x = xbuf + (off * 7) % 16;  // x at another alignment than y
      std::copy(x0.begin(), x0.end(), x);
      std::fill(std::begin(ybuf), std::end(ybuf), 12345.0f);
      float* y = ybuf + off;
      a.forward(std::span<const float>(x, kN), std::span<float>(y, kN));
      EXPECT_TRUE(same_bits(y, want.data(), kN)) << spec << " forward, y offset " << off;
      for (std::size_t i = 0; i < off; ++i) EXPECT_EQ(ybuf[i], 12345.0f) << spec << " wrote before y";
      for (std::size_t i = off + kN; i < kN + kPad; ++i) EXPECT_EQ(ybuf[i], 12345.0f) << spec << " wrote past y";
      a.backward(std::span<const float>(x, kN), std::span<const float>(x, kN), std::span<float>(y, kN));
      EXPECT_TRUE(same_bits(y, want_g.data(), kN)) << spec << " backward, y offset " << off;
    }
  }
}

// Two rows that run the same kernels give the same float32 bits, forward and backward.
void expect_same_float32_bits(const Activation& p, const Activation& q, const std::vector<float>& xs,
                              const std::vector<float>& dy) {
  std::vector<float> a(xs.size()), b(xs.size());
  p.forward(std::span<const float>(xs), std::span<float>(a));
  q.forward(std::span<const float>(xs), std::span<float>(b));
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << "float32 forward";
  p.backward(std::span<const float>(xs), std::span<const float>(dy), std::span<float>(a));
  q.backward(std::span<const float>(xs), std::span<const float>(dy), std::span<float>(b));
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << "float32 backward";
}

// swish at beta = 1 runs silu's kernels (swish_k::Alias): the same bits as silu, forward and
// backward, float32 and float64, specials included; swish at a beta just off 1 does not.
TEST_P(KernelsOnTarget, SwishAtBetaOneIsSiluBitForBit) {
  auto xs = float_sweep(20000);
  xs.insert(xs.end(), {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-40f, -1e-40f, -80.5f, 88.0f, 3e38f});
  const std::vector<float> dy(xs.size(), 1.5f);
  const Activation swish = Activation::parse("swish");
  const Activation silu(ActId::silu);
  expect_same_float32_bits(swish, silu, xs, dy);
  std::vector<float> a(xs.size()), b(xs.size());
  const std::vector<double> xd(xs.begin(), xs.end());
  const std::vector<double> dyd(dy.begin(), dy.end());
  std::vector<double> ad(xd.size()), bd(xd.size());
  swish.backward(std::span<const double>(xd), std::span<const double>(dyd), std::span<double>(ad));
  silu.backward(std::span<const double>(xd), std::span<const double>(dyd), std::span<double>(bd));
  EXPECT_EQ(0, std::memcmp(ad.data(), bd.data(), ad.size() * sizeof(double))) << "float64 backward";
  // beta = 1 + 2^-20 carries beta·x in two parts: close to silu, but its own kernel
  Activation near = swish;
  near.set("beta", 1.0 + 0x1p-20);
  near.forward(std::span<const float>(xs), std::span<float>(a));
  silu.forward(std::span<const float>(xs), std::span<float>(b));
  EXPECT_NE(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
}

// A lane's value never depends on its neighbours (docs/architecture.md: chunking and the
// output's alignment never change a bit). Kernels that branch per vector, a fast path for
// vectors whose every lane is in its range and another for the rest, must give the
// in-range lanes of the rare vectors the fast path's bits. Each input of a bit-pattern
// sweep, computed among its sweep neighbours, is computed again with every other lane of
// its vector replaced by a value that sends the vector off the fast path (±100, ±30,
// −14, ±1e30, ±inf, NaN: past every kernel's thresholds), shifted by one element per pass
// so that each sweep value meets each lane position.
TEST_P(KernelsOnTarget, LaneValuesDoNotDependOnTheirNeighbours) {
  const auto xs = float_sweep(6000);
  const float poison[] = {100.0f, -100.0f, 30.0f, -30.0f, -14.0f, 1e30f, -1e30f, INFINITY, -INFINITY, NAN};
  constexpr std::size_t kStride = 16;  // the widest vector (AVX-512 float)
  for (const Activation& a : rows_under_test()) {
    const std::string name = a.to_string();
    std::vector<float> y(xs.size()), dx(xs.size());
    const std::vector<float> ones(xs.size(), 1.0f);
    a.forward(std::span<const float>(xs), std::span<float>(y));
    a.backward(std::span<const float>(xs), std::span<const float>(ones), std::span<float>(dx));
    int reported = 0;
    for (std::size_t shift = 0; shift < kStride; ++shift) {
      // xs[i] for i ≡ shift (mod kStride), the rest poison; 64-byte aligned output
      std::vector<float> x(xs.size()), y2(xs.size()), dx2(xs.size());
      for (std::size_t i = 0; i < xs.size(); ++i) {
        x[i] = i % kStride == shift ? xs[i] : poison[(i / kStride + i) % std::size(poison)];
      }
      const std::vector<float> dy(xs.size(), 1.0f);
      a.forward(std::span<const float>(x), std::span<float>(y2));
      a.backward(std::span<const float>(x), std::span<const float>(dy), std::span<float>(dx2));
      for (std::size_t i = shift; i < xs.size(); i += kStride) {
        const bool same_f = std::bit_cast<std::uint32_t>(y[i]) == std::bit_cast<std::uint32_t>(y2[i]) ||
                            (std::isnan(y[i]) && std::isnan(y2[i]));
        const bool same_b = std::bit_cast<std::uint32_t>(dx[i]) == std::bit_cast<std::uint32_t>(dx2[i]) ||
                            (std::isnan(dx[i]) && std::isnan(dx2[i]));
        if ((!same_f || !same_b) && reported++ < 3) {
          ADD_FAILURE() << name << " at x = " << std::hexfloat << xs[i] << ": f " << y[i] << " alone, " << y2[i]
                        << " beside the others; f' " << dx[i] << " / " << dx2[i] << " on "
                        << detail::active_simd_target();
        }
      }
    }
  }
}

// elu and celu at alpha = 1 are the same function, with the same derivative from x, and both
// run elu_unit_k there (Alias): the same bits, forward and backward, specials included. Off
// alpha = 1 they are different functions (celu scales its argument).
TEST_P(KernelsOnTarget, EluAndCeluAtAlphaOneAgreeBitForBit) {
  auto xs = float_sweep(20000);
  xs.insert(xs.end(), {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-40f, -1e-40f, -17.5f, -88.0f, 3e38f});
  const std::vector<float> dy(xs.size(), 1.5f);
  const Activation elu(ActId::elu);
  const Activation celu(ActId::celu);
  expect_same_float32_bits(elu, celu, xs, dy);
  std::vector<float> a(xs.size()), b(xs.size());
  Activation celu2 = celu;
  celu2.set("alpha", 2.0);
  Activation elu2 = elu;
  elu2.set("alpha", 2.0);
  elu2.forward(std::span<const float>(xs), std::span<float>(a));
  celu2.forward(std::span<const float>(xs), std::span<float>(b));
  EXPECT_NE(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
}

using testing_targets::all_targets;
using testing_targets::target_name;

INSTANTIATE_TEST_SUITE_P(Simd, KernelsOnTarget, ::testing::ValuesIn(all_targets()), target_name);

// Rows split from kParallelMinElements, or from 4 or 8 Ki elements where their kernels
// cost more (dispatch.cc, split_from): lengths past each of those.
TEST(Kernels, BitwiseIdenticalForOneAndTwoThreads) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-20, 20);
  const int saved = num_threads();
  for (const std::size_t n : {std::size_t{4096} + 37, std::size_t{8192} + 37, (std::size_t{1} << 20) + 37}) {
    std::vector<float> x(n);
    for (auto& v : x) v = u(rng);
    for (const auto& row : catalog()) {
      const Activation a(row.id);
      std::vector<float> y1(n), y2(n), g1(n), g2(n), h1(n), h2(n);
      for (const int threads : {1, 2}) {
        set_num_threads(threads);
        auto& y = threads == 1 ? y1 : y2;
        auto& g = threads == 1 ? g1 : g2;
        auto& h = threads == 1 ? h1 : h2;
        a.forward(std::span<const float>(x), std::span<float>(y));
        a.backward(std::span<const float>(x), std::span<const float>(x), std::span<float>(g));
        if (row.bwd == BwdFrom::kY) {
          a.backward_from_y(std::span<const float>(y), std::span<const float>(x), std::span<float>(h));
        }
      }
      EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), n * sizeof(float))) << row.name << " n=" << n;
      EXPECT_EQ(0, std::memcmp(g1.data(), g2.data(), n * sizeof(float))) << row.name << " n=" << n;
      EXPECT_EQ(0, std::memcmp(h1.data(), h2.data(), n * sizeof(float))) << row.name << " n=" << n;
    }
  }
  set_num_threads(saved);
  EXPECT_THROW(set_num_threads(0), Error);
}

// Arrays writing >= kStreamMinBytes (8 MiB) use non-temporal stores from the first
// vector-aligned element on: an output misaligned by one element must get the same bits
// as the same values computed in cache-sized pieces (plain stores), forward and backward,
// float and double.
template <class T>
void expect_streaming_matches_pieces(std::size_t n) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<T> u(-20, 20);
  std::vector<T> x(n), g(n);
  for (auto& v : x) v = u(rng);
  for (auto& v : g) v = u(rng);
  constexpr std::size_t kPiece = 1 << 15;
  for (const auto& row : catalog()) {
    const Activation a(row.id);
    std::vector<T> big(n + 1), pieces(n), big_dx(n + 1), pieces_dx(n);
    a.forward(std::span<const T>(x), std::span<T>(big).subspan(1));  // y + 1: misaligned
    a.backward(std::span<const T>(x), std::span<const T>(g), std::span<T>(big_dx).subspan(1));
    for (std::size_t b = 0; b < n; b += kPiece) {
      const std::size_t len = std::min(kPiece, n - b);
      a.forward(std::span<const T>(x).subspan(b, len), std::span<T>(pieces).subspan(b, len));
      a.backward(std::span<const T>(x).subspan(b, len), std::span<const T>(g).subspan(b, len),
                 std::span<T>(pieces_dx).subspan(b, len));
    }
    EXPECT_EQ(0, std::memcmp(big.data() + 1, pieces.data(), n * sizeof(T))) << row.name;
    EXPECT_EQ(0, std::memcmp(big_dx.data() + 1, pieces_dx.data(), n * sizeof(T))) << row.name;
  }
}

// The pool keeps the workers of an earlier, larger thread count, and row jobs come in more
// chunks than threads: a job must still run on no more threads than num_threads() says,
// and cover every row once.
TEST(Kernels, RowJobsUseAtMostTheSetThreadCount) {
  const int before = num_threads();
  for (const int threads : {4, 2, 1, 3}) {
    set_num_threads(threads);
    std::mutex mutex;
    std::set<std::thread::id> ids;
    std::vector<int> seen(1000, 0);
    detail::parallel_ranges(seen.size(), [&](std::size_t b, std::size_t e) {
      std::lock_guard<std::mutex> lock(mutex);
      ids.insert(std::this_thread::get_id());
      for (std::size_t i = b; i < e; ++i) ++seen[i];
    });
    EXPECT_LE(ids.size(), static_cast<std::size_t>(threads)) << threads << " threads";
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 1000) << threads << " threads";
  }
  set_num_threads(before);
}

TEST(Kernels, StreamingStoresGiveTheSameBitsAsPlainStores) {
  expect_streaming_matches_pieces<float>((std::size_t{1} << 21) + 37);
  expect_streaming_matches_pieces<double>((std::size_t{1} << 20) + 5);
}

// Where libtorch's and oneDNN's float kernels fail (measured on this project's
// machine), ours must not.
TEST(Kernels, PeersTailFailuresAreAbsentInFloat32) {
  const auto f32 = [](const char* spec, std::vector<float> xs) {
    std::vector<float> y(xs.size());
    Activation::parse(spec).forward(std::span<const float>(xs), std::span<float>(y));
    return y;
  };
  const auto df32 = [](const char* spec, std::vector<float> xs) {
    std::vector<float> ones(xs.size(), 1.0f), g(xs.size());
    Activation::parse(spec).backward(std::span<const float>(xs), std::span<const float>(ones), std::span<float>(g));
    return g;
  };
  // GELU returns 0 in both peers on [-5.5, -5.1] (0.5·x·(1 + erf) cancels).
  for (const float v : f32("gelu", {-5.5f, -5.4f, -5.3f, -5.2f, -5.1f})) EXPECT_LT(v, 0.0f);
  EXPECT_LT(f32("gelu_tanh", {-9.0f})[0], 0.0f);
  // ELU as exp(x) − 1 gives elu(−3e−8) = 0.
  EXPECT_FLOAT_EQ(f32("elu", {-3e-8f})[0], -3e-8f);
  // SiLU and sigmoid flush below ≈ −87 in the peers where the result is a normal float.
  EXPECT_GT(f32("sigmoid", {-87.0f})[0], std::numeric_limits<float>::min());
  EXPECT_LT(f32("silu", {-80.0f})[0], -std::numeric_limits<float>::min());
  EXPECT_GT(f32("sigmoid", {-100.0f})[0], 0.0f);  // subnormal, not flushed
  // oneDNN's softplus goes negative below x ≈ −17; its mish flushes to −0 from x ≈ −16.6.
  for (const float v : f32("softplus", {-17.0f, -20.0f, -40.0f, -80.0f})) EXPECT_GT(v, 0.0f);
  for (const float v : f32("mish", {-16.6f, -17.0f, -20.0f})) EXPECT_LT(v, 0.0f);
  // Backward from y is 0 once y rounds to ±1; from x the gradient is still there.
  EXPECT_GT(df32("tanh", {10.0f})[0], 8e-9f);  // 4e^-20 = 8.2e-9
  EXPECT_GT(df32("sigmoid", {20.0f})[0], 0.0f);
  std::vector<float> y = f32("tanh", {10.0f}), ones = {1.0f}, g(1);
  EXPECT_EQ(y[0], 1.0f);
  Activation(ActId::tanh).backward_from_y(std::span<const float>(y), std::span<const float>(ones), std::span<float>(g));
  EXPECT_EQ(g[0], 0.0f) << "documented limit of the from-y path";
  // selu(x) = scale·x just below FLT_MAX/scale: the exact value rounds to FLT_MAX (libtorch,
  // and actlab before scale was split in two floats, gave inf; found by the sweep).
  EXPECT_EQ(f32("selu", {3.23862215e38f})[0], std::numeric_limits<float>::max());
}

}  // namespace
}  // namespace actlab
