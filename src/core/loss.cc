// loss.cc — losses fused with their gradients, PyTorch's semantics.
//
// Cross-entropy in one form for every variant: with q_c the coefficient on
// −log p_c in a row's loss (class weights, label smoothing and probability
// targets all just change q), the loss is −Σ q_c·log p_c and its gradient with
// respect to the logits is p·Σq − q. log p comes from the row-wise
// log_softmax kernel in double (log-sum-exp, never a rounded probability).
#include "actlab/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "actlab/error.h"
#include "actlab/softmax.h"
#include "kernels.h"
#include "text.h"

namespace actlab {
inline namespace v0 {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

[[noreturn]] void fail(const char* loss, const std::string& what) { throw Error(std::string(loss) + ": " + what); }

void check_sizes(const char* loss, std::size_t a, std::size_t b, const char* an, const char* bn) {
  if (a != b) {
    fail(loss, std::string(an) + " has " + std::to_string(a) + " values but " + bn + " has " + std::to_string(b));
  }
}

std::size_t check_rows(const char* loss, std::size_t n, std::size_t cols) {
  if (n == 0) fail(loss, "empty input");
  if (cols == 0) fail(loss, "rows must have at least one class");
  if (n % cols != 0) fail(loss, std::to_string(n) + " logits do not split into rows of " + std::to_string(cols));
  return n / cols;
}

void check_options(const char* loss, const CrossEntropyOptions& o, std::size_t cols) {
  if (!o.weight.empty()) {
    if (o.weight.size() != cols) {
      fail(loss, "weight has " + std::to_string(o.weight.size()) + " values for " + std::to_string(cols) + " classes");
    }
    for (std::size_t c = 0; c < cols; ++c) {
      if (!(o.weight[c] >= 0) || !std::isfinite(o.weight[c])) {
        fail(loss,
             "weight[" + std::to_string(c) + "] = " + detail::number_text(o.weight[c]) + " must be finite and >= 0");
      }
    }
  }
  if (!(o.label_smoothing >= 0 && o.label_smoothing <= 1)) {
    fail(loss, "label_smoothing must be in [0, 1], got " + detail::number_text(o.label_smoothing));
  }
}

double reduce(Reduction r, double sum, double denom) {
  switch (r) {
    case Reduction::kMean:
      return denom == 0 ? kNaN : sum / denom;
    case Reduction::kSum:
    case Reduction::kNone:
      return sum;
  }
  return sum;
}

// The gradient entry p·Σq − q = p·(Σq − q) + q·(p − 1), with p − 1 = expm1(log p): no
// cancellation when p rounds to 1 (a confident class keeps its small gradient).
double probs_minus_coeffs(double p, double log_p, double q, double qsum) {
  return q == 0 ? p * qsum : p * (qsum - q) + q * std::expm1(log_p);
}

// Row r's log p and p, in double, into caller-owned scratch of one row each:
// from the SIMD row kernels for logits, by exp for log-probability inputs.
template <class T>
void row_probs(std::span<const T> input, std::size_t r, std::size_t cols, bool input_is_log_probs, double* z,
               double* logp, double* p) {
  for (std::size_t c = 0; c < cols; ++c) z[c] = static_cast<double>(input[r * cols + c]);
  if (input_is_log_probs) {
    for (std::size_t c = 0; c < cols; ++c) {
      logp[c] = z[c];
      p[c] = std::exp(z[c]);
    }
    return;
  }
  softmax_forward(SoftmaxKind::kLogSoftmax, std::span<const double>(z, cols), std::span<double>(logp, cols), cols);
  softmax_forward(SoftmaxKind::kSoftmax, std::span<const double>(z, cols), std::span<double>(p, cols), cols);
}

// The shared core: per-row coefficients q (from `coeffs(row, q)`), loss and gradient.
template <class T, class Coeffs>
double cross_entropy_core(const char* loss, std::span<const T> input, bool input_is_log_probs, std::size_t rows,
                          std::size_t cols, std::span<T> grad, std::span<T> per_sample, Reduction reduction,
                          double denom, Coeffs coeffs) {
  check_sizes(loss, grad.size(), input.size(), "grad", "logits");
  if (reduction == Reduction::kNone) check_sizes(loss, per_sample.size(), rows, "per_sample", "rows");
  const double scale = reduction == Reduction::kMean ? (denom == 0 ? kNaN : 1.0 / denom) : 1.0;
  std::vector<double> q(cols), z(cols), lp(cols), pr(cols);
  double total = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    T* g = grad.data() + r * cols;
    const bool kept = coeffs(r, q.data());
    row_probs(input, r, cols, input_is_log_probs, z.data(), lp.data(), pr.data());
    double row_loss = 0;
    double qsum = 0;
    for (std::size_t c = 0; c < cols; ++c) {
      if (q[c] != 0) row_loss -= q[c] * lp[c];  // 0·(−inf) counts as 0, as in PyTorch
      qsum += q[c];
    }
    for (std::size_t c = 0; c < cols; ++c) {
      g[c] = kept ? static_cast<T>(probs_minus_coeffs(pr[c], lp[c], q[c], qsum) * scale) : T(0);
    }
    if (reduction == Reduction::kNone) per_sample[r] = static_cast<T>(row_loss);
    total += row_loss;
  }
  return reduce(reduction, total, denom);
}

// float32 logits without class weights (the training case): one threaded SIMD pass per
// row writes p·scale − ε/C·scale into grad and returns m, s − 1 and, for short rows,
// log1p(s − 1) (Highway's, double lanes, 2 ulp); the loss and the target's gradient are
// then exact in double: loss = (1 − ε)(m − z_t) + ε(m − mean z) + log1p(s − 1), and
// p_t − 1 = −(s − 1)/s when z_t = m (no cancellation), else e_t/s − 1. Rows the SIMD pass
// leaves (NaN, infinite max) take the generic per-row path.
double cross_entropy_float_rows(const char* loss, std::span<const float> x, std::span<const std::int64_t> target,
                                std::size_t rows, std::size_t cols, std::span<float> grad, std::span<float> per_sample,
                                const CrossEntropyOptions& o, double denom) {
  check_sizes(loss, grad.size(), x.size(), "grad", "logits");
  if (o.reduction == Reduction::kNone) check_sizes(loss, per_sample.size(), rows, "per_sample", "rows");
  const double scale = o.reduction == Reduction::kMean ? (denom == 0 ? kNaN : 1.0 / denom) : 1.0;
  const double eps = o.label_smoothing;
  const double uniform = eps / static_cast<double>(cols);
  // the four per-row values in one block left uninitialised, which the row pass fills:
  // four zeroed vectors took 30 % of a 65536 x 10 call (3.10 -> 2.17 ns/elem, AVX2)
  const std::unique_ptr<double[]> stats(new double[4 * rows]);
  double* const m = stats.get();
  double* const sm1 = m + rows;
  double* const log_s = sm1 + rows;
  double* const sum_z = log_s + rows;
  std::vector<unsigned char> ok(rows);
  detail::logit_rows_f32(x.data(), grad.data(), rows, cols, scale, scale * uniform, eps > 0, m, sm1, log_s, sum_z,
                         ok.data());
  std::vector<double> z, lp, pr;  // the generic path's scratch, for rows that need it
  double total = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    float* g = grad.data() + r * cols;
    const std::int64_t t64 = target[r];
    double row_loss = 0;
    if (t64 == o.ignore_index) {
      std::fill(g, g + cols, 0.0f);
    } else if (ok[r] == 0) {
      z.resize(cols);
      lp.resize(cols);
      pr.resize(cols);
      row_probs(x, r, cols, false, z.data(), lp.data(), pr.data());
      for (std::size_t c = 0; c < cols; ++c) {
        const double q = uniform + (c == static_cast<std::size_t>(t64) ? 1 - eps : 0.0);
        if (q != 0) row_loss -= q * lp[c];
        g[c] = static_cast<float>(probs_minus_coeffs(pr[c], lp[c], q, 1.0) * scale);
      }
    } else {
      const auto t = static_cast<std::size_t>(t64);
      const double zt = x[r * cols + t];
      const double s = 1 + sm1[r];
      row_loss = (1 - eps) * (m[r] - zt) + (std::isnan(log_s[r]) ? std::log1p(sm1[r]) : log_s[r]);
      if (eps > 0) row_loss += eps * (m[r] - sum_z[r] / static_cast<double>(cols));
      const double pt_minus_1 = zt == m[r] ? -sm1[r] / s : std::exp(zt - m[r]) / s - 1;
      g[t] = static_cast<float>((pt_minus_1 + eps - uniform) * scale);
    }
    if (o.reduction == Reduction::kNone) per_sample[r] = static_cast<float>(row_loss);
    total += row_loss;
  }
  return reduce(o.reduction, total, denom);
}

