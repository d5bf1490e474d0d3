// formula.h — an activation written as a formula in x, differentiated exactly by
// forward-mode automatic differentiation (dual numbers), never by differences.
//
//   auto f = Formula::parse("x*tanh(log(1+exp(x)))");   // mish
//   f.eval(1.0); f.derivative(1.0);
#ifndef ACTLAB_LAB_LAB_FORMULA_H_
#define ACTLAB_LAB_LAB_FORMULA_H_

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace actlab::lab {

/** A formula that does not parse: what() is one line with the column. */
struct FormulaError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class Formula {
 public:
  /** Numbers, x, pi, e; + - * / ^; exp log log1p expm1 sqrt abs tanh sigmoid softplus
   *  relu erf sin cos, max(a,b) min(a,b) pow(a,b). Throws FormulaError. */
  static Formula parse(std::string_view text);
  double eval(double x) const;
  double derivative(double x) const;
  const std::string& text() const { return text_; }
  struct Node;

 private:
  std::shared_ptr<const Node> root_;
  std::string text_;
};

}  // namespace actlab::lab

#endif  // ACTLAB_LAB_LAB_FORMULA_H_
