// probes.h — what each hidden layer is doing, measured on a fixed probe set during
// training: dead and saturated units, pre-activation statistics, forward and
// backward signal per layer, update sizes, NaN/inf; and the live warnings.
#ifndef ACTLAB_LAB_NN_PROBES_H_
#define ACTLAB_LAB_NN_PROBES_H_

#include <set>
#include <string>
#include <vector>

#include "nn.h"

namespace actlab::nn {

struct ProbeOptions {
  bool enabled = true;
  std::size_t every = 100;        ///< steps between probes (and one at every epoch end); 0 = epoch ends only
  std::size_t samples = 64;       ///< rows of the training set in the probe set (a probe costs about one step)
  double dead_warn = 0.30;        ///< warn when this share of a layer's units is dead (the seeds' rule of thumb)
  double saturation_warn = 0.50;  ///< warn when this share of a bounded function's outputs is saturated
  double saturation_rel = 0.05;   ///< saturated: |φ'(h)| below this share of the function's peak |φ'|
  double vanish = 1e-3;           ///< warn when ‖∂L/∂h‖ first/last hidden layer drops below this
  double explode = 1e3;           ///< ... or rises above this
};

struct Histogram {
  std::vector<double> edges;  ///< ascending; counts[i] is [edges[i], edges[i+1])
  std::vector<std::size_t> counts;
  std::size_t below = 0, above = 0;  ///< outside the edges
};

struct LayerProbe {
  std::size_t layer = 0;  ///< hidden layer, from 1
  std::string activation;
  std::size_t units = 0;
  double dead_units = 0;      ///< share of units with φ'(h) = 0 on every probe sample
  double zero_fraction = 0;   ///< share of outputs exactly 0
  double inactive_units = 0;  ///< share of units with h <= 0 on every probe sample (dead for ReLU, alive for leaky)
  std::size_t died = 0, revived = 0;  ///< units that turned dead / came back since the last probe
  double saturated = 0;               ///< share of |φ'(h)| < saturation_rel · peak |φ'|
  double bound_saturated = -1;  ///< bounded φ: share of outputs within 1 % of the range from a bound; -1 otherwise
  double pre_mean = 0, pre_std = 0;
  std::vector<double> percentiles;  ///< of h at 1, 5, 25, 50, 75, 95, 99 %
  Histogram histogram;
  double forward_variance = 0;  ///< Var of the layer's output
  double pre_moment = 0;        ///< mean h² (what mean-field theory calls q)
  double theory_moment = -1;    ///< q predicted by the theory (first probe only; -1 otherwise)
  double backward_norm = 0;     ///< RMS over samples of ‖∂L/∂h‖
  double weight_grad_norm = 0;  ///< ‖∂L/∂W‖ of the Dense before it
  double update_ratio = -1;     ///< ‖ΔW‖/‖W‖ over the next optimizer step; -1 if none followed
  std::size_t nonfinite = 0;    ///< NaN and inf in h, φ(h) and ∂L/∂h
};

struct ProbeRecord {
  std::size_t step = 0, epoch = 0;
  double loss = 0;
  std::vector<LayerProbe> layers;
  double backward_ratio = 1;  ///< backward_norm first / last hidden layer
  double weight_grad_ratio = 1;
  double update_ratio = 1;  ///< first / last
};

struct Warning {
  std::string code;       ///< dead-units, saturation, vanishing-gradient, exploding-gradient, non-finite, init-variance
  std::string severity;   ///< warning | info
  std::size_t layer = 0;  ///< hidden layer from 1; 0: the whole model
  std::size_t step = 0, epoch = 0;
  std::string message;
};

/** Runs probes and raises each warning once per (code, layer). */
class Prober {
 public:
  Prober(Mlp& model, const Matrix& x, std::vector<std::int64_t> labels, std::vector<double> values,
         ProbeOptions options);
  /** Measures the model now (eval mode); clears the model's gradients afterwards.
   *  The first call also compares the per-layer q with mean-field theory. */
  ProbeRecord measure(std::size_t step, std::size_t epoch, std::vector<Warning>* new_warnings);
  /** Call before the optimizer step that follows a probe; then after it, to fill update ratios. */
  void before_update();
  void after_update(ProbeRecord& record);
  const ProbeOptions& options() const { return o_; }
  /** State kept across checkpoints: which units were dead, which warnings were given. */
  std::vector<std::vector<char>> dead_state;
  std::set<std::pair<std::string, std::size_t>> warned;
  bool measured_once = false;

 private:
  void warn(std::vector<Warning>* out, Warning w);
  Mlp& model_;
  Matrix x_;
  std::vector<std::int64_t> labels_;
  std::vector<double> values_;
  ProbeOptions o_;
  std::vector<std::vector<double>> edges_;
  std::vector<double> peak_;
  std::vector<Matrix> w_before_;
};

/** Loss and dL/d(output) of a model's output for labels (classification) or values (regression). */
double model_loss(const ModelSpec& spec, const Matrix& out, const std::vector<std::int64_t>& labels,
                  const std::vector<double>& values, Matrix* grad);
/** Accuracy (classification) or R² (regression). */
double model_metric(const ModelSpec& spec, const Matrix& out, const std::vector<std::int64_t>& labels,
                    const std::vector<double>& values);

/** JSON for the metrics files and --json. */
std::string to_json(const ProbeRecord& r);
std::string to_json(const Warning& w);

}  // namespace actlab::nn

#endif  // ACTLAB_LAB_NN_PROBES_H_