template <class T>
double cross_entropy_impl(std::span<const T> logits, std::span<const std::int64_t> target, std::size_t cols,
                          std::span<T> grad, const CrossEntropyOptions& o, std::span<T> per_sample,
                          bool from_log_probs) {
  const char* loss = from_log_probs ? "nll_loss" : "cross_entropy";
  const std::size_t rows = check_rows(loss, logits.size(), cols);
  check_sizes(loss, target.size(), rows, "target", "rows");
  check_options(loss, o, cols);
  const auto w = [&](std::size_t c) { return o.weight.empty() ? 1.0 : o.weight[c]; };
  double denom = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::int64_t t = target[r];
    if (t == o.ignore_index) continue;
    if (t < 0 || static_cast<std::size_t>(t) >= cols) {
      fail(loss, "target " + std::to_string(t) + " at row " + std::to_string(r) + " is out of range [0, " +
                     std::to_string(cols) + ")");
    }
    denom += w(static_cast<std::size_t>(t));
  }
  if constexpr (std::is_same_v<T, float>) {
    if (!from_log_probs && o.weight.empty()) {
      return cross_entropy_float_rows(loss, logits, target, rows, cols, grad, per_sample, o, denom);
    }
  }
  const double eps = from_log_probs ? 0.0 : o.label_smoothing;
  return cross_entropy_core(loss, logits, from_log_probs, rows, cols, grad, per_sample, o.reduction, denom,
                            [&](std::size_t r, double* q) {
                              const std::int64_t t = target[r];
                              if (t == o.ignore_index) {
                                std::fill(q, q + cols, 0.0);
                                return false;
                              }
                              for (std::size_t c = 0; c < cols; ++c) q[c] = eps / static_cast<double>(cols) * w(c);
                              q[static_cast<std::size_t>(t)] += (1 - eps) * w(static_cast<std::size_t>(t));
                              return true;
                            });
}

}  // namespace

