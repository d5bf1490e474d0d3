// softmax_loss_test.cc — the softmax family, GLU and the losses against PyTorch
// (tests/core/data/loss_golden.json), an extended-precision reference and
// finite differences.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "actlab/actlab.h"
#include "actlab/glu.h"
#include "actlab/loss.h"
#include "actlab/softmax.h"
#include "kernels.h"
#include "simd_targets.h"

namespace actlab {
namespace {

nlohmann::json golden() {
  std::ifstream in(std::string(ACTLAB_TEST_DATA_DIR) + "/loss_golden.json");
  const auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

double num(const nlohmann::json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    constexpr double kInf = std::numeric_limits<double>::infinity();
    return s == "inf" ? kInf : -kInf;
  }
  return v.get<double>();
}

std::vector<double> nums(const nlohmann::json& a) {
  std::vector<double> v;
  for (const auto& e : a) v.push_back(num(e));
  return v;
}

void expect_close(double want, double got, double rel, const std::string& what) {
  if (std::isnan(want) || std::isinf(want)) {
    EXPECT_TRUE((std::isnan(want) && std::isnan(got)) || want == got) << what << ": want " << want << " got " << got;
    return;
  }
  EXPECT_LE(std::fabs(want - got), rel * std::fabs(want) + 1e-15) << what << ": want " << want << " got " << got;
}

TEST(Softmax, MatchesPyTorchForwardAndBackward) {
  const auto g = golden();
  ASSERT_EQ(g.value("magic", ""), "actlab-golden loss_golden") << "golden file missing";
  int cases = 0;
  for (const auto& c : g["softmax"]) {
    const auto kind = softmax_kind(c["kind"].get<std::string>());
    ASSERT_TRUE(kind);
    const std::size_t cols = c["cols"];
    const SoftmaxOptions o{c["temperature"].get<double>(), false};
    const auto x = nums(c["x"]);
    const auto want = nums(c["y"]);
    std::vector<double> y(x.size());
    softmax_forward(*kind, std::span<const double>(x), std::span<double>(y), cols, o);
    const std::string what =
        c["kind"].get<std::string>() + "/" + c["name"].get<std::string>() + " T=" + std::to_string(o.temperature);
    for (std::size_t i = 0; i < y.size(); ++i) {
      expect_close(want[i], y[i], 1e-13, what + " y[" + std::to_string(i) + "]");
    }
    if (!c["dx"].is_null()) {
      const auto up = nums(c["upstream"]);
      const auto want_dx = nums(c["dx"]);
      std::vector<double> dx(x.size());
      softmax_backward(*kind, std::span<const double>(y), std::span<const double>(up), std::span<double>(dx), cols, o);
      for (std::size_t i = 0; i < dx.size(); ++i) {
        expect_close(want_dx[i], dx[i], 1e-11, what + " dx[" + std::to_string(i) + "]");
      }
    }
    ++cases;
  }
  EXPECT_GE(cases, 70);
}

// The correctly rounded float of each output, from long double.
std::vector<float> reference_softmax_f(SoftmaxKind kind, const std::vector<float>& x, std::size_t cols, double t) {
  std::vector<float> out(x.size());
  if (cols == 0) return out;
  for (std::size_t r = 0; r < x.size() / cols; ++r) {
    long double m = -std::numeric_limits<long double>::infinity();
    const double sign = kind == SoftmaxKind::kSoftmin ? -1 : 1;
    for (std::size_t i = 0; i < cols; ++i) m = std::max<long double>(m, sign * x[r * cols + i]);
    // s − 1 summed without the maxima, so log s = log1p(s − 1) keeps tiny log-probabilities.
    long double s_minus_1 = -1;
    for (std::size_t i = 0; i < cols; ++i) {
      const long double z = (sign * x[r * cols + i] - m) / t;
      s_minus_1 += z == 0 ? 1.0L : 0.0L;
    }
    for (std::size_t i = 0; i < cols; ++i) {
      const long double z = (sign * x[r * cols + i] - m) / t;
      if (z != 0) s_minus_1 += std::exp(z);
    }
    for (std::size_t i = 0; i < cols; ++i) {
      const long double z = (sign * x[r * cols + i] - m) / t;
      out[r * cols + i] = static_cast<float>(kind == SoftmaxKind::kLogSoftmax ? z - std::log1p(s_minus_1)
                                                                              : std::exp(z) / (1 + s_minus_1));
    }
  }
  return out;
}

double ulps(float want, float got) {
  if (want == got || (std::isnan(want) && std::isnan(got))) return 0;
  const float a = std::fabs(want);
  return std::fabs(static_cast<double>(want) - got) / (static_cast<double>(std::nextafter(a, INFINITY)) - a);
}

// Every output of `rows` (each softmax'ed as a row of its own), for every kind and each
// temperature, against the correctly rounded value: the worst distance in ulps, how many
// values, and the first one more than 2 ulps off (empty if none).
struct RowsCheck {
  double worst = 0;
  std::size_t checked = 0;
  std::string first_failure;
};
RowsCheck check_rows(const std::vector<std::vector<float>>& rows, std::initializer_list<double> temperatures) {
  RowsCheck r;
  for (const double t : temperatures) {
    for (const auto kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLogSoftmax, SoftmaxKind::kSoftmin}) {
      for (const auto& row : rows) {
        std::vector<float> y(row.size());
        softmax_forward(kind, std::span<const float>(row), std::span<float>(y), row.size(), {t, false});
        const auto want = reference_softmax_f(kind, row, row.size(), t);
        for (std::size_t i = 0; i < row.size(); ++i) {
          const double e = ulps(want[i], y[i]);
          r.worst = std::max(r.worst, e);
          ++r.checked;
          if (e > 2.0 && r.first_failure.empty()) {
            std::ostringstream out;
            out << to_string(kind) << " T=" << t << " cols=" << row.size() << " i=" << i << " x=" << row[i] << " want "
                << want[i] << " got " << y[i] << " (" << e << " ulp)";
            r.first_failure = out.str();
          }
        }
      }
    }
  }
  return r;
}

TEST(Softmax, Float32Within2UlpOnRandomAndAdversarialRows) {
  std::mt19937 rng(17);
  std::normal_distribution<float> n01(0, 1);
  std::vector<std::vector<float>> rows;
  for (int r = 0; r < 200; ++r) {
    std::vector<float> row(33);
    const float scale = std::pow(10.0f, static_cast<float>(r % 5) - 1);  // 0.1 .. 1000
    for (auto& v : row) v = n01(rng) * scale;
    rows.push_back(row);
  }
  rows.push_back({1e30f, 0, -1e30f, 5});            // one huge logit
  rows.push_back(std::vector<float>(64, 7.5f));     // many equal logits
  rows.push_back({-INFINITY, 1, 2, -INFINITY, 3});  // −inf entries
  rows.push_back({100, 0, 0});                      // a dominant class: log p ≈ −2.7e−43
  rows.push_back({-1e30f, -1e30f, -1e30f + 1e24f});
  const RowsCheck r = check_rows(rows, {1.0, 0.7});
  EXPECT_TRUE(r.first_failure.empty()) << r.first_failure;
  std::printf("softmax family float32: worst %.2f ulp\n", r.worst);
}

// The float-lane rows run on every SIMD target this binary has (forced, as Highway's
// own tests do): the partial last vector of a row must neither read nor write the next.
class FloatRowsOnTarget : public ::testing::TestWithParam<std::int64_t> {
 protected:
  void SetUp() override { detail::force_simd_target(GetParam()); }
  void TearDown() override { detail::force_simd_target(0); }
};

using testing_targets::all_targets;
using testing_targets::target_name;

// float32 rows run on float lanes (exp with a two-part argument, sums in double lanes):
// every row length through the vector tail, long rows where a float sum would drift,
// outputs down into the subnormals, and z − m that rounds in float; at T = 1, 0.6 and 3.
TEST_P(FloatRowsOnTarget, SoftmaxFamilyWithin2UlpAtEveryLength) {
  std::mt19937 rng(23);
  std::normal_distribution<float> n01(0, 1);
  std::vector<std::vector<float>> rows;
  for (std::size_t cols = 1; cols <= 70; ++cols) {
    for (const float scale : {0.3f, 3.0f, 40.0f}) {
      std::vector<float> row(cols);
      for (auto& v : row) v = n01(rng) * scale;
      rows.push_back(row);
    }
  }
  for (const std::size_t cols : {1000, 32000}) {
    std::vector<float> row(cols);
    for (auto& v : row) v = n01(rng) * 2.0f;
    rows.push_back(row);
  }
  std::vector<float> ramp(300);  // z − m from 0 to −110 in steps that do not round evenly
  for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = 12345.678f - static_cast<float>(i) * 0.3671f;
  rows.push_back(ramp);
  // One logit far above the rest: s − 1 ≈ 1e-7 is made of terms below ulp(1), which the
  // float sum holds only in its error part; log_softmax's largest output is −log1p(s − 1).
  for (const std::size_t cols : {64u, 1000u}) {
    std::vector<float> peak(cols);
    for (std::size_t i = 0; i < cols; ++i) peak[i] = i == 7 ? 5.0f : -12.0f - 0.37f * static_cast<float>(i % 61);
    rows.push_back(peak);
  }
  // Further ahead (s − 1 ≈ 1e-18), at several heights: log_softmax's biased rows sum
  // e^z·2^−b, where the peak's own term e_m has low bits of its own. A sum whose lanes
  // started at 1 rounded e_m's addition and kept that error, ~2^-24, beside the small
  // terms: s − 1 came out 0 (the sweep found 1150 such outputs in 3 million).
  for (const std::size_t cols : {9u, 64u, 1000u}) {
    // (The last two put e_m just below 1, where those rows keep z − m.)
    for (const float top : {5.0f, 5.37f, 17.3f, 33.49f, -20.7f, 101.1f, 0.01f, -0.3f, 6.9314713f, 6.9314718f}) {
      std::vector<float> peak(cols);
      for (std::size_t i = 0; i < cols; ++i) peak[i] = i == 7 ? top : top - 40.0f - 0.37f * static_cast<float>(i % 61);
      rows.push_back(peak);
    }
  }
  // Every e but one subnormal: log_softmax's largest output, −(s − 1) ≈ −3e-41 at 254
  // columns, is itself subnormal and must not collect each e's rounding at 2^-149 (it was
  // 4 ulp off).
  for (const std::size_t cols : {5u, 254u}) {
    std::vector<float> far(cols);
    for (std::size_t i = 0; i < cols; ++i) {
      const double spread = std::fmod(0.6180339887 * static_cast<double>(i), 1.0) * 6.0;  // e from 7e-43 to 1e-45
      far[i] = i == 3 ? 7.0f : static_cast<float>(-90.0 - spread);
    }
    rows.push_back(far);
  }
  // Built against the float-lane exp (AVX2/AVX-512 bits): seven e's near the max that the
  // exp rounds down by about an ulp, and a small output whose e it rounds up. Before the
  // softmax sum took each e's rounding error, s carried the seven's and the last output
  // came out 3 floats off. Shifted, the rows take the biased exp (any m) and the
  // two-part z − m (|z| >= 256); with a −100 filler, the subnormal-capable exp.
  for (const float shift : {0.0f, 3.0f, 300.0f}) {
    for (const float filler : {-60.0f, -100.0f}) {
      std::vector<float> built(16, filler + shift);
      built[0] = shift;
      for (std::size_t i = 1; i <= 7; ++i) built[i] = -0x1.348122p-2f + shift;
      built[15] = -0x1.790924p+2f + shift;
      rows.push_back(built);
    }
  }
  // One class ahead and every other logit equal, at each table exp's index j (z − m near
  // −(16a + j)·ln2/16): log_softmax's exp leaves out the table's lo parts, so all the small
  // terms share one entry's error, and s − 1 carries it whole. Three columns (the lane rows),
  // 40 (z − m) and 500 (biased).
  for (const std::size_t cols : {3u, 40u, 500u}) {
    for (int j = 0; j < 16; ++j) {
      for (const int a : {1, 9}) {
        std::vector<float> flat(cols, 2.5f - static_cast<float>((16 * a + j) * 0.04332169878499658));
        flat[1] = 2.5f;
        rows.push_back(flat);
      }
    }
  }
  rows.push_back({3.0f, 3.0f, 3.0f, 3.0f, 2.9999998f});    // ties at the max
  rows.push_back({1e-40f, -1e-40f, 0.0f, -0.0f, 1e-45f});  // subnormal logits
  rows.push_back({-INFINITY, 1, 2, -INFINITY, 3, -INFINITY, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  // T ≠ 1 takes TempRow where FMA is native (the scaled argument in two floats)
  const RowsCheck r = check_rows(rows, {1.0, 0.6, 3.0});
  EXPECT_TRUE(r.first_failure.empty()) << r.first_failure;
  std::printf("float-lane softmax family: %zu values, worst %.2f ulp\n", r.checked, r.worst);
}

// "Outputs may alias inputs": in place, forward and backward (dx over dy, and dx over y)
// give the bits of the out-of-place call, at every length through the vector tail (the
// overlapping last vector is read before the loop overwrites the lanes it shares).
template <class T>
void expect_same_bits_in_place() {
  std::mt19937 rng(31);
  std::normal_distribution<T> n01(0, 2);
  const auto same = [](const std::vector<T>& a, const std::vector<T>& b) {
    return std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
  };
  for (const auto kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLogSoftmax, SoftmaxKind::kSoftmin}) {
    for (const double t : {1.0, 0.7}) {
      for (std::size_t cols : {1, 2, 7, 15, 16, 17, 31, 33, 40, 63, 1000}) {
        const std::size_t rows = 3;
        std::vector<T> x(rows * cols), dy(rows * cols);
        for (auto& v : x) v = n01(rng);
        for (auto& v : dy) v = n01(rng);
        const SoftmaxOptions o{t, false};
        std::vector<T> y(x.size()), dx(x.size());
        softmax_forward(kind, std::span<const T>(x), std::span<T>(y), cols, o);
        softmax_backward(kind, std::span<const T>(y), std::span<const T>(dy), std::span<T>(dx), cols, o);
        std::vector<T> z = x;
        softmax_forward(kind, std::span<const T>(z), std::span<T>(z), cols, o);
        EXPECT_TRUE(same(z, y)) << to_string(kind) << " forward in place, T=" << t << " cols=" << cols;
        std::vector<T> g = dy;
        softmax_backward(kind, std::span<const T>(y), std::span<const T>(g), std::span<T>(g), cols, o);
        EXPECT_TRUE(same(g, dx)) << to_string(kind) << " backward, dx over dy, T=" << t << " cols=" << cols;
        std::vector<T> w = y;
        softmax_backward(kind, std::span<const T>(w), std::span<const T>(dy), std::span<T>(w), cols, o);
        EXPECT_TRUE(same(w, dx)) << to_string(kind) << " backward, dx over y, T=" << t << " cols=" << cols;
      }
    }
  }
}
TEST_P(FloatRowsOnTarget, InPlaceGivesTheSameBits) {
  expect_same_bits_in_place<float>();
  expect_same_bits_in_place<double>();
}

// float32 backward (float lanes, row sums in double) against the double kernel on the
// same float y and dy: within 4 float roundings of the terms it adds, at every length.
TEST_P(FloatRowsOnTarget, BackwardMatchesTheDoubleKernel) {
  std::mt19937 rng(29);
  std::normal_distribution<float> n01(0, 1);
  std::size_t checked = 0;
  for (const auto kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLogSoftmax, SoftmaxKind::kSoftmin}) {
    for (const double t : {1.0, 0.7}) {
      for (std::size_t cols = 1; cols <= 40; cols += 3) {
        for (const float spread : {1.0f, 30.0f}) {
          std::vector<float> x(cols), y(cols), dy(cols), dx(cols);
          for (auto& v : x) v = n01(rng) * spread;
          for (auto& v : dy) v = n01(rng);
          const SoftmaxOptions o{t, false};
          softmax_forward(kind, std::span<const float>(x), std::span<float>(y), cols, o);
          softmax_backward(kind, std::span<const float>(y), std::span<const float>(dy), std::span<float>(dx), cols, o);
          const std::vector<double> yd(y.begin(), y.end()), dyd(dy.begin(), dy.end());
          std::vector<double> want(cols);
          softmax_backward(kind, std::span<const double>(yd), std::span<const double>(dyd), std::span<double>(want),
                           cols, o);
          double acc = 0;
          for (std::size_t i = 0; i < cols; ++i) acc += kind == SoftmaxKind::kLogSoftmax ? dyd[i] : dyd[i] * yd[i];
          for (std::size_t i = 0; i < cols; ++i) {
            const double terms = kind == SoftmaxKind::kLogSoftmax
                                     ? std::fabs(dyd[i]) + std::exp(yd[i]) * std::fabs(acc)
                                     : std::fabs(yd[i]) * (std::fabs(dyd[i]) + std::fabs(acc));
            EXPECT_LE(std::fabs(dx[i] - want[i]), 4 * 0x1p-24 * terms / t + 1e-44)
                << to_string(kind) << " T=" << t << " cols=" << cols << " i=" << i;
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 1000u);
}

// Rows shorter than a vector and the partial vector at a call's end (masked moves on AVX2
// and AVX-512, a stack buffer elsewhere): the outputs equal those of the rows alone and
// nothing past the call's end is written, forward and backward. The output arrays run on
// past the call, holding a sentinel.
TEST_P(FloatRowsOnTarget, PartialVectorsWriteNothingPastTheRows) {
  std::mt19937 rng(31);
  std::normal_distribution<float> n01(0, 3);
  constexpr float kSentinel = 1234.5f;
  constexpr std::size_t kSpare = 40;  // past the call: more than a vector of floats
  std::size_t checked = 0;
  for (const auto kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLogSoftmax, SoftmaxKind::kSoftmin}) {
    for (std::size_t cols = 1; cols <= 35; ++cols) {
      const std::size_t rows = 3;
      const std::size_t n = rows * cols;
      std::vector<float> x(n), dy(n);
      for (auto& v : x) v = n01(rng);
      for (auto& v : dy) v = n01(rng);
      std::vector<float> y(n + kSpare, kSentinel), dx(n + kSpare, kSentinel);
      softmax_forward(kind, std::span<const float>(x), std::span<float>(y).first(n), cols);
      softmax_backward(kind, std::span<const float>(y).first(n), std::span<const float>(dy),
                       std::span<float>(dx).first(n), cols);
      for (std::size_t i = n; i < n + kSpare; ++i) {
        ASSERT_EQ(y[i], kSentinel) << to_string(kind) << " cols=" << cols << " forward wrote y[" << i << "]";
        ASSERT_EQ(dx[i], kSentinel) << to_string(kind) << " cols=" << cols << " backward wrote dx[" << i << "]";
      }
      for (std::size_t r = 0; r < rows; ++r) {
        std::vector<float> alone(cols), dalone(cols);
        const auto xr = std::span<const float>(x).subspan(r * cols, cols);
        softmax_forward(kind, xr, std::span<float>(alone), cols);
        softmax_backward(kind, std::span<const float>(alone), std::span<const float>(dy).subspan(r * cols, cols),
                         std::span<float>(dalone), cols);
        for (std::size_t i = 0; i < cols; ++i) {
          ASSERT_EQ(y[r * cols + i], alone[i]) << to_string(kind) << " cols=" << cols << " row " << r;
          ASSERT_EQ(dx[r * cols + i], dalone[i]) << to_string(kind) << " cols=" << cols << " row " << r;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 1000u);
}

TEST(Softmax, SeedNumbersTemperatureAndMasks) {
  const std::vector<double> x = {2.0, 1.0, 0.1};
  std::vector<double> y(3);
  softmax_forward(SoftmaxKind::kSoftmax, std::span<const double>(x), std::span<double>(y), 3);
  EXPECT_NEAR(y[0], 0.659, 5e-4);
  EXPECT_NEAR(y[1], 0.242, 5e-4);
  EXPECT_NEAR(y[2], 0.099, 5e-4);
  EXPECT_NEAR(y[0] + y[1] + y[2], 1.0, 1e-15);
  softmax_forward(SoftmaxKind::kSoftmax, std::span<const double>(x), std::span<double>(y), 3, {0.01, false});
  EXPECT_NEAR(y[0], 1.0, 1e-40);  // T -> 0: argmax
  softmax_forward(SoftmaxKind::kSoftmax, std::span<const double>(x), std::span<double>(y), 3, {1e6, false});
  for (const double v : y) EXPECT_NEAR(v, 1.0 / 3, 1e-6);  // T -> inf: uniform
  // A row of −inf: NaN (PyTorch) or zeros with masked_safe, and a zero gradient.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const std::vector<double> masked = {-kInf, -kInf, 1.0, 2.0};
  std::vector<double> out(4), dx(4);
  softmax_forward(SoftmaxKind::kSoftmax, std::span<const double>(masked), std::span<double>(out), 2);
  EXPECT_TRUE(std::isnan(out[0]) && std::isnan(out[1]));
  EXPECT_NEAR(out[2] + out[3], 1.0, 1e-15);
  softmax_forward(SoftmaxKind::kSoftmax, std::span<const double>(masked), std::span<double>(out), 2, {1.0, true});
  EXPECT_EQ(out[0], 0.0);
  const std::vector<double> up = {1, 2, 3, 4};
  softmax_backward(SoftmaxKind::kSoftmax, std::span<const double>(out), std::span<const double>(up),
                   std::span<double>(dx), 2, {1.0, true});
  EXPECT_EQ(dx[0], 0.0);
  EXPECT_EQ(dx[1], 0.0);
}

TEST(Softmax, BackwardMatchesFiniteDifferences) {
  std::mt19937 rng(3);
  std::normal_distribution<double> n01(0, 1);
  std::vector<double> x(12), up(12);
  for (auto& v : x) v = n01(rng) * 2;
  for (auto& v : up) v = n01(rng);
  for (const auto kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLogSoftmax, SoftmaxKind::kSoftmin}) {
    const SoftmaxOptions o{1.7, false};
    const auto objective = [&](const std::vector<double>& v) {
      std::vector<double> y(v.size());
      softmax_forward(kind, std::span<const double>(v), std::span<double>(y), 4, o);
      double s = 0;
      for (std::size_t i = 0; i < y.size(); ++i) s += y[i] * up[i];
      return s;
    };
    std::vector<double> y(12), dx(12);
    softmax_forward(kind, std::span<const double>(x), std::span<double>(y), 4, o);
    softmax_backward(kind, std::span<const double>(y), std::span<const double>(up), std::span<double>(dx), 4, o);
    for (std::size_t i = 0; i < x.size(); ++i) {
      auto hi = x, lo = x;
      hi[i] += 1e-6;
      lo[i] -= 1e-6;
      EXPECT_NEAR(dx[i], (objective(hi) - objective(lo)) / 2e-6, 1e-8) << to_string(kind) << " i=" << i;
    }
  }
}

// Rows of 300 columns go one at a time; rows of 10 and 37 a block of rows at a time, one
// per lane, where the threads' chunks start at rows that need not begin a block.
TEST(Softmax, SameBitsForOneAndTwoThreads) {
  std::mt19937 rng(4);
  std::normal_distribution<float> n01(0, 3);
  const int saved = num_threads();
  for (const auto kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLogSoftmax, SoftmaxKind::kSoftmin}) {
    for (const auto& [rows, cols] : {std::pair<std::size_t, std::size_t>{512, 300}, {40001, 10}, {20011, 37}}) {
      std::vector<float> x(rows * cols);
      for (auto& v : x) v = n01(rng);
      std::vector<float> y1(x.size()), y2(x.size());
      set_num_threads(1);
      softmax_forward(kind, std::span<const float>(x), std::span<float>(y1), cols);
      set_num_threads(2);
      softmax_forward(kind, std::span<const float>(x), std::span<float>(y2), cols);
      EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float))) << to_string(kind) << " " << cols;
    }
  }
  set_num_threads(saved);
}

TEST(Softmax, BadInput) {
  std::vector<float> x(6), y(6), y5(5);
  EXPECT_THROW(softmax_forward(SoftmaxKind::kSoftmax, std::span<const float>(x), std::span<float>(y), 0), Error);
  EXPECT_THROW(softmax_forward(SoftmaxKind::kSoftmax, std::span<const float>(x), std::span<float>(y), 4), Error);
  EXPECT_THROW(softmax_forward(SoftmaxKind::kSoftmax, std::span<const float>(x), std::span<float>(y5), 3), Error);
  EXPECT_THROW(softmax_forward(SoftmaxKind::kSoftmax, std::span<const float>(x), std::span<float>(y), 3, {0.0, false}),
               Error);
  EXPECT_THROW(
      softmax_forward(SoftmaxKind::kSoftmax, std::span<const float>(x), std::span<float>(y), 3, {INFINITY, false}),
      Error);
  try {
    softmax_forward(SoftmaxKind::kSoftmax, std::span<const float>(x), std::span<float>(y), 3, {-1e-320, false});
    ADD_FAILURE() << "a negative temperature was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("got -1e-320"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------- losses

Reduction red(const nlohmann::json& c) { return *reduction_from_string(c["reduction"].get<std::string>()); }

TEST(Losses, MatchPyTorch) {
  const auto g = golden();
  int cases = 0;
  for (const auto& c : g["losses"]) {
    const std::string name = c["loss"];
    const auto x = nums(c["x"]);
    const auto want_value = nums(c["value"]);
    const auto want_grad = nums(c["grad"]);
    std::vector<double> grad(x.size());
    std::vector<double> per(want_value.size());
    double value = 0;
    const Reduction r = red(c);
    const auto weight = c.contains("weight") ? nums(c["weight"]) : std::vector<double>{};
    if (name == "cross_entropy" || name == "nll_loss") {
      const std::vector<std::int64_t> t = c["target"];
      CrossEntropyOptions o{weight, c.value("ignore_index", std::int64_t{-100}), c.value("label_smoothing", 0.0), r};
      value = name == "nll_loss" ? nll_loss(std::span<const double>(x), std::span<const std::int64_t>(t), c["cols"],
                                            std::span<double>(grad), o, std::span<double>(per))
                                 : cross_entropy(std::span<const double>(x), std::span<const std::int64_t>(t),
                                                 c["cols"], std::span<double>(grad), o, std::span<double>(per));
    } else if (name == "cross_entropy_probs") {
      const auto t = nums(c["target"]);
      CrossEntropyOptions o{weight, -100, c.value("label_smoothing", 0.0), r};
      value = cross_entropy_probs(std::span<const double>(x), std::span<const double>(t), c["cols"],
                                  std::span<double>(grad), o);
    } else if (name == "bce_with_logits" || name == "bce") {
      const auto t = nums(c["target"]);
      const auto pw = c.contains("pos_weight") ? nums(c["pos_weight"]) : std::vector<double>{};
      BceOptions o{{}, pw, 0, r};
      value = name == "bce"
                  ? bce(std::span<const double>(x), std::span<const double>(t), std::span<double>(grad), o)
                  : bce_with_logits(std::span<const double>(x), std::span<const double>(t), std::span<double>(grad), o);
    } else {
      const auto t = nums(c["target"]);
      if (name == "mse_loss") {
        value = mse_loss(std::span<const double>(x), std::span<const double>(t), std::span<double>(grad), r);
      }
      if (name == "l1_loss") {
        value = l1_loss(std::span<const double>(x), std::span<const double>(t), std::span<double>(grad), r);
      }
      if (name == "huber_loss") {
        value =
            huber_loss(std::span<const double>(x), std::span<const double>(t), std::span<double>(grad), c["delta"], r);
      }
    }
    const std::string what = name + " " + c.dump().substr(0, 0) + "(" + c["reduction"].get<std::string>() + ")";
    if (r == Reduction::kNone) {
      for (std::size_t i = 0; i < per.size(); ++i) expect_close(want_value[i], per[i], 1e-12, what + " per-sample");
    } else {
      expect_close(want_value[0], value, 1e-12, what + " value");
    }
    for (std::size_t i = 0; i < grad.size(); ++i) {
      expect_close(want_grad[i], grad[i], 1e-12, what + " grad[" + std::to_string(i) + "]");
    }
    ++cases;
  }
  EXPECT_GE(cases, 24);
}

TEST(Losses, CrossEntropyGradientIsSoftmaxMinusOneHot) {
  const std::vector<float> logits = {2, 1, 0.1f, 0.5f, -1, 3};
  const std::vector<std::int64_t> target = {0, 2};
  std::vector<float> grad(6);
  const double loss =
      cross_entropy(std::span<const float>(logits), std::span<const std::int64_t>(target), 3, std::span<float>(grad));
  std::vector<float> p(6);
  softmax_forward(SoftmaxKind::kSoftmax, std::span<const float>(logits), std::span<float>(p), 3);
  for (int i = 0; i < 6; ++i) {
    const float onehot = (i == 0 || i == 5) ? 1.0f : 0.0f;
    EXPECT_NEAR(grad[i], (p[i] - onehot) / 2, 1e-7) << i;  // mean over 2 rows
  }
  EXPECT_NEAR(loss, (-std::log(p[0]) - std::log(p[5])) / 2, 1e-6);
  // Hand-computed label smoothing (ε = 0.3, 3 classes) on one row: q = (0.8, 0.1, 0.1).
  std::vector<double> g1(3);
  const std::vector<double> row = {2, 1, 0.1};
  const std::vector<std::int64_t> t0 = {0};
  const double ls = cross_entropy(std::span<const double>(row), std::span<const std::int64_t>(t0), 3,
                                  std::span<double>(g1), {{}, -100, 0.3, Reduction::kMean});
  std::vector<double> pr(3), lp(3);
  softmax_forward(SoftmaxKind::kSoftmax, std::span<const double>(row), std::span<double>(pr), 3);
  softmax_forward(SoftmaxKind::kLogSoftmax, std::span<const double>(row), std::span<double>(lp), 3);
  EXPECT_NEAR(ls, -(0.8 * lp[0] + 0.1 * lp[1] + 0.1 * lp[2]), 1e-15);
  EXPECT_NEAR(g1[0], pr[0] - 0.8, 1e-15);
  EXPECT_NEAR(g1[1], pr[1] - 0.1, 1e-15);
  // ignore_index: the row adds nothing and gets no gradient; all ignored gives NaN (PyTorch).
  const std::vector<std::int64_t> ign = {-100, 2};
  std::vector<float> g2(6);
  const double l2 =
      cross_entropy(std::span<const float>(logits), std::span<const std::int64_t>(ign), 3, std::span<float>(g2));
  EXPECT_NEAR(l2, -std::log(p[5]), 1e-6);
  EXPECT_EQ(g2[0], 0.0f);
  const std::vector<std::int64_t> all_ign = {-100, -100};
  EXPECT_TRUE(std::isnan(
      cross_entropy(std::span<const float>(logits), std::span<const std::int64_t>(all_ign), 3, std::span<float>(g2))));
}

// float32 cross-entropy without class weights takes the SIMD row pass; the double
// overload takes the generic path. Same inputs (every option, awkward rows): the loss
// within 1e-6 relative and each gradient within a few float roundings of its terms,
// including a dominant class whose p_t − 1 ≈ −1e−12 must keep its relative accuracy.
// A NaN logit anywhere makes its row NaN (PyTorch), in place or not, in rows whose e are all
// normal (where the sum finds it), in rows with a spread past 87 or a −inf entry (a pass of
// their own) and in rows shorter than a vector; the rows beside it keep their values.
TEST_P(FloatRowsOnTarget, NaNAnywhereMakesItsRowNaN) {
  constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
  std::mt19937 rng(5);
  std::normal_distribution<float> n01(0, 2);
  for (const auto kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLogSoftmax, SoftmaxKind::kSoftmin}) {
    for (const std::size_t cols : {3u, 8u, 17u, 100u, 1000u}) {
      for (const int shape : {0, 1, 2}) {  // normal logits, one at −200, one −inf
        for (const std::size_t at : {std::size_t{0}, cols / 2, cols - 1}) {
          for (const bool in_place : {false, true}) {
            std::vector<float> x(3 * cols);
            for (auto& v : x) v = n01(rng);
            for (std::size_t r = 0; r < 3; ++r) {
              if (shape == 1) x[r * cols + (at + 1) % cols] = -200.0f;
              if (shape == 2) x[r * cols + (at + 1) % cols] = -std::numeric_limits<float>::infinity();
            }
            std::vector<float> clean = x;
            x[cols + at] = kNaN;  // the middle row
            std::vector<float> want(3 * cols), y(3 * cols);
            softmax_forward(kind, std::span<const float>(clean), std::span<float>(want), cols);
            if (in_place) {
              y = x;
              softmax_forward(kind, std::span<const float>(y), std::span<float>(y), cols);
            } else {
              softmax_forward(kind, std::span<const float>(x), std::span<float>(y), cols);
            }
            const std::string what = std::string(to_string(kind)) + " cols=" + std::to_string(cols) +
                                     " shape=" + std::to_string(shape) + " at=" + std::to_string(at) +
                                     (in_place ? " in place" : "");
            for (std::size_t i = 0; i < 3 * cols; ++i) {
              if (i / cols == 1) {
                ASSERT_TRUE(std::isnan(y[i])) << what << " i=" << i;
              } else {
                ASSERT_EQ(std::bit_cast<std::uint32_t>(want[i]), std::bit_cast<std::uint32_t>(y[i]))
                    << what << " i=" << i;
              }
            }
          }
        }
      }
    }
  }
}

// A call over many rows gives every row the bits it gets alone. softmax and softmin rows
// (log_softmax's too on AVX2 and narrower) take their max and lowest logit during the
// previous row's output pass (RowAhead), so a row that leaves the float path (a NaN, all
// −inf, +inf, a spread past 87, logits past 256) must leave its neighbours' results as they
// were, before it and after it.
TEST_P(FloatRowsOnTarget, EachRowOfACallAsAlone) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::mt19937 rng(23);
  std::normal_distribution<float> n01(0, 2);
  for (const auto kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLogSoftmax, SoftmaxKind::kSoftmin}) {
    for (const std::size_t cols : {8u, 17u, 64u, 1000u}) {
      constexpr std::size_t kRows = 9;
      std::vector<float> x(kRows * cols);
      for (auto& v : x) v = n01(rng);
      x[1 * cols + cols / 2] = std::numeric_limits<float>::quiet_NaN();
      std::fill_n(x.begin() + static_cast<std::ptrdiff_t>(3 * cols), cols, -kInf);
      x[4 * cols] = kInf;
      x[5 * cols + cols - 1] = -120.0f;  // spread past 87: e's below the normal range
      x[6 * cols + 1] = 300.0f;          // past the biased rows' 256
      x[7 * cols] = -kInf;
      std::vector<float> want(x.size());
      for (std::size_t r = 0; r < kRows; ++r) {
        softmax_forward(kind, std::span<const float>(x).subspan(r * cols, cols),
                        std::span<float>(want).subspan(r * cols, cols), cols);
      }
      for (const bool in_place : {false, true}) {
        std::vector<float> y = in_place ? x : std::vector<float>(x.size());
        softmax_forward(kind, std::span<const float>(in_place ? y : x), std::span<float>(y), cols);
        for (std::size_t i = 0; i < x.size(); ++i) {
          ASSERT_EQ(std::bit_cast<std::uint32_t>(want[i]), std::bit_cast<std::uint32_t>(y[i]))
              << to_string(kind) << " cols=" << cols << " row " << i / cols << " i=" << i % cols
              << (in_place ? " in place" : "");
        }
      }
    }
  }
}

// Masked rows (−inf entries, as attention masks write them) at lengths through the
// overlapping last vector: masked entries give exactly 0 (log_softmax: −inf) and the
// gradient PyTorch's formulas give them (0; log_softmax: dy), the rest are within 2 ulp; a fully masked row with
// masked_safe gives the fill and a zero gradient, not NaN, whichever lanes the last vector repeats.
TEST_P(FloatRowsOnTarget, MaskedRowsAtEveryTailLength) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::mt19937 rng(31);
  std::normal_distribution<float> n01(0, 2);
  for (const auto kind : {SoftmaxKind::kSoftmax, SoftmaxKind::kLogSoftmax}) {
    const float fill = kind == SoftmaxKind::kLogSoftmax ? -kInf : 0.0f;
    for (const std::size_t cols : {5u, 16u, 17u, 20u, 31u, 33u, 47u, 1000u}) {
      std::vector<float> x(cols), y(cols), dy(cols), dx(cols);
      for (std::size_t i = 0; i < cols; ++i) x[i] = i % 3 == 1 ? -kInf : n01(rng);
      for (auto& v : dy) v = n01(rng);
      const SoftmaxOptions o{1.0, true};
      softmax_forward(kind, std::span<const float>(x), std::span<float>(y), cols, o);
      const auto want = reference_softmax_f(kind, x, cols, 1.0);
      for (std::size_t i = 0; i < cols; ++i) {
        if (i % 3 == 1) {
          ASSERT_EQ(y[i], fill) << to_string(kind) << " cols=" << cols << " i=" << i;
        } else {
          ASSERT_LE(ulps(want[i], y[i]), 2.0) << to_string(kind) << " cols=" << cols << " i=" << i;
        }
      }
      softmax_backward(kind, std::span<const float>(y), std::span<const float>(dy), std::span<float>(dx), cols, o);
      for (std::size_t i = 1; i < cols; i += 3) {  // dx = y·(dy − Σ dy·y) = 0; log_softmax: dy − e^y·Σ dy = dy
        ASSERT_EQ(dx[i], kind == SoftmaxKind::kLogSoftmax ? dy[i] : 0.0f) << to_string(kind) << " cols=" << cols;
      }
      // every entry masked
      std::fill(x.begin(), x.end(), -kInf);
      softmax_forward(kind, std::span<const float>(x), std::span<float>(y), cols, o);
      softmax_backward(kind, std::span<const float>(y), std::span<const float>(dy), std::span<float>(dx), cols, o);
      for (std::size_t i = 0; i < cols; ++i) {
        ASSERT_EQ(y[i], fill) << to_string(kind) << " cols=" << cols << " i=" << i;
        ASSERT_EQ(dx[i], 0.0f) << to_string(kind) << " cols=" << cols << " i=" << i;
      }
    }
  }
}

