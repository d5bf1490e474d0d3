// nn.h — the lab's training engine: layers, MLPs built from the catalog,
// initialization matched to the activation, optimizers and schedules.
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
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "actlab/activation.h"
#include "actlab/softmax.h"
#include "spec.h"
#include "theory.h"

namespace actlab::nn {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/** A parameter tensor and its gradient (same shape). */
struct Param {
  std::string name;
  Matrix* value;
  Matrix* grad;
};

class Layer {
 public:
  virtual ~Layer() = default;
  /** y = layer(x); x is (batch, in). training: dropout and rrelu draw noise. */
  virtual Matrix forward(const Matrix& x, bool training) = 0;
  /** dx from dy (batch, out); accumulates parameter gradients. */
  virtual Matrix backward(const Matrix& dy) = 0;
  virtual std::vector<Param> parameters() { return {}; }
  virtual std::string summary() const = 0;
  /** Stochastic layers draw their next training noise from this seed. */
  virtual void reseed(std::uint64_t /*seed*/) {}
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

/** An element-wise non-linearity: what the probes look inside. */
class Nonlinearity : public Layer {
 public:
  /** The pre-activation h of the last forward (batch, units). */
  const Matrix& pre_activation() const { return h_; }
  /** φ'(h) element-wise, in eval mode (rrelu: the mean slope). */
  virtual Matrix derivative(const Matrix& h) const = 0;
  /** The function for the theory (quadrature), in eval mode. */
  virtual theory::Fn fn() const = 0;
  /** The catalog row behind it, if any (custom formulas have none). */
  virtual const Activation* catalog() const { return nullptr; }

 protected:
  Matrix h_;  // (batch, units)
};

/** A catalog activation on the SIMD kernels (double), deterministic rows. */
class ActivationLayer final : public Nonlinearity {
 public:
  explicit ActivationLayer(const Activation& act) : act_(act) {}
  Matrix forward(const Matrix& x, bool training) override;
  Matrix backward(const Matrix& dy) override;
  std::string summary() const override;
  Matrix derivative(const Matrix& h) const override;
  theory::Fn fn() const override { return theory::from_activation(act_); }
  const Activation* catalog() const override { return &act_; }

 private:
  Activation act_;
};

/** PReLU with a learnable slope: one for the layer or one per unit (PyTorch's num_parameters). */
class PReluLayer final : public Nonlinearity {
 public:
  PReluLayer(std::size_t units, bool per_unit, double init);
  Matrix forward(const Matrix& x, bool training) override;
  Matrix backward(const Matrix& dy) override;
  std::vector<Param> parameters() override { return {{"weight", &a, &da}}; }
  std::string summary() const override;
  Matrix derivative(const Matrix& h) const override;
  theory::Fn fn() const override;
  const Activation* catalog() const override { return &act_; }
  Matrix a, da;  // (1, 1) or (1, units)

 private:
  double slope(Eigen::Index unit) const { return a(0, a.cols() == 1 ? 0 : unit); }
  Activation act_;
};

/** RReLU: a random slope a ~ U(lower, upper) per element in training, (lower+upper)/2 in eval. */
class RReluLayer final : public Nonlinearity {
 public:
  explicit RReluLayer(const Activation& act);
  Matrix forward(const Matrix& x, bool training) override;
  Matrix backward(const Matrix& dy) override;
  std::string summary() const override { return "Activation(" + act_.to_string() + ")"; }
  Matrix derivative(const Matrix& h) const override;
  theory::Fn fn() const override { return theory::from_activation(act_); }
  const Activation* catalog() const override { return &act_; }
  void reseed(std::uint64_t seed) override { rng_.seed(seed); }

 private:
  Activation act_;
  double lower_, upper_;
  Matrix slope_;  // (batch, units): the slope used by the last forward
  std::mt19937_64 rng_{0};
};

/** A scalar function given as two callables (custom formulas in the lab). */
class FunctionLayer final : public Nonlinearity {
 public:
  explicit FunctionLayer(theory::Fn fn) : fn_(std::move(fn)) {}
  Matrix forward(const Matrix& x, bool training) override;
  Matrix backward(const Matrix& dy) override;
  std::string summary() const override { return "Activation(" + fn_.name + ")"; }
  Matrix derivative(const Matrix& h) const override;
  theory::Fn fn() const override { return fn_; }

