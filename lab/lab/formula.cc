// formula.cc — recursive-descent parser to a tree; evaluation on dual numbers (v, dv/dx).
#include "formula.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <numbers>
#include <vector>

namespace actlab::lab {

struct Dual {
  double v, d;
};

struct Formula::Node {
  enum Kind { kNum, kX, kAdd, kSub, kMul, kDiv, kPow, kNeg, kCall } kind;
  double value = 0;
  std::string fn;
  std::vector<std::shared_ptr<const Node>> args;

  Dual eval(double x) const {
    switch (kind) {
      case kNum:
        return {value, 0};
      case kX:
        return {x, 1};
      case kNeg: {
        const Dual a = args[0]->eval(x);
        return {-a.v, -a.d};
      }
      default:
        break;
    }
    const Dual a = args[0]->eval(x);
    if (kind == kCall && args.size() == 1) return call1(a);
    const Dual b = args[1]->eval(x);
    switch (kind) {
      case kAdd:
        return {a.v + b.v, a.d + b.d};
      case kSub:
        return {a.v - b.v, a.d - b.d};
      case kMul:
        return {a.v * b.v, a.d * b.v + a.v * b.d};
      case kDiv:
        return {a.v / b.v, (a.d * b.v - a.v * b.d) / (b.v * b.v)};
      case kPow:
        return power(a, b);
      default:
        break;
    }
    if (fn == "max") return a.v >= b.v ? a : b;
    if (fn == "min") return a.v <= b.v ? a : b;
    return power(a, b);  // pow
  }

  static Dual power(Dual a, Dual b) {
    const double v = std::pow(a.v, b.v);
    // d(a^b) = b·a^(b-1)·da + a^b·ln(a)·db; the second term only when b varies.
    double d = b.v * std::pow(a.v, b.v - 1) * a.d;
    if (b.d != 0) d += v * std::log(a.v) * b.d;
    return {v, d};
  }

  Dual call1(Dual a) const {
    const double v = a.v;
    if (fn == "exp") return {std::exp(v), std::exp(v) * a.d};
    if (fn == "log") return {std::log(v), a.d / v};
    if (fn == "log1p") return {std::log1p(v), a.d / (1 + v)};
    if (fn == "expm1") return {std::expm1(v), std::exp(v) * a.d};
    if (fn == "sqrt") return {std::sqrt(v), a.d / (2 * std::sqrt(v))};
    if (fn == "abs") return {std::abs(v), (v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0) * a.d};
    if (fn == "tanh") {
      const double t = std::tanh(v);
      return {t, (1 - t * t) * a.d};
    }
    if (fn == "sigmoid") {
      const double s = v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v));
      return {s, s * (1 - s) * a.d};
    }
    if (fn == "softplus") {
      const double s = v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v));
      return {v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)), s * a.d};
    }
    if (fn == "relu") return {v > 0 ? v : 0.0, v > 0 ? a.d : 0.0};
    if (fn == "erf") return {std::erf(v), 2 / std::sqrt(std::numbers::pi) * std::exp(-v * v) * a.d};
    if (fn == "sin") return {std::sin(v), std::cos(v) * a.d};
    if (fn == "cos") return {std::cos(v), -std::sin(v) * a.d};
    return {std::nan(""), std::nan("")};
  }
};