std::optional<Reduction> reduction_from_string(std::string_view name) noexcept {
  if (name == "none") return Reduction::kNone;
  if (name == "mean") return Reduction::kMean;
  if (name == "sum") return Reduction::kSum;
  return std::nullopt;
}

double cross_entropy(std::span<const float> logits, std::span<const std::int64_t> target, std::size_t cols,
                     std::span<float> grad, const CrossEntropyOptions& o, std::span<float> per_sample) {
  return cross_entropy_impl(logits, target, cols, grad, o, per_sample, false);
}
double cross_entropy(std::span<const double> logits, std::span<const std::int64_t> target, std::size_t cols,
                     std::span<double> grad, const CrossEntropyOptions& o, std::span<double> per_sample) {
  return cross_entropy_impl(logits, target, cols, grad, o, per_sample, false);
}
double nll_loss(std::span<const double> logp, std::span<const std::int64_t> target, std::size_t cols,
                std::span<double> grad, const CrossEntropyOptions& o, std::span<double> per_sample) {
  // Its gradient is −q: the p·Σq term belongs to the log_softmax in front of it.
  CrossEntropyOptions plain = o;
  plain.label_smoothing = 0;
  const double loss = cross_entropy_impl(logp, target, cols, grad, plain, per_sample, true);
  const std::size_t rows = logp.size() / cols;
  const auto w = [&](std::size_t c) { return o.weight.empty() ? 1.0 : o.weight[c]; };
  double denom = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    if (target[r] != o.ignore_index) denom += w(static_cast<std::size_t>(target[r]));
  }
  const double scale = o.reduction == Reduction::kMean ? (denom == 0 ? kNaN : 1.0 / denom) : 1.0;
  std::fill(grad.begin(), grad.end(), 0.0);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::int64_t t = target[r];
    if (t != o.ignore_index) grad[r * cols + static_cast<std::size_t>(t)] = -w(static_cast<std::size_t>(t)) * scale;
  }
  return loss;
}

