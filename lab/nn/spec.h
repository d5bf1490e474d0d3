// spec.h — what a model is, as data: widths, activations, output activation,
// loss, initializer and seed. Written as a short string ("2-64:tanh-64-3") or
// as a JSON file; the linter (actlab check) and the MLP both read this.
#ifndef ACTLAB_LAB_NN_SPEC_H_
#define ACTLAB_LAB_NN_SPEC_H_

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace actlab::nn {

/** A bad model spec, JSON file or option: what() is one line naming where. */
struct SpecError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/** Weight initializers. */
enum class Init {
  kAuto,            ///< the family the activation calls for, with its matched gain
  kTorchDefault,    ///< nn.Linear's default: U(±1/√fan_in) for weights and biases
  kKaimingUniform,  ///< He: gain √2 (PyTorch's default nonlinearity), fan_in
  kKaimingNormal,
  kKaimingUniformFanOut,  ///< He with mode='fan_out' (preserves the backward signal)
  kKaimingNormalFanOut,
  kXavierUniform,  ///< Glorot: gain 1, (fan_in + fan_out)/2
  kXavierNormal,
  kLecunUniform,  ///< gain 1, fan_in
  kLecunNormal,
  kOrthogonal,  ///< a random orthogonal matrix times the matched gain
};
/** Throws SpecError on an unknown name. */
Init init_from_string(std::string_view name);
std::string_view to_string(Init init);

enum class LossKind { kCrossEntropy, kNll, kBceWithLogits, kBce, kMse, kL1, kHuber };
/** Throws SpecError on an unknown name. */
LossKind loss_from_string(std::string_view name);
std::string_view to_string(LossKind loss);
bool is_regression(LossKind loss);

struct LayerSpec {
  std::size_t width = 0;
  std::string activation = "relu";  ///< a catalog spec, e.g. "leaky_relu(negative_slope=0.2)"
  bool per_unit = false;            ///< prelu: one slope per unit
  double dropout = 0.0;             ///< dropout after the activation, in [0, 1)
};

struct ModelSpec {
  std::size_t inputs = 0;
  std::vector<LayerSpec> hidden;
  std::size_t outputs = 0;
  /** "none" (logits), "softmax", "log_softmax" or a catalog activation. */
  std::string output_activation = "none";
  LossKind loss = LossKind::kCrossEntropy;
  Init init = Init::kAuto;
  std::uint64_t seed = 1;

  /** "2-64-64-3" with hidden activation `act`; per layer "2-64:tanh-64:relu-3".
   *  Validates widths and activations; throws SpecError. */
  static ModelSpec parse(std::string_view spec, std::string_view act = "relu");
  /** A JSON model file's text; `source` names it in errors. Throws SpecError. */
  static ModelSpec from_json(const std::string& text, const std::string& source);
  /** Reads and parses a JSON model file. */
  static ModelSpec load(const std::string& path);
  std::string to_json() const;
  /** The short form, "64-128:relu-128:relu-10". */
  std::string short_form() const;
  /** Checks every activation and number; throws SpecError. */
  void validate() const;
};

}  // namespace actlab::nn

#endif  // ACTLAB_LAB_NN_SPEC_H_