namespace {

using NodeP = std::shared_ptr<const Formula::Node>;

class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  NodeP all() {
    NodeP n = expr();
    skip();
    if (i_ < t_.size()) fail("unexpected '" + std::string(1, t_[i_]) + "'");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FormulaError("formula '" + std::string(t_) + "': column " + std::to_string(i_ + 1) + ": " + what);
  }
  void skip() {
    while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_])) != 0) ++i_;
  }
  bool eat(char c) {
    skip();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  static NodeP make(Formula::Node::Kind k, std::vector<NodeP> args, std::string fn = {}, double v = 0) {
    auto n = std::make_shared<Formula::Node>();
    n->kind = k;
    n->args = std::move(args);
    n->fn = std::move(fn);
    n->value = v;
    return n;
  }
  struct Depth {
    explicit Depth(Parser& p) : p_(p) {
      if (++p_.depth_ > 200) p_.fail("nested too deeply");
    }
    ~Depth() { --p_.depth_; }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;
    Parser& p_;
  };

  NodeP expr() {
    Depth guard(*this);
    NodeP n = term();
    for (;;) {
      if (eat('+')) {
        n = make(Formula::Node::kAdd, {n, term()});
      } else if (eat('-')) {
        n = make(Formula::Node::kSub, {n, term()});
      } else {
        return n;
      }
    }
  }
  NodeP term() {
    NodeP n = unary();
    for (;;) {
      if (eat('*')) {
        n = make(Formula::Node::kMul, {n, unary()});
      } else if (eat('/')) {
        n = make(Formula::Node::kDiv, {n, unary()});
      } else {
        return n;
      }
    }
  }
  NodeP unary() {
    Depth guard(*this);
    if (eat('-')) return make(Formula::Node::kNeg, {unary()});
    if (eat('+')) return unary();
    NodeP base = primary();
    if (eat('^')) return make(Formula::Node::kPow, {base, unary()});
    return base;
  }
  NodeP primary() {
    skip();
    if (i_ >= t_.size()) fail("unexpected end of formula");
    if (eat('(')) {
      NodeP n = expr();
      if (!eat(')')) fail("expected ')'");
      return n;
    }
    const char c = t_[i_];
    if (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.') {
      double v = 0;
      const auto r = std::from_chars(t_.data() + i_, t_.data() + t_.size(), v);
      if (r.ec != std::errc()) fail("bad number");
      i_ = static_cast<std::size_t>(r.ptr - t_.data());
      return make(Formula::Node::kNum, {}, {}, v);
    }
    if (std::isalpha(static_cast<unsigned char>(c)) == 0) fail("unexpected '" + std::string(1, c) + "'");
    const std::size_t start = i_;
    while (i_ < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[i_])) != 0 || t_[i_] == '_')) ++i_;
    const std::string name(t_.substr(start, i_ - start));
    if (name == "x") return make(Formula::Node::kX, {});
    if (name == "pi") return make(Formula::Node::kNum, {}, {}, std::numbers::pi);
    if (name == "e") return make(Formula::Node::kNum, {}, {}, std::numbers::e);
    static const char* kOne[] = {"exp",     "log",      "log1p", "expm1", "sqrt", "abs", "tanh",
                                 "sigmoid", "softplus", "relu",  "erf",   "sin",  "cos"};
    static const char* kTwo[] = {"max", "min", "pow"};
    std::size_t arity = 0;
    for (const char* f : kOne) arity = name == f ? 1 : arity;
    for (const char* f : kTwo) arity = name == f ? 2 : arity;
    if (arity == 0) {
      i_ = start;
      fail("unknown name '" + name +
           "' (x, pi, e, exp, log, log1p, expm1, sqrt, abs, tanh, sigmoid, softplus, relu, "
           "erf, sin, cos, max, min, pow)");
    }
    if (!eat('(')) fail("expected '(' after " + name);
    std::vector<NodeP> args{expr()};
    if (arity == 2) {
      if (!eat(',')) fail(name + " takes two arguments");
      args.push_back(expr());
    }
    if (!eat(')')) fail("expected ')' after the arguments of " + name);
    return make(Formula::Node::kCall, std::move(args), name);
  }

  std::string_view t_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

Formula Formula::parse(std::string_view text) {
  if (text.size() > 4096) throw FormulaError("formula: longer than 4096 characters");
  Formula f;
  f.root_ = Parser(text).all();
  f.text_ = std::string(text);
  return f;
}

double Formula::eval(double x) const { return root_->eval(x).v; }
double Formula::derivative(double x) const { return root_->eval(x).d; }

}  // namespace actlab::lab
