// cmd_eval.cc — `actlab eval SPEC X...`: values (and derivatives) at points.
#include <fmt/core.h>
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"

namespace actlab::cli {
namespace {

struct EvalOptions {
  std::string spec;
  std::vector<std::string> values;
  bool grad = false;
  bool json = false;
  bool use_double = false;
  double temperature = 1.0;
  bool masked_safe = false;
};

// Row-wise (softmax family) and gated (GLU family) functions map a vector to a
// vector: print y, and with --grad the Jacobian J[i][j] = ∂y_i/∂x_j, built
// from the backward pass with unit upstream gradients. In float32 unless --double,
// as the element-wise functions.
template <class T>
void run_vector(const EvalOptions& o, const std::vector<double>& in) {
  const auto sm = softmax_kind(o.spec);
  const auto gl = glu_kind(o.spec);
  const SoftmaxOptions so{o.temperature, o.masked_safe};
  const std::vector<T> x(in.begin(), in.end());
  std::vector<T> y(sm ? x.size() : x.size() / 2);
  if (gl && x.size() % 2 != 0) {
    throw UsageError(fmt::format("eval: {} splits its input in two halves; got {} values", o.spec, x.size()));
  }
  if (sm) {
    softmax_forward(*sm, std::span<const T>(x), std::span<T>(y), x.size(), so);
  } else {
    glu_forward(*gl, std::span<const T>(x), std::span<T>(y), x.size());
  }
  std::vector<std::vector<T>> jac;
  if (o.grad) {
    for (std::size_t i = 0; i < y.size(); ++i) {
      std::vector<T> up(y.size(), T(0)), row(x.size());
      up[i] = T(1);
      if (sm) {
        softmax_backward(*sm, std::span<const T>(y), std::span<const T>(up), std::span<T>(row), x.size(), so);
      } else {
        glu_backward(*gl, std::span<const T>(x), std::span<const T>(up), std::span<T>(row), x.size());
      }
      jac.push_back(row);
    }
  }
  const char* dtype = sizeof(T) == 4 ? "float32" : "float64";
  if (o.json) {
    nlohmann::json j = {
        {"function", o.spec}, {"dtype", dtype}, {"x", nlohmann::json::array()}, {"y", nlohmann::json::array()}};
    if (sm) j["temperature"] = o.temperature;
    for (const T v : x) j["x"].push_back(json_number(v));
    for (const T v : y) j["y"].push_back(json_number(v));
    if (o.grad) {
      j["jacobian"] = nlohmann::json::array();
      for (const auto& row : jac) {
        nlohmann::json r = nlohmann::json::array();
        for (const T v : row) r.push_back(json_number(v));
        j["jacobian"].push_back(r);
      }
    }
    print_json(j);
    return;
  }
  const int digits = sizeof(T) == 4 ? 9 : 17;
  fmt::print("{}{} of {} values ({})\n", o.spec,
             sm && o.temperature != 1.0 ? fmt::format(" at T={:g}", o.temperature) : "", x.size(), dtype);
  fmt::print("  y = [");
  for (std::size_t i = 0; i < y.size(); ++i) fmt::print("{}{:.{}g}", i ? ", " : "", y[i], digits);
  fmt::print("]\n");
  if (sm && *sm != SoftmaxKind::kLogSoftmax) {
    double s = 0;
    for (const T v : y) s += v;
    fmt::print("  sum(y) = {:.17g}\n", s);
  }
  if (o.grad) {
    fmt::print("  Jacobian dy_i/dx_j:\n");
    for (const auto& row : jac) {
      fmt::print("   ");
      for (const T v : row) fmt::print(" {:>12.6g}", v);
      fmt::print("\n");
    }
  }
}

std::vector<double> read_inputs(const EvalOptions& o) {
  std::vector<double> xs;
  if (!o.values.empty()) {
    for (std::size_t i = 0; i < o.values.size(); ++i) {
      double v = 0;
      if (!parse_double(o.values[i], &v)) {
        throw UsageError(fmt::format("eval: '{}' is not a number (value {})", o.values[i], i + 1));
      }
      xs.push_back(v);
    }
    return xs;
  }
  if (isatty(STDIN_FILENO) != 0) {
    throw UsageError("eval: no values: give numbers after the activation, or one per line on stdin");
  }
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    std::istringstream words(line);
    std::string word;
    while (words >> word) {
      double v = 0;
      if (!parse_double(word, &v)) {
        throw UsageError(fmt::format("eval: stdin line {}: '{}' is not a number", line_no, word));
      }
      xs.push_back(v);
    }
  }
  if (xs.empty()) throw UsageError("eval: no values on stdin");
  return xs;
}

// The inputs of a float32 evaluation: a finite value beyond float32's range would become
// ±inf without a word (and a softmax row of NaN), so it is an error that names --double.
std::vector<double> float32_inputs(std::vector<double> xs) {
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (std::isfinite(xs[i]) && std::isinf(static_cast<float>(xs[i]))) {
      throw UsageError(
          fmt::format("eval: value {} ({:g}) is beyond float32's range (3.4e38); use --double", i + 1, xs[i]));
    }
  }
  return xs;
}