TEST_P(FloatRowsOnTarget, CrossEntropyMatchesTheDoublePath) {
  std::mt19937 rng(31);
  std::normal_distribution<float> n01(0, 1);
  for (const std::size_t cols : {1u, 3u, 17u, 100u, 1000u}) {
    const std::size_t rows = 9;
    std::vector<float> x(rows * cols);
    for (auto& v : x) v = n01(rng) * 3.0f;
    std::vector<std::int64_t> target(rows);
    for (std::size_t r = 0; r < rows; ++r) target[r] = static_cast<std::int64_t>((r * 7) % cols);
    target[1] = -100;                                           // ignored
    x[2 * cols + static_cast<std::size_t>(target[2])] = 40.0f;  // dominant: p_t − 1 ≈ −e^−40·(C−1)
    if (cols > 1) x[3 * cols + (static_cast<std::size_t>(target[3]) + 1) % cols] = -INFINITY;  // masked logit
    x[4 * cols] = std::numeric_limits<float>::quiet_NaN();      // a NaN row: the exact path
    x[5 * cols + static_cast<std::size_t>(target[5])] = 1e30f;  // huge logit
    const std::vector<double> xd(x.begin(), x.end());
    for (const double eps : {0.0, 0.1}) {
      for (const auto red : {Reduction::kMean, Reduction::kSum, Reduction::kNone}) {
        const CrossEntropyOptions o{{}, -100, eps, red};
        std::vector<float> g(x.size()), ps(rows);
        std::vector<double> gd(x.size()), psd(rows);
        const double lf = cross_entropy(std::span<const float>(x), std::span<const std::int64_t>(target), cols,
                                        std::span<float>(g), o, std::span<float>(ps));
        const double ld = cross_entropy(std::span<const double>(xd), std::span<const std::int64_t>(target), cols,
                                        std::span<double>(gd), o, std::span<double>(psd));
        const std::string what = "cols=" + std::to_string(cols) + " eps=" + std::to_string(eps);
        EXPECT_TRUE(std::isnan(lf) && std::isnan(ld)) << what;  // row 4 has a NaN logit
        for (std::size_t r = 0; r < rows; ++r) {
          if (red == Reduction::kNone && r != 4) expect_close(psd[r], ps[r], 1e-6, what + " per_sample");
          for (std::size_t c = 0; c < cols; ++c) {
            const std::size_t i = r * cols + c;
            if (r == 4) {
              EXPECT_TRUE(std::isnan(g[i])) << what;
              continue;
            }
            EXPECT_LE(std::fabs(g[i] - gd[i]),
                      4 * 0x1p-24 * (std::fabs(gd[i]) + (eps + 1e-30) / static_cast<double>(cols)) + 1e-44)
                << what << " r=" << r << " c=" << c << " want " << gd[i] << " got " << g[i];
          }
        }
        const auto t2 = static_cast<std::size_t>(target[2]);
        if (cols > 1 && eps == 0) {
          EXPECT_LT(g[2 * cols + t2], 0.0f) << what;  // not rounded to 0
          EXPECT_NEAR(g[2 * cols + t2] / gd[2 * cols + t2], 1.0, 1e-6) << what;
        }
      }
    }
    // Without the NaN row the loss itself compares.
    std::vector<std::int64_t> t_ok = target;
    t_ok[4] = -100;
    std::vector<float> g(x.size());
    std::vector<double> gd(x.size());
    const double lf = cross_entropy(std::span<const float>(x), std::span<const std::int64_t>(t_ok), cols,
                                    std::span<float>(g), {{}, -100, 0.1, Reduction::kMean});
    const double ld = cross_entropy(std::span<const double>(xd), std::span<const std::int64_t>(t_ok), cols,
                                    std::span<double>(gd), {{}, -100, 0.1, Reduction::kMean});
    if (cols > 1) {
      EXPECT_TRUE(std::isinf(lf) && std::isinf(ld)) << cols;  // smoothing puts weight on the −inf logit
    } else {
      expect_close(ld, lf, 1e-6, "loss cols=1");
    }
  }
}

