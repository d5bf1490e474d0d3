// actlab/activation.h — an element-wise activation with its parameters, applied to arrays.
//
//   auto act = actlab::Activation::parse("leaky_relu(negative_slope=0.2)");
//   act.forward(x, y);            // y  = f(x)
//   act.backward(x, dy, dx);      // dx = f'(x)·dy
//
// Names of math variables are fixed: x (input), y (output), dy (upstream
// gradient), dx (input gradient). Inputs come first, outputs last. Every
// output may alias an input of the same length (in place). Kernels *write* dx;
// they never accumulate into it.
#ifndef ACTLAB_ACTIVATION_H_
#define ACTLAB_ACTIVATION_H_

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "actlab/catalog.h"
#include "actlab/export.h"

namespace actlab {
inline namespace v0 {

/** Parameter values of an element-wise row, in the row's parameter order. */
using Params = std::array<double, kMaxParams>;

/** A catalog row bound to validated parameter values. Cheap to copy. */
class ACTLAB_API Activation {
 public:
  /** The row `id` at its default parameters. */
  explicit Activation(ActId id) noexcept;

  /** Parses "name", "name(v1, v2)" or "name(param=v, ...)"; also PyTorch's
   *  "gelu(approximate=tanh)". Throws Error naming the fault (unknown name with
   *  suggestions, unknown parameter, value out of range, malformed text). */
  static Activation parse(std::string_view spec);

  /** Sets one parameter by name; throws Error when unknown or out of range. */
  Activation& set(std::string_view param, double value);

  ActId id() const noexcept { return id_; }
  const ActivationInfo& info() const noexcept { return actlab::info(id_); }
  std::string_view name() const noexcept { return info().name; }
  /** The value of a parameter by name; throws Error when unknown. */
  double param(std::string_view name) const;
  const Params& params() const noexcept { return p_; }
  /** Canonical text that parse() reads back: "leaky_relu(negative_slope=0.2)";
   *  parameters at their defaults are left out. */
  std::string to_string() const;

  /** y = f(x), float32 or float64. x and y must have the same length. */
  void forward(std::span<const float> x, std::span<float> y) const;
  void forward(std::span<const double> x, std::span<double> y) const;

  /** dx = f'(x)·dy, the input gradient from the input x. */
  void backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx) const;
  void backward(std::span<const double> x, std::span<const double> dy, std::span<double> dx) const;

  /** dx = f'(x)·dy computed from the output y = f(x) alone; only for rows with
   *  info().bwd == BwdFrom::kY (throws Error otherwise). Where y has rounded to
   *  a bound (sigmoid, tanh tails) the gradient from y is 0; from x it is not. */
  void backward_from_y(std::span<const float> y, std::span<const float> dy, std::span<float> dx) const;
  void backward_from_y(std::span<const double> y, std::span<const double> dy, std::span<double> dx) const;

  /** Scalar reference value f(x), accurate to about 1 ulp of double. */
  double eval(double x) const noexcept;
  /** Scalar reference derivative f'(x), with PyTorch's value at kinks. */
  double derivative(double x) const noexcept;
  /** PyTorch's torch.nn.init.calculate_gain for this function and its parameters
   *  (linear, sigmoid 1; tanh 5/3; relu √2; leaky_relu √(2/(1+slope²)); selu 3/4),
   *  or nullopt where PyTorch has no entry. */
  std::optional<double> torch_gain() const noexcept;
  /** Partial derivative of f(x) with respect to parameter `k`; only for rows
   *  with kLearnable (prelu: weight, swish: beta). Throws Error otherwise. */
  double param_derivative(double x, std::size_t k) const;

  bool operator==(const Activation&) const noexcept = default;

 private:
  ActId id_;
  Params p_{};
};

}  // namespace v0
}  // namespace actlab

#endif  // ACTLAB_ACTIVATION_H_