double cross_entropy_probs(std::span<const double> logits, std::span<const double> target, std::size_t cols,
                           std::span<double> grad, const CrossEntropyOptions& o, std::span<double> per_sample) {
  const char* loss = "cross_entropy";
  const std::size_t rows = check_rows(loss, logits.size(), cols);
  check_sizes(loss, target.size(), logits.size(), "target", "logits");
  check_options(loss, o, cols);
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (!(target[i] >= 0 && target[i] <= 1)) {
      fail(loss,
           "probability target " + std::to_string(target[i]) + " at index " + std::to_string(i) + " is outside [0, 1]");
    }
  }
  const double eps = o.label_smoothing;
  return cross_entropy_core(loss, logits, false, rows, cols, grad, per_sample, o.reduction, static_cast<double>(rows),
                            [&](std::size_t r, double* q) {
                              for (std::size_t c = 0; c < cols; ++c) {
                                const double w = o.weight.empty() ? 1.0 : o.weight[c];
                                q[c] = w * ((1 - eps) * target[r * cols + c] + eps / static_cast<double>(cols));
                              }
                              return true;
                            });
}

namespace {

// Element-wise losses share their reduction and output handling.
template <class F>
double elementwise_loss(const char* loss, std::span<const double> a, std::span<const double> t, std::span<double> grad,
                        Reduction reduction, std::span<double> per_sample, F f) {
  if (a.empty()) fail(loss, "empty input");
  check_sizes(loss, t.size(), a.size(), "target", "input");
  check_sizes(loss, grad.size(), a.size(), "grad", "input");
  if (reduction == Reduction::kNone) check_sizes(loss, per_sample.size(), a.size(), "per_sample", "input");
  const double scale = reduction == Reduction::kMean ? 1.0 / static_cast<double>(a.size()) : 1.0;
  double total = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    double g = 0;
    const double l = f(i, a[i], t[i], &g);
    grad[i] = g * scale;
    if (reduction == Reduction::kNone) per_sample[i] = l;
    total += l;
  }
  return reduce(reduction, total, static_cast<double>(a.size()));
}

void check_bce_options(const char* loss, const BceOptions& o, std::size_t n) {
  if (!o.weight.empty() && o.weight.size() != 1 && o.weight.size() != n) {
    fail(loss, "weight has " + std::to_string(o.weight.size()) + " values for " + std::to_string(n) + " inputs");
  }
  if (!o.pos_weight.empty()) {
    const std::size_t cols = o.cols == 0 ? o.pos_weight.size() : o.cols;
    if (o.pos_weight.size() != cols || n % cols != 0) {
      fail(loss, "pos_weight has " + std::to_string(o.pos_weight.size()) + " values; it needs one per class of " +
                     std::to_string(cols) + " and the input a multiple of that");
    }
    for (const double pw : o.pos_weight) {
      if (!(pw >= 0) || !std::isfinite(pw)) fail(loss, "pos_weight must be finite and >= 0");
    }
  }
}

