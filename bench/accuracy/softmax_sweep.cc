// softmax_sweep.cc — float32 softmax / log_softmax / softmin against long double on
// many random rows: how far each output lies from the correctly rounded value, in floats.
//
// The unit tests hold the 2-ulp contract on about 126,000 chosen values; this sweep looks
// for the rare worst cases among tens of millions. Rows: 2–301 columns (--cols LO-HI for
// others: log_softmax's rows take the biased exp from 384 columns on), N(0, σ) logits
// with σ from 0.03 to 300, and every third row one logit raised 20–119 above the rest (a
// dominant class, so log-probabilities near 0 and e^(z − m) down into the subnormals).
//   actlab_bench_softmax_accuracy [--kind softmax|log_softmax|softmin] [--rows N] [--seed S] [--cols LO-HI]
//                                 [--temperature T] [--simd TARGET]
// (--simd caps the kernels at a lower target, e.g. AVX2.)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "actlab/actlab.h"
#include "args.h"

namespace {

// Distance in floats from want (the correctly rounded value) to got.
double float_distance(float want, float got) {
  if (want == got) return 0;
  if (std::isnan(want) || std::isnan(got)) return std::numeric_limits<double>::infinity();
  const float a = std::fabs(want);
  const double step = static_cast<double>(std::nextafter(a, std::numeric_limits<float>::infinity())) - a;
  return std::fabs(static_cast<double>(want) - got) / step;
}

// The correctly rounded outputs of one row, with s − 1 summed without the maxima so that
// log s = log1p(s − 1) keeps tiny log-probabilities.
std::vector<float> reference(actlab::SoftmaxKind kind, const std::vector<float>& x, long double t) {
  const long double sign = kind == actlab::SoftmaxKind::kSoftmin ? -1 : 1;
  long double m = -std::numeric_limits<long double>::infinity();
  for (const float v : x) m = std::max(m, sign * v);
  long double s_minus_1 = -1;
  for (const float v : x) s_minus_1 += sign * v - m == 0 ? 1 : 0;
  for (const float v : x) {
    const long double z = (sign * v - m) / t;
    if (z != 0) s_minus_1 += std::exp(z);
  }
  std::vector<float> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const long double z = (sign * x[i] - m) / t;
    out[i] = static_cast<float>(kind == actlab::SoftmaxKind::kLogSoftmax ? z - std::log1p(s_minus_1)
                                                                         : std::exp(z) / (1 + s_minus_1));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  actlab::SoftmaxKind kind = actlab::SoftmaxKind::kSoftmax;
  long rows = 100000;
  unsigned seed = 5;
  bool capped = false;
  double temperature = 1.0;
  std::size_t min_cols = 2;
  std::size_t max_cols = 301;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--kind" && i + 1 < argc) {
      const auto k = actlab::softmax_kind(argv[++i]);
      if (!k) {
        std::fprintf(stderr, "actlab_bench_softmax_accuracy: unknown kind '%s'\n", argv[i]);
        return 2;
      }
      kind = *k;
    } else if ((a == "--rows" || a == "--seed") && i + 1 < argc) {
      const auto v = actlab::bench::parse_count(argv[++i], 1, a == "--rows" ? 1000000000 : 4000000000);
      if (!v) {
        std::fprintf(stderr, "actlab_bench_softmax_accuracy: %s wants a positive whole number, not '%s'\n", a.c_str(),
                     argv[i]);
        return 2;
      }
      if (a == "--rows") {
        rows = static_cast<long>(*v);
      } else {
        seed = static_cast<unsigned>(*v);
      }
    } else if (a == "--temperature" && i + 1 < argc) {
      char* end = nullptr;
      temperature = std::strtod(argv[++i], &end);
      if (end == argv[i] || *end != '\0' || !(temperature > 0) || !std::isfinite(temperature)) {
        std::fprintf(stderr, "actlab_bench_softmax_accuracy: --temperature wants a finite number > 0, not '%s'\n",
                     argv[i]);
        return 2;
      }
    } else if (a == "--cols" && i + 1 < argc) {
      const std::string_view text = argv[++i];
      const auto dash = text.find('-');
      const auto lo = actlab::bench::parse_count(text.substr(0, dash), 1, 1000000);
      const auto hi =
          dash == std::string_view::npos ? lo : actlab::bench::parse_count(text.substr(dash + 1), 1, 1000000);
      if (!lo || !hi || *hi < *lo) {
        std::fprintf(stderr, "actlab_bench_softmax_accuracy: --cols wants LO-HI, 1 <= LO <= HI <= 1000000, not '%s'\n",
                     argv[i]);
        return 2;
      }
      min_cols = static_cast<std::size_t>(*lo);
      max_cols = static_cast<std::size_t>(*hi);
    } else if (a == "--simd" && i + 1 < argc) {
      try {
        actlab::set_max_simd_target(argv[++i]);
      } catch (const actlab::Error& e) {
        std::fprintf(stderr, "actlab_bench_softmax_accuracy: %s\n", e.what());
        return 2;
      }
      capped = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--kind softmax|log_softmax|softmin] [--rows N] [--seed S] [--cols LO-HI] "
                   "[--temperature T] [--simd TARGET]\n",
                   argv[0]);
      return 2;
    }
  }
  if (capped) std::printf("SIMD: %s\n", actlab::simd_target());
  std::mt19937 rng(seed);
  long counts[4] = {0, 0, 0, 0};  // 0, 1, 2, more floats away
  double worst = 0;
  float worst_want = 0;
  float worst_got = 0;
  std::size_t worst_cols = 0;
  for (long r = 0; r < rows; ++r) {
    const std::size_t cols = min_cols + rng() % (max_cols - min_cols + 1);
    const float sigma = std::pow(10.0f, static_cast<float>(rng() % 400) / 100.0f - 1.5f);
    std::normal_distribution<float> logit(0, sigma);
    std::vector<float> x(cols);
    for (auto& v : x) v = logit(rng);
    if (r % 3 == 0) x[rng() % cols] += static_cast<float>(20 + rng() % 100);
    std::vector<float> y(cols);
    actlab::softmax_forward(kind, std::span<const float>(x), std::span<float>(y), cols, {temperature, false});
    const std::vector<float> want = reference(kind, x, temperature);
    for (std::size_t i = 0; i < cols; ++i) {
      const double d = float_distance(want[i], y[i]);
      ++counts[d >= 3 ? 3 : static_cast<std::size_t>(d)];  // d is +inf for a NaN on one side only
      if (d > worst) {
        worst = d;
        worst_want = want[i];
        worst_got = y[i];
        worst_cols = cols;
      }
    }
  }
  const std::string_view name = actlab::to_string(kind);
  std::printf(
      "%.*s, T = %g, %ld rows of %zu-%zu columns, seed %u: %ld values exact, %ld one float away, %ld two, "
      "%ld more\n",
      static_cast<int>(name.size()), name.data(), temperature, rows, min_cols, max_cols, seed, counts[0], counts[1],
      counts[2], counts[3]);
  std::printf("worst: %.2f floats (want %a, got %a, %zu columns)\n", worst, static_cast<double>(worst_want),
              static_cast<double>(worst_got), worst_cols);
  return counts[3] == 0 ? 0 : 1;
}