// The cross-entropy gradient of a class below the max is its softmax probability,
// e^(z − m)/s: within 2 floats of the double path, like softmax itself, down to
// z − m = −86. With z and m in different binades z − m is not exact in float, so the exp
// takes a two-part argument hi + lo (its accuracy over every float hi and lo = ±ulp/2 is
// tools/coeffs/expf_sweep.cc's; these outputs round too coarsely to see it).
TEST_P(FloatRowsOnTarget, CrossEntropyGradientOfFarClassesWithin2Ulp) {
  double worst = 0;
  for (int k = 0; k < 40; ++k) {
    const float top = 0.7f + 0.331f * static_cast<float>(k);
    for (const std::size_t cols : {16u, 200u, 3000u}) {
      std::vector<float> x(cols);
      x[0] = top;
      for (std::size_t c = 1; c < cols; ++c) {
        x[c] = 4.9f - 86.0f * std::fmod(0.6180339887f * static_cast<float>(c), 1.0f);  // z − m down to −86
      }
      const std::vector<double> xd(x.begin(), x.end());
      const std::vector<std::int64_t> target{0};
      std::vector<float> g(cols);
      std::vector<double> gd(cols);
      const CrossEntropyOptions o{{}, -100, 0.0, Reduction::kSum};
      cross_entropy(std::span<const float>(x), std::span<const std::int64_t>(target), cols, std::span<float>(g), o);
      cross_entropy(std::span<const double>(xd), std::span<const std::int64_t>(target), cols, std::span<double>(gd), o);
      for (std::size_t c = 1; c < cols; ++c) {
        const double e = ulps(static_cast<float>(gd[c]), g[c]);
        worst = std::max(worst, e);
        ASSERT_LE(e, 2.0) << "top=" << top << " cols=" << cols << " c=" << c << " z=" << x[c] << " want " << gd[c]
                          << " got " << g[c];
      }
    }
  }
  std::printf("cross-entropy gradients of far classes: worst %.2f floats\n", worst);
}

