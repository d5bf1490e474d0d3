// lint.cc — output activation vs loss, collapsing linear stacks, initialization vs
// activation (quantified with mean-field theory), deep saturating stacks, SELU + dropout.
#include "lint.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "actlab/activation.h"
#include "actlab/softmax.h"
#include "theory.h"

namespace actlab::nn {
namespace {

std::string num(double v, int precision = 3) {
  std::ostringstream s;
  s.precision(precision);
  s << v;
  return s.str();
}

bool is_family(const std::string& act, InitFamily family) { return Activation::parse(act).info().init == family; }

// σ_w² and σ_b² an initializer gives a layer (fan_in → fan_out), as mean-field theory sees it.
theory::Sigmas sigmas_of(Init init, double fan_in, double fan_out) {
  switch (init) {
    case Init::kKaimingNormal:
    case Init::kKaimingUniform:
      return {2.0, 0.0};
    case Init::kKaimingNormalFanOut:
    case Init::kKaimingUniformFanOut:
      return {2.0 * fan_in / fan_out, 0.0};
    case Init::kXavierNormal:
    case Init::kXavierUniform:
      return {2.0 * fan_in / (fan_in + fan_out), 0.0};
    case Init::kLecunNormal:
    case Init::kLecunUniform:
      return {1.0, 0.0};
    case Init::kTorchDefault:
      return {1.0 / 3.0, 1.0 / (3.0 * fan_in)};
    default:
      return {1.0, 0.0};
  }
}

// What the initializer does to the forward signal and the gradient, from theory.
std::string consequence(const ModelSpec& spec) {
  std::vector<theory::Fn> fns;
  std::vector<theory::Sigmas> sig;
  double fan_in = static_cast<double>(spec.inputs);
  for (const auto& l : spec.hidden) {
    fns.push_back(theory::from_activation(Activation::parse(l.activation)));
    sig.push_back(sigmas_of(spec.init, fan_in, static_cast<double>(l.width)));
    fan_in = static_cast<double>(l.width);
  }
  const std::vector<double> q = theory::propagate(fns, sig, 1.0);  // standardized inputs: E[x²] = 1
  const std::size_t L = q.size();
  std::ostringstream s;
  if (L >= 2 && q.front() > 0) {
    const double per_layer = std::pow(q.back() / q.front(), 1.0 / static_cast<double>(L - 1));
    s << "theory: E[h²] " << num(q.front()) << " at layer 1 → " << num(q.back()) << " at layer " << L << " (×"
      << num(per_layer) << " per layer";
    if (per_layer < 0.9 || per_layer > 1.1) s << ", ×" << num(std::pow(per_layer, 10.0)) << " over 10 layers";
    s << ")";
  } else if (!q.empty()) {
    s << "theory: E[h²] = " << num(q.front()) << " at layer 1";
  }
  if (!q.empty()) {
    const theory::Fn& f = fns.back();
    const double chi = sig.back().w2 * theory::derivative_moment(f, q.back());
    double peak = 0;
    for (int i = -64; i <= 64; ++i) peak = std::max(peak, std::abs(f.df(i / 8.0)));
    const double sq = std::sqrt(q.back());
    const double saturated =
        theory::gaussian_mean([&](double z) { return std::abs(f.df(sq * z)) < 0.05 * peak ? 1.0 : 0.0; }, {});
    s << "; gradients ×" << num(chi) << " per layer backwards";
    if (saturated > 0.01) s << "; " << num(100 * saturated, 2) << " % of units saturated";
  }
  return s.str();
}

}  // namespace

std::vector<Finding> lint(const ModelSpec& spec, const LintOptions& options) {
  std::vector<Finding> out;
  const std::string& o = spec.output_activation;
  const bool softmaxish = o == "softmax" || o == "log_softmax";
  const bool regression = is_regression(spec.loss);
  const std::string loss(to_string(spec.loss));

  // Output activation against the loss.
  if (softmaxish && spec.loss == LossKind::kCrossEntropy) {
    out.push_back({"AL101", "double-softmax", "error",
                   "output " + o +
                       " feeds cross_entropy, which applies log_softmax itself: the softmax is taken twice, "
                       "probabilities are squashed towards uniform and the gradients shrink",
                   "remove the output " + o + " (cross_entropy takes raw logits), or use nll with log_softmax"});
  }
  if (o == "sigmoid" && spec.loss == LossKind::kBceWithLogits) {
    out.push_back({"AL102", "double-sigmoid", "error",
                   "output sigmoid feeds bce_with_logits, which applies the sigmoid itself",
                   "remove the output sigmoid, or use bce on probabilities"});
  }
  if (spec.loss == LossKind::kNll && o != "log_softmax") {
    out.push_back({"AL103", "logits-into-nll", "error",
                   "nll expects log-probabilities but the output is " + (o == "none" ? std::string("raw logits") : o),
                   "add output_activation log_softmax, or use cross_entropy on logits"});
  }
  if (spec.loss == LossKind::kBce && o != "sigmoid") {
    out.push_back(
        {"AL103", "logits-into-bce", "error",
         "bce expects probabilities in [0, 1] but the output is " + (o == "none" ? std::string("raw logits") : o),
         "use bce_with_logits on logits (stable), or add output_activation sigmoid"});
  }
  if (regression && o != "none") {
    const bool bounded = softmaxish || [&] {
      if (softmax_kind(o)) return true;
      const auto props = Activation::parse(o).info().props;
      return (props & (kBoundedAbove | kBoundedBelow)) != 0;
    }();
    if (bounded) {
      out.push_back({"AL104", "bounded-regression-output", "warning",
                     "output " + o + " bounds the prediction, but " + loss +
                         " regresses on unbounded targets: values outside its range can never be reached",
                     "use a linear output (output_activation none) for regression"});
    }
  }
  if (o == "softmax" && (spec.loss == LossKind::kBce || spec.loss == LossKind::kBceWithLogits || options.multilabel)) {
    out.push_back({"AL105", "softmax-multilabel", "error",
                   "softmax makes the outputs compete (they sum to 1), but the targets are independent labels",
                   "use bce_with_logits on raw logits (one sigmoid per label)"});
  }

  // Linear hidden layers collapse.
  std::size_t linear = 0;
  for (const auto& l : spec.hidden) linear += Activation::parse(l.activation).id() == ActId::identity ? 1 : 0;
  if (linear > 0) {
    if (linear == spec.hidden.size()) {
      out.push_back({"AL201", "linear-hidden", "error",
                     "every hidden layer is linear (identity): the stack is one linear map, equivalent to a single "
                     "Dense(" +
                         std::to_string(spec.inputs) + " -> " + std::to_string(spec.outputs) +
                         "); depth adds parameters, not expressiveness",
                     "use a non-linear activation (relu, gelu, tanh, ...) in the hidden layers"});
    } else {
      out.push_back({"AL201", "linear-hidden", "warning",
                     std::to_string(linear) + " of " + std::to_string(spec.hidden.size()) +
                         " hidden layers are linear (identity): each collapses into the next Dense layer",
                     "remove them or give them a non-linear activation"});
    }
  }

  // Initialization against the activation (explicit initializers only; auto matches by construction).
  const bool kaiming = spec.init == Init::kKaimingNormal || spec.init == Init::kKaimingUniform ||
                       spec.init == Init::kKaimingNormalFanOut || spec.init == Init::kKaimingUniformFanOut;
  const bool xavier = spec.init == Init::kXavierNormal || spec.init == Init::kXavierUniform;
  bool saturating = false, relu_like = false, selu = false;
  for (const auto& l : spec.hidden) {
    saturating = saturating || is_family(l.activation, InitFamily::kXavier);
    relu_like = relu_like || (is_family(l.activation, InitFamily::kKaiming) &&
                              Activation::parse(l.activation).id() != ActId::identity);
    selu = selu || Activation::parse(l.activation).id() == ActId::selu;
  }
  if (kaiming && saturating) {
    out.push_back({"AL301", "kaiming-with-saturating", "warning",
                   "Kaiming init (σ_w² = 2, made for ReLU) with a saturating activation: pre-activations are too "
                   "wide and push units into the flat tails; " +
                       consequence(spec),
                   "use xavier (glorot) or init auto for tanh/sigmoid"});
  }
  if (xavier && relu_like) {
    out.push_back({"AL302", "xavier-with-relu", "warning",
                   "Xavier init (σ_w² ≈ 1) with a ReLU-family activation, which passes about half the signal: " +
                       consequence(spec),
                   "use kaiming (he) or init auto for ReLU-family activations"});
  }
  if (selu && spec.init != Init::kLecunNormal && spec.init != Init::kAuto) {
    out.push_back({"AL303", "selu-without-lecun", "warning",
                   "SELU self-normalizes only with LeCun-normal weights (σ_w² = 1); with " +
                       std::string(to_string(spec.init)) + ": " + consequence(spec),
                   "use init lecun_normal (or auto)"});
  }

  // Deep stacks of saturating functions; dropout with SELU.
  if (spec.hidden.size() >= options.deep) {
    std::size_t sat = 0;
    for (const auto& l : spec.hidden) {
      const auto props = Activation::parse(l.activation).info().props;
      sat += ((props & kBoundedAbove) != 0 && (props & kBoundedBelow) != 0) ? 1 : 0;
    }
    if (sat > 0) {
      out.push_back({"AL401", "deep-saturating", "warning",
                     std::to_string(sat) + " of " + std::to_string(spec.hidden.size()) +
                         " hidden layers use a saturating function (sigmoid/tanh family): in a net this deep, "
                         "gradients shrink by up to φ'max per layer (0.25 for sigmoid) and vanish before the first "
                         "layers",
                     "use relu, gelu or silu in deep stacks (or add normalization and residual connections)"});
    }
  }
  for (std::size_t i = 0; i < spec.hidden.size(); ++i) {
    if (spec.hidden[i].dropout > 0 && Activation::parse(spec.hidden[i].activation).id() == ActId::selu) {
      out.push_back({"AL402", "dropout-with-selu", "warning",
                     "layer " + std::to_string(i + 1) +
                         ": dropout after SELU breaks its self-normalization (zeros shift the mean and variance)",
                     "use alpha dropout with SELU, or no dropout"});
      break;
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) { return a.code < b.code; });
  return out;
}

}  // namespace actlab::nn