double elem_weight(const BceOptions& o, std::size_t i) {
  if (o.weight.empty()) return 1.0;
  return o.weight.size() == 1 ? o.weight[0] : o.weight[i];
}

}  // namespace

double bce_with_logits(std::span<const double> logits, std::span<const double> target, std::span<double> grad,
                       const BceOptions& o, std::span<double> per_sample) {
  check_bce_options("bce_with_logits", o, logits.size());
  return elementwise_loss("bce_with_logits", logits, target, grad, o.reduction, per_sample,
                          [&](std::size_t i, double x, double t, double* g) {
                            const double pw = o.pos_weight.empty() ? 1.0 : o.pos_weight[i % o.pos_weight.size()];
                            const double lw = (pw - 1) * t + 1;
                            // softplus(−x) = log1p(e^−|x|) + max(−x, 0): finite for any x.
                            const double sp = std::log1p(std::exp(-std::fabs(x))) + std::max(-x, 0.0);
                            const double sig_neg = x >= 0 ? std::exp(-x) / (1 + std::exp(-x)) : 1 / (1 + std::exp(x));
                            const double w = elem_weight(o, i);
                            *g = w * ((1 - t) - lw * sig_neg);
                            return w * ((1 - t) * x + lw * sp);
                          });
}

double bce(std::span<const double> prob, std::span<const double> target, std::span<double> grad, const BceOptions& o,
           std::span<double> per_sample) {
  check_bce_options("bce", o, prob.size());
  for (std::size_t i = 0; i < prob.size(); ++i) {
    if (!(prob[i] >= 0 && prob[i] <= 1)) {
      fail("bce", "input " + detail::number_text(prob[i]) + " at index " + std::to_string(i) +
                      " is not a probability in [0, 1] (bce_with_logits takes logits)");
    }
  }
  return elementwise_loss("bce", prob, target, grad, o.reduction, per_sample,
                          [&](std::size_t i, double p, double t, double* g) {
                            const double w = elem_weight(o, i);
                            // PyTorch clamps each log at −100 and the backward's denominator at
                            // its EPSILON, which is the float 1e-12f (9.99999996e-13) even in double.
                            const double lp = std::max(std::log(p), -100.0);
                            const double l1p = std::max(std::log1p(-p), -100.0);
                            *g = w * (p - t) / std::max((1 - p) * p, static_cast<double>(1e-12f));
                            return -w * (t * lp + (1 - t) * l1p);
                          });
}

double mse_loss(std::span<const double> pred, std::span<const double> target, std::span<double> grad,
                Reduction reduction, std::span<double> per_sample) {
  return elementwise_loss("mse_loss", pred, target, grad, reduction, per_sample,
                          [](std::size_t, double p, double t, double* g) {
                            *g = 2 * (p - t);
                            return (p - t) * (p - t);
                          });
}

double l1_loss(std::span<const double> pred, std::span<const double> target, std::span<double> grad,
               Reduction reduction, std::span<double> per_sample) {
  return elementwise_loss("l1_loss", pred, target, grad, reduction, per_sample,
                          [](std::size_t, double p, double t, double* g) {
                            const double d = p - t;
                            *g = d > 0 ? 1.0 : (d < 0 ? -1.0 : (d == 0 ? 0.0 : d));
                            return std::fabs(d);
                          });
}

double huber_loss(std::span<const double> pred, std::span<const double> target, std::span<double> grad, double delta,
                  Reduction reduction, std::span<double> per_sample) {
  if (!(delta > 0) || !std::isfinite(delta)) fail("huber_loss", "delta must be finite and > 0");
  return elementwise_loss("huber_loss", pred, target, grad, reduction, per_sample,
                          [delta](std::size_t, double p, double t, double* g) {
                            const double d = p - t;
                            const double z = std::fabs(d);
                            *g = d < -delta ? -delta : (d > delta ? delta : d);
                            return z < delta ? 0.5 * d * d : delta * (z - 0.5 * delta);
                          });
}

}  // namespace v0
}  // namespace actlab