TEST(Losses, LogitLossesStayFiniteWhereProbabilityLossesBreak) {
  // The seeds' point: BCEWithLogits on x = ±1e4 is exact; BCE(sigmoid(x)) clamps.
  const std::vector<double> x = {1e4, -1e4};
  const std::vector<double> t = {0.0, 1.0};
  std::vector<double> g(2);
  const double good = bce_with_logits(std::span<const double>(x), std::span<const double>(t), std::span<double>(g));
  EXPECT_NEAR(good, 1e4, 1e-9);  // the true loss: each sample is 1e4 nats off
  EXPECT_NEAR(g[0], 0.5, 1e-15);
  const std::vector<double> p = {1.0, 0.0};  // sigmoid(±1e4) in any float type
  const double clamped = bce(std::span<const double>(p), std::span<const double>(t), std::span<double>(g));
  EXPECT_NEAR(clamped, 100.0, 1e-12) << "PyTorch's clamp hides a loss of 1e4 as 100";
  // Cross-entropy on logits of ±1e30 stays finite and exact.
  const std::vector<double> logits = {1e30, -1e30};
  const std::vector<std::int64_t> target = {1};
  std::vector<double> g2(2);
  EXPECT_NEAR(
      cross_entropy(std::span<const double>(logits), std::span<const std::int64_t>(target), 2, std::span<double>(g2)),
      2e30, 1e16);
}

