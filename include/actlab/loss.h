// actlab/loss.h — losses fused with their gradient, with PyTorch's semantics and defaults.
//
// Each function returns the loss (or writes per-sample losses for kNone) and
// writes `grad`, the gradient of the returned loss with respect to its input
// (for kNone: of the sum of the per-sample losses). Everything is computed in
// double from the inputs; losses that take logits go through log-sum-exp and
// never through a rounded probability.
#ifndef ACTLAB_LOSS_H_
#define ACTLAB_LOSS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "actlab/export.h"

namespace actlab {
inline namespace v0 {

enum class Reduction : std::uint8_t { kNone, kMean, kSum };
ACTLAB_API std::optional<Reduction> reduction_from_string(std::string_view name) noexcept;

struct CrossEntropyOptions {
  std::span<const double> weight = {};  ///< per class, >= 0; empty = all 1
  std::int64_t ignore_index = -100;     ///< class-index targets equal to it add nothing
  double label_smoothing = 0.0;         ///< in [0, 1]
  Reduction reduction = Reduction::kMean;
};

/** Cross-entropy on logits (rows × cols) with class-index targets (rows).
 *  Mean is PyTorch's weighted mean: Σ loss / Σ weight[target] over kept rows (NaN if none). */
ACTLAB_API double cross_entropy(std::span<const float> logits, std::span<const std::int64_t> target, std::size_t cols,
                                std::span<float> grad, const CrossEntropyOptions& options = {},
                                std::span<float> per_sample = {});
ACTLAB_API double cross_entropy(std::span<const double> logits, std::span<const std::int64_t> target, std::size_t cols,
                                std::span<double> grad, const CrossEntropyOptions& options = {},
                                std::span<double> per_sample = {});
/** Cross-entropy on logits with probability targets (rows × cols); mean divides by rows. */
ACTLAB_API double cross_entropy_probs(std::span<const double> logits, std::span<const double> target, std::size_t cols,
                                      std::span<double> grad, const CrossEntropyOptions& options = {},
                                      std::span<double> per_sample = {});

/** Negative log-likelihood on log-probabilities (rows × cols), class-index targets. */
ACTLAB_API double nll_loss(std::span<const double> logp, std::span<const std::int64_t> target, std::size_t cols,
                           std::span<double> grad, const CrossEntropyOptions& options = {},
                           std::span<double> per_sample = {});

struct BceOptions {
  std::span<const double> weight = {};      ///< per element (broadcast if size 1); empty = 1
  std::span<const double> pos_weight = {};  ///< per class (last dimension = cols); empty = 1
  std::size_t cols = 0;                     ///< for pos_weight; 0 = size of pos_weight
  Reduction reduction = Reduction::kMean;
};

/** Binary cross-entropy on logits: stable for any logit (no sigmoid is rounded). */
ACTLAB_API double bce_with_logits(std::span<const double> logits, std::span<const double> target,
                                  std::span<double> grad, const BceOptions& options = {},
                                  std::span<double> per_sample = {});
/** Binary cross-entropy on probabilities in [0, 1], with PyTorch's log clamp at −100. */
ACTLAB_API double bce(std::span<const double> prob, std::span<const double> target, std::span<double> grad,
                      const BceOptions& options = {}, std::span<double> per_sample = {});

/** Regression losses on predictions and targets of equal size. */
ACTLAB_API double mse_loss(std::span<const double> pred, std::span<const double> target, std::span<double> grad,
                           Reduction reduction = Reduction::kMean, std::span<double> per_sample = {});
ACTLAB_API double l1_loss(std::span<const double> pred, std::span<const double> target, std::span<double> grad,
                          Reduction reduction = Reduction::kMean, std::span<double> per_sample = {});
ACTLAB_API double huber_loss(std::span<const double> pred, std::span<const double> target, std::span<double> grad,
                             double delta = 1.0, Reduction reduction = Reduction::kMean,
                             std::span<double> per_sample = {});

}  // namespace v0
}  // namespace actlab

#endif  // ACTLAB_LOSS_H_