 private:
  theory::Fn fn_;
};

/** Inverted dropout: zeroes with probability p in training and scales the rest by 1/(1-p). */
class Dropout final : public Layer {
 public:
  explicit Dropout(double p) : p_(p) {}
  Matrix forward(const Matrix& x, bool training) override;
  Matrix backward(const Matrix& dy) override;
  std::string summary() const override;
  void reseed(std::uint64_t seed) override { rng_.seed(seed); }

 private:
  double p_;
  Matrix mask_;  // (batch, units): 0 or 1/(1-p)
  std::mt19937_64 rng_{0};
};

/** softmax / log_softmax over each row, as an output layer. */
class SoftmaxLayer final : public Layer {
 public:
  explicit SoftmaxLayer(SoftmaxKind kind) : kind_(kind) {}
  Matrix forward(const Matrix& x, bool training) override;
  Matrix backward(const Matrix& dy) override;
  std::string summary() const override;

 private:
  SoftmaxKind kind_;
  Matrix y_;  // (batch, classes): the output, for the vector-Jacobian product
};

/** Initializes a Dense layer for the non-linearity that follows it (nullptr: the output layer). */
void initialize(Dense& layer, Init init, const Nonlinearity* next, std::mt19937_64& rng);
/** The gain `auto` uses for a function: PyTorch's where it has one, else the variance-preserving one. */
double matched_gain(const Nonlinearity& next);

/** A multilayer perceptron built from a ModelSpec. */
class Mlp {
 public:
  explicit Mlp(const ModelSpec& spec);
  /** Shorthand: "2-64-64-3" with hidden activation `act` (or per layer, "2-64:tanh-64:relu-3"). */
  Mlp(std::string_view spec, std::string_view act, Init init, std::uint64_t seed);
  Matrix forward(const Matrix& x, bool training);
  /** Backward from dL/d(output); accumulates into every parameter's gradient.
   *  input_grads, if given, receives dL/d(input) of every layer (by layer index). */
  void backward(const Matrix& dout, std::vector<Matrix>* input_grads = nullptr);
  std::vector<Param> parameters();
  void zero_grad();
  /** One line per layer. */
  std::string summary() const;
  std::size_t parameter_count();
  std::size_t inputs() const { return spec_.inputs; }
  std::size_t outputs() const { return spec_.outputs; }
  const ModelSpec& spec() const { return spec_; }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  /** The hidden Dense layers and the non-linearity after each, in order. */
  struct Hidden {
    Dense* dense;
    Nonlinearity* act;
    std::size_t index;  ///< of act in layers()
  };
  std::vector<Hidden> hidden();
  Dense& output_dense();
  /** Replaces hidden layer k's non-linearity (the lab's custom formulas). */
  void set_nonlinearity(std::size_t k, std::unique_ptr<Nonlinearity> act, bool reinitialize);
  /** Training forwards so far: seeds the stochastic layers; saved in checkpoints. */
  std::uint64_t noise_step = 0;

 private:
  ModelSpec spec_;
  std::vector<std::unique_ptr<Layer>> layers_;
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
  /** One update from the accumulated gradients at learning rate `lr`; returns the
   *  gradient norm before clipping. */
  double step(double lr);
  double step() { return step(o_.lr); }
  const OptimizerOptions& options() const { return o_; }
  /** State for checkpoints: the moment buffers and the step count. */
  std::vector<Matrix>& first_moments() { return m_; }
  std::vector<Matrix>& second_moments() { return v_; }
  std::int64_t& steps() { return t_; }

 private:
  std::vector<Param> params_;
  OptimizerOptions o_;
  std::vector<Matrix> m_, v_;
  std::int64_t t_ = 0;
};

/** Learning-rate schedules: a multiplier of the base rate at a step. */
struct Schedule {
  std::string kind = "constant";  // constant | step | cosine
  double warmup_steps = 0;        // linear ramp from 0 over these steps first
  double step_size = 0;           // step: multiply by gamma every step_size steps
  double gamma = 0.1;
  double total_steps = 0;  // cosine: to 0 at total_steps
  double factor(double step) const;
  /** Throws std::invalid_argument on an unknown kind or bad numbers. */
  void validate() const;
};

}  // namespace actlab::nn

#endif  // ACTLAB_LAB_NN_NN_H_
