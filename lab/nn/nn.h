// nn.h — the lab's training engine: dense and activation layers, MLPs built from
// the catalog, initialization matched to the activation, optimizers, training.
//
// llm.c style: every layer has an explicit forward and backward, side by side;
// buffers carry shape comments; the forward caches what its backward needs;
// the MLP's backward walks the layers in reverse. Parameters and their
// gradients are double; layers *accumulate* into gradients, zero_grad() clears them.
#ifndef ACTLAB_LAB_NN_NN_H_
#define ACTLAB_LAB_NN_NN_H_

#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "actlab/activation.h"
#include "dataset.h"

namespace actlab::nn {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;

/** A parameter tensor and its gradient (same shape). */
struct Param {
  std::string name;
  Matrix* value;
  Matrix* grad;
};

class Layer {
 public:
  virtual ~Layer() = default;
  /** y = layer(x); x is (batch, in). training: dropout and rrelu behave as in training. */
  virtual Matrix forward(const Matrix& x, bool training) = 0;
  /** dx from dy (batch, out); accumulates parameter gradients. */
  virtual Matrix backward(const Matrix& dy) = 0;
  virtual std::vector<Param> parameters() { return {}; }
  virtual std::string summary() const = 0;
};

/** y = x·Wᵀ + b, W (out, in), b (1, out). */
class Dense final : public Layer {
 public:
  Dense(std::size_t in, std::size_t out);
  Matrix forward(const Matrix& x, bool training) override;
  Matrix backward(const Matrix& dy) override;
  std::vector<Param> parameters() override;
  std::string summary() const override;
  Matrix w, b, dw, db;

 private:
  Matrix x_for_dw_;  // (batch, in): the input, for dW = dyᵀ·x
};

/** An element-wise activation from the catalog, on the SIMD kernels (double). */
class ActivationLayer final : public Layer {
 public:
  explicit ActivationLayer(const Activation& act) : act_(act) {}
  Matrix forward(const Matrix& x, bool training) override;
  Matrix backward(const Matrix& dy) override;
  std::string summary() const override;
  const Activation& activation() const { return act_; }
  const Matrix& pre_activation() const { return h_for_backward_; }

 private:
  Activation act_;
  Matrix h_for_backward_;  // (batch, units): the pre-activation, for dx = f'(h)·dy
};

/** Weight initializers. */
enum class Init {
  kAuto,
  kTorchDefault,
  kKaimingUniform,
  kKaimingNormal,
  kXavierUniform,
  kXavierNormal,
  kLecunUniform,
  kLecunNormal
};
Init init_from_string(std::string_view name);  // throws DataError-like std::invalid_argument
std::string_view to_string(Init init);

/** Initializes a Dense layer for the activation that follows it (identity for the output layer). */
void initialize(Dense& layer, Init init, const Activation& next, std::mt19937_64& rng);

/** A multilayer perceptron from a spec: "2-64-64-3" (hidden activation `act`), or with
 *  per-layer activations "2-64:tanh-64:relu-3". The output layer is linear (logits).
 *  Throws std::invalid_argument (bad widths) or actlab::Error (bad activation). */
class Mlp {
 public:
  Mlp(std::string_view spec, std::string_view act, Init init, std::uint64_t seed);
  Matrix forward(const Matrix& x, bool training);
  /** Backward from dL/d(output); accumulates into every parameter's gradient. */
  void backward(const Matrix& dout);
  std::vector<Param> parameters();
  void zero_grad();
  std::string summary() const;
  std::size_t inputs() const { return inputs_; }
  std::size_t outputs() const { return outputs_; }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }

 private:
  std::vector<std::unique_ptr<Layer>> layers_;
  std::size_t inputs_ = 0, outputs_ = 0;
};

/** Optimizers over a model's parameters. */
struct OptimizerOptions {
  std::string kind = "adam";  // sgd | momentum | nesterov | adam | adamw
  double lr = 1e-3;
  double momentum = 0.9;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weight_decay = 0.0;
  double clip_norm = 0.0;  // 0: no clipping
};

class Optimizer {
 public:
  Optimizer(std::vector<Param> params, OptimizerOptions options);
  /** One update from the accumulated gradients; returns the gradient norm before clipping. */
  double step();

 private:
  std::vector<Param> params_;
  OptimizerOptions o_;
  std::vector<Matrix> m_, v_;
  long t_ = 0;
};

/** Mean cross-entropy of logits against labels, and dL/dlogits. */
double cross_entropy_loss(const Matrix& logits, const std::vector<std::int64_t>& labels, Matrix* dlogits);
/** Fraction of rows whose argmax equals the label. */
double accuracy(const Matrix& logits, const std::vector<std::int64_t>& labels);

struct TrainOptions {
  std::size_t epochs = 100;
  std::size_t batch = 64;
  OptimizerOptions optimizer;
  std::uint64_t seed = 1;
};

struct EpochStats {
  std::size_t epoch;
  double train_loss, train_acc, valid_loss, valid_acc;
};

/** Trains a classifier with mini-batches (reshuffled each epoch, seeded); returns per-epoch stats.
 *  Stops with std::runtime_error naming the epoch and layer when the loss turns non-finite. */
std::vector<EpochStats> train_classifier(Mlp& model, const data::Dataset& train, const data::Dataset& valid,
                                         const TrainOptions& options,
                                         const std::function<void(const EpochStats&)>& on_epoch = {});

/** The whole data set as a matrix (n, features). */
Matrix to_matrix(const data::Dataset& d);

}  // namespace actlab::nn

#endif  // ACTLAB_LAB_NN_NN_H_