template <class T>
void run(const Activation& act, const EvalOptions& o, const std::vector<double>& in) {
  const std::vector<T> x(in.begin(), in.end());
  std::vector<T> y(x.size());
  std::vector<T> dx(x.size());
  const std::vector<T> ones(x.size(), T(1));
  act.forward(std::span<const T>(x), std::span<T>(y));
  if (o.grad) act.backward(std::span<const T>(x), std::span<const T>(ones), std::span<T>(dx));
  const int digits = sizeof(T) == 4 ? 9 : 17;
  if (o.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t i = 0; i < x.size(); ++i) {
      nlohmann::json r = {{"x", json_number(x[i])}, {"y", json_number(y[i])}};
      if (o.grad) r["dy_dx"] = json_number(dx[i]);
      rows.push_back(r);
    }
    print_json({{"activation", act.to_string()}, {"dtype", sizeof(T) == 4 ? "float32" : "float64"}, {"values", rows}});
    return;
  }
  const int w = digits + 8;
  fmt::print("{:<{}} {:<{}}{}\n", "x", w, act.to_string() + "(x)", w, o.grad ? " d/dx" : "");
  for (std::size_t i = 0; i < x.size(); ++i) {
    fmt::print("{:<{}.{}g} {:<{}.{}g}", x[i], w, digits, y[i], w, digits);
    if (o.grad) fmt::print(" {:.{}g}", dx[i], digits);
    fmt::print("\n");
  }
}

}  // namespace

void add_eval(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Value (and derivative with --grad) of an activation at points");
  cmd->add_option("spec", o->spec,
                  "Activation, e.g. gelu or 'leaky_relu(0.2)'; or a row function (softmax, log_softmax, softmin) "
                  "or a gated one (glu, reglu, geglu, geglu_tanh, swiglu) applied to all the values")
      ->required();
  cmd->add_option("x", o->values, "Points; without them, numbers are read from stdin, one per line");
  cmd->add_flag("-g,--grad", o->grad, "Also print the derivative dy/dx");
  cmd->add_flag("--json", o->json, "Machine-readable output");
  cmd->add_flag("--double", o->use_double, "Evaluate in float64 (default float32)");
  cmd->add_option("-t,--temperature", o->temperature, "softmax/log_softmax/softmin: divide the logits by T");
  cmd->add_flag("--masked-safe", o->masked_safe, "softmax family: a row of all -inf gives zeros, not NaN");
  cmd->callback([o] {
    if (softmax_kind(o->spec) || glu_kind(o->spec)) {
      if (o->use_double) {
        run_vector<double>(*o, read_inputs(*o));
      } else {
        run_vector<float>(*o, float32_inputs(read_inputs(*o)));
      }
      return;
    }
    if (o->temperature != 1.0 || o->masked_safe) {
      throw UsageError("eval: --temperature and --masked-safe apply to softmax, log_softmax and softmin only");
    }
    const Activation act = Activation::parse(o->spec);
    const auto xs = o->use_double ? read_inputs(*o) : float32_inputs(read_inputs(*o));
    if (o->use_double) {
      run<double>(act, *o, xs);
    } else {
      run<float>(act, *o, xs);
    }
  });
}

}  // namespace actlab::cli