TEST(Losses, BadInputIsAClearError) {
  std::vector<double> x(6), g(6), g5(5);
  const std::vector<std::int64_t> t = {0, 1};
  const std::vector<std::int64_t> out_of_range = {0, 3};
  const std::vector<double> negative = {1, -1, 1};
  const auto msg = [](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(msg([&] {
              cross_entropy(std::span<const double>(x), std::span<const std::int64_t>(out_of_range), 3,
                            std::span<double>(g));
            }).find("target 3 at row 1 is out of range [0, 3)"),
            std::string::npos);
  EXPECT_NE(msg([&] {
              cross_entropy(std::span<const double>(x), std::span<const std::int64_t>(t), 3, std::span<double>(g),
                            {negative});
            }).find("weight[1] = -1"),
            std::string::npos);
  EXPECT_NE(msg([&] {
              cross_entropy(std::span<const double>(x), std::span<const std::int64_t>(t), 3, std::span<double>(g5));
            }).find("grad has 5 values"),
            std::string::npos);
  EXPECT_NE(msg([&] {
              cross_entropy(std::span<const double>(x), std::span<const std::int64_t>(t), 4, std::span<double>(g));
            }).find("do not split into rows of 4"),
            std::string::npos);
  EXPECT_NE(msg([&] {
              cross_entropy(std::span<const double>(), std::span<const std::int64_t>(), 3, std::span<double>());
            }).find("empty input"),
            std::string::npos);
  EXPECT_NE(msg([&] {
              cross_entropy(std::span<const double>(x), std::span<const std::int64_t>(t), 3, std::span<double>(g),
                            {{}, -100, 1.5});
            }).find("label_smoothing"),
            std::string::npos);
  const std::vector<double> bad_p = {1.5};
  const std::vector<double> one = {1.0};
  std::vector<double> g1(1);
  EXPECT_NE(msg([&] {
              bce(std::span<const double>(bad_p), std::span<const double>(one), std::span<double>(g1));
            }).find("not a probability"),
            std::string::npos);
  // Numbers in messages read back as the value given: six decimals had printed 1.0000001
  // as "1.000000", a probability the message then said was not in [0, 1].
  const std::vector<double> just_above = {1.0000001};
  EXPECT_NE(msg([&] {
              bce(std::span<const double>(just_above), std::span<const double>(one), std::span<double>(g1));
            }).find("input 1.0000001 at index 0"),
            std::string::npos);
  EXPECT_NE(msg([&] {
              cross_entropy(std::span<const double>(x), std::span<const std::int64_t>(t), 3, std::span<double>(g),
                            {{}, -100, 1.0000001});
            }).find("got 1.0000001"),
            std::string::npos);
  const std::vector<double> tiny_negative = {1, -1e-9, 1};
  EXPECT_NE(msg([&] {
              cross_entropy(std::span<const double>(x), std::span<const std::int64_t>(t), 3, std::span<double>(g),
                            {tiny_negative});
            }).find("weight[1] = -1e-09"),
            std::string::npos);
  EXPECT_THROW(mse_loss(std::span<const double>(x), std::span<const double>(bad_p), std::span<double>(g)), Error);
  EXPECT_THROW(huber_loss(std::span<const double>(x), std::span<const double>(x), std::span<double>(g), 0.0), Error);
}

// ---------------------------------------------------------------- GLU

TEST(Glu, ForwardMatchesDefinitionAndBackwardMatchesFiniteDifferences) {
  std::mt19937 rng(8);
  std::normal_distribution<double> n01(0, 1.5);
  std::vector<double> x(std::size_t{3} * 8), up(std::size_t{3} * 4);
  for (auto& v : x) v = n01(rng);
  for (auto& v : up) v = n01(rng);
  struct Def {
    GluKind kind;
    const char* act;
    bool gate_second;
  };
  for (const Def& def :
       {Def{GluKind::kGlu, "sigmoid", true}, Def{GluKind::kReglu, "relu", false}, Def{GluKind::kGeglu, "gelu", false},
        Def{GluKind::kGegluTanh, "gelu_tanh", false}, Def{GluKind::kSwiglu, "silu", false}}) {
    const Activation act = Activation::parse(def.act);
    std::vector<double> y(12), dx(24);
    glu_forward(def.kind, std::span<const double>(x), std::span<double>(y), 8);
    for (std::size_t r = 0; r < 3; ++r) {
      for (std::size_t i = 0; i < 4; ++i) {
        const double a = x[r * 8 + i], b = x[r * 8 + 4 + i];
        const double want = def.gate_second ? a * act.eval(b) : act.eval(a) * b;
        EXPECT_NEAR(y[r * 4 + i], want, 1e-14 * (1 + std::fabs(want))) << to_string(def.kind);
      }
    }
    glu_backward(def.kind, std::span<const double>(x), std::span<const double>(up), std::span<double>(dx), 8);
    const auto objective = [&](const std::vector<double>& v) {
      std::vector<double> yy(12);
      glu_forward(def.kind, std::span<const double>(v), std::span<double>(yy), 8);
      double s = 0;
      for (std::size_t i = 0; i < 12; ++i) s += yy[i] * up[i];
      return s;
    };
    for (std::size_t i = 0; i < x.size(); ++i) {
      auto hi = x, lo = x;
      hi[i] += 1e-6;
      lo[i] -= 1e-6;
      EXPECT_NEAR(dx[i], (objective(hi) - objective(lo)) / 2e-6, 1e-7) << to_string(def.kind) << " i=" << i;
    }
  }
  std::vector<double> y(3), odd(9);
  EXPECT_THROW(glu_forward(GluKind::kGlu, std::span<const double>(odd), std::span<double>(y), 3), Error);
  EXPECT_FALSE(glu_kind("nope"));
}

INSTANTIATE_TEST_SUITE_P(Simd, FloatRowsOnTarget, ::testing::ValuesIn(all_targets()), target_name);

}  // namespace
}  // namespace actlab
