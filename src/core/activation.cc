// activation.cc — Activation: parameters, spec parsing, validated array calls.
#include "actlab/activation.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

#include "actlab/catalog.h"
#include "actlab/error.h"
#include "actlab/reference.h"
#include "actlab/version.h"
#include "kernels.h"
#include "text.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#endif

namespace actlab {
inline namespace v0 {
namespace {

std::string range_text(const ParamInfo& pi) {
  return std::string(pi.range == Range::kOpenMin ? "(" : "[") + detail::number_text(pi.min) + ", " +
         detail::number_text(pi.max) + "]";
}

std::string unknown_name_message(std::string_view name) {
  std::string msg = "unknown activation '" + std::string(name) + "'";
  const auto near = suggest(name);
  if (!near.empty()) {
    msg += " (did you mean ";
    for (std::size_t i = 0; i < near.size(); ++i) msg += (i ? ", " : "") + near[i];
    msg += "?)";
  }
  return msg + "; 'actlab list' shows them all";
}

std::string param_names(const ActivationInfo& row) {
  if (row.num_params == 0) return "it takes none";
  std::string s = "it takes ";
  for (std::size_t i = 0; i < row.num_params; ++i) s += (i ? ", " : "") + std::string(row.params[i].name);
  return s;
}

// Checks value k of `p` against its row's range (and the previous parameter).
void check_param(const ActivationInfo& row, const Params& p, std::size_t k) {
  const ParamInfo& pi = row.params[k];
  const double v = p[k];
  const auto fail = [&](const std::string& why) {
    throw Error(std::string(row.name) + ": " + std::string(pi.name) + " = " + detail::number_text(v) + " " + why);
  };
  if (!std::isfinite(v)) fail("is not a finite number");
  const bool low_ok = pi.range == Range::kOpenMin ? v > pi.min : v >= pi.min;
  if (!low_ok || v > pi.max) fail("is out of range " + range_text(pi));
  if (pi.range == Range::kAtLeastPrevious && k > 0 && v < p[k - 1]) {
    fail("must be >= " + std::string(row.params[k - 1].name) + " = " + detail::number_text(p[k - 1]));
  }
}

void check_same_length(const Activation& a, const char* what, std::size_t n_in, std::size_t n_out, const char* in_name,
                       const char* out_name) {
  if (n_in != n_out) {
    throw Error(std::string(a.name()) + "." + what + ": " + in_name + " has " + std::to_string(n_in) +
                " elements but " + out_name + " has " + std::to_string(n_out));
  }
}

// A tiny cursor over spec text, for error messages with a column.
struct Cursor {
  std::string_view text;
  std::size_t pos = 0;

  void skip_space() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  }
  bool eat(char c) {
    skip_space();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool at_end() {
    skip_space();
    return pos == text.size();
  }
  std::string_view word() {
    skip_space();
    const std::size_t start = pos;
    while (pos < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[pos])) != 0 || text[pos] == '_' || text[pos] == '.' ||
            text[pos] == '-' || text[pos] == '+' || text[pos] == '\'' || text[pos] == '"')) {
      ++pos;
    }
    return text.substr(start, pos - start);
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("cannot parse activation '" + std::string(text) + "': " + what + " at column " +
                std::to_string(pos + 1));
  }
};

bool parse_number(std::string_view s, double* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto res = std::from_chars(s.data(), s.data() + s.size(), *out);
  return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

}  // namespace

const char* version() noexcept { return kVersionString; }

const char* simd_target() noexcept { return detail::active_simd_target(); }

std::string cpu_model() {
  std::string name;
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  unsigned regs[4] = {};
  if (__get_cpuid(0x80000000u, &regs[0], &regs[1], &regs[2], &regs[3]) != 0 && regs[0] >= 0x80000004u) {
    for (unsigned leaf = 0x80000002u; leaf <= 0x80000004u; ++leaf) {
      __get_cpuid(leaf, &regs[0], &regs[1], &regs[2], &regs[3]);
      for (const unsigned r : regs) {
        for (int byte = 0; byte < 4; ++byte) name.push_back(static_cast<char>((r >> (8 * byte)) & 0xffu));
      }
    }
  }
#endif
  name = name.substr(0, name.find('\0'));
  const auto first = name.find_first_not_of(' ');
  if (first == std::string::npos) return "unknown";
  return name.substr(first, name.find_last_not_of(' ') - first + 1);
}

std::vector<std::string> simd_targets() { return detail::all_simd_target_names(); }

void set_max_simd_target(std::string_view name) { detail::set_max_simd_target(name); }

Activation::Activation(ActId id) noexcept : id_(id) {
  const auto& row = actlab::info(id);
  for (std::size_t k = 0; k < row.num_params; ++k) p_[k] = row.params[k].default_value;
}

Activation Activation::parse(std::string_view spec) {
  Cursor c{spec};
  const std::string_view name = c.word();
  if (name.empty()) c.fail(spec.empty() ? "empty text" : "expected an activation name");
  const ActivationInfo* row = find(name);
  if (row == nullptr) throw Error(unknown_name_message(name));
  Activation act(row->id);
  if (c.at_end()) return act;
  if (!c.eat('(')) c.fail("expected '(' or the end");
  std::size_t positional = 0;
  bool named_seen = false;
  if (!c.eat(')')) {
    do {
      const std::size_t arg_col = c.pos;
      std::string_view key;
      std::string_view value = c.word();
      if (c.eat('=')) {
        key = value;
        value = c.word();
        named_seen = true;
      } else if (named_seen) {
        c.pos = arg_col;
        c.fail("positional value after a named one");
      }
      if (value.empty()) c.fail("expected a value");
      // PyTorch's F.gelu(x, approximate='tanh') names a different row here.
      if (act.id() == ActId::gelu && key == "approximate") {
        const std::string_view mode = unquote(value);
        if (mode == "tanh") {
          act = Activation(ActId::gelu_tanh);
        } else if (mode != "none") {
          throw Error("gelu: approximate must be 'none' or 'tanh', not '" + std::string(mode) + "'");
        }
        continue;
      }
      std::size_t k = 0;
      const auto& r = act.info();
      if (key.empty()) {
        k = positional++;
        if (k >= r.num_params) {
          throw Error(std::string(r.name) + ": too many values (" + param_names(r) + ")");
        }
      } else {
        while (k < r.num_params && r.params[k].name != key) ++k;
        if (k == r.num_params) {
          throw Error(std::string(r.name) + ": unknown parameter '" + std::string(key) + "' (" + param_names(r) + ")");
        }
      }
      double v = 0;
      if (!parse_number(value, &v)) {
        throw Error(std::string(r.name) + ": " + std::string(r.params[k].name) + " = '" + std::string(value) +
                    "' is not a number");
      }
      act.p_[k] = v;
    } while (c.eat(','));
    if (!c.eat(')')) c.fail("expected ',' or ')'");
  }
  if (!c.at_end()) c.fail("unexpected text after ')'");
  for (std::size_t k = 0; k < act.info().num_params; ++k) check_param(act.info(), act.p_, k);
  return act;
}

Activation& Activation::set(std::string_view param, double value) {
  const auto& row = info();
  for (std::size_t k = 0; k < row.num_params; ++k) {
    if (row.params[k].name != param) continue;
    Params trial = p_;
    trial[k] = value;
    for (std::size_t j = 0; j < row.num_params; ++j) check_param(row, trial, j);
    p_ = trial;
    return *this;
  }
  throw Error(std::string(row.name) + ": unknown parameter '" + std::string(param) + "' (" + param_names(row) + ")");
}

double Activation::param(std::string_view name) const {
  const auto& row = info();
  for (std::size_t k = 0; k < row.num_params; ++k) {
    if (row.params[k].name == name) return p_[k];
  }
  throw Error(std::string(row.name) + ": unknown parameter '" + std::string(name) + "' (" + param_names(row) + ")");
}

std::string Activation::to_string() const {
  const auto& row = info();
  std::string out(row.name);
  std::string args;
  for (std::size_t k = 0; k < row.num_params; ++k) {
    if (p_[k] == row.params[k].default_value) continue;
    args += (args.empty() ? "" : ", ") + std::string(row.params[k].name) + "=" + detail::number_text(p_[k]);
  }
  return args.empty() ? out : out + "(" + args + ")";
}

void Activation::forward(std::span<const float> x, std::span<float> y) const {
  check_same_length(*this, "forward", x.size(), y.size(), "x", "y");
  detail::forward(id_, p_, x.data(), y.data(), x.size());
}

void Activation::forward(std::span<const double> x, std::span<double> y) const {
  check_same_length(*this, "forward", x.size(), y.size(), "x", "y");
  detail::forward(id_, p_, x.data(), y.data(), x.size());
}

void Activation::backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx) const {
  check_same_length(*this, "backward", x.size(), dy.size(), "x", "dy");
  check_same_length(*this, "backward", x.size(), dx.size(), "x", "dx");
  detail::backward(id_, p_, x.data(), dy.data(), dx.data(), x.size());
}

void Activation::backward(std::span<const double> x, std::span<const double> dy, std::span<double> dx) const {
  check_same_length(*this, "backward", x.size(), dy.size(), "x", "dy");
  check_same_length(*this, "backward", x.size(), dx.size(), "x", "dx");
  detail::backward(id_, p_, x.data(), dy.data(), dx.data(), x.size());
}

namespace {
void require_bwd_from_y(const Activation& a) {
  if (a.info().bwd != BwdFrom::kY) {
    throw Error(std::string(a.name()) + ": backward needs x; this function cannot be differentiated from y alone");
  }
}
}  // namespace

void Activation::backward_from_y(std::span<const float> y, std::span<const float> dy, std::span<float> dx) const {
  require_bwd_from_y(*this);
  check_same_length(*this, "backward_from_y", y.size(), dy.size(), "y", "dy");
  check_same_length(*this, "backward_from_y", y.size(), dx.size(), "y", "dx");
  detail::backward_from_y(id_, p_, y.data(), dy.data(), dx.data(), y.size());
}

void Activation::backward_from_y(std::span<const double> y, std::span<const double> dy, std::span<double> dx) const {
  require_bwd_from_y(*this);
  check_same_length(*this, "backward_from_y", y.size(), dy.size(), "y", "dy");
  check_same_length(*this, "backward_from_y", y.size(), dx.size(), "y", "dx");
  detail::backward_from_y(id_, p_, y.data(), dy.data(), dx.data(), y.size());
}

double Activation::eval(double x) const noexcept { return ref::forward(id_, p_, x); }

double Activation::derivative(double x) const noexcept { return ref::derivative(id_, p_, x); }

std::optional<double> Activation::torch_gain() const noexcept {
  switch (info().torch_gain) {
    case TorchGain::kLinear:
    case TorchGain::kSigmoid:
      return 1.0;
    case TorchGain::kTanh:
      return 5.0 / 3.0;
    case TorchGain::kRelu:
      return std::sqrt(2.0);
    case TorchGain::kLeakyRelu:
      return std::sqrt(2.0 / (1.0 + p_[0] * p_[0]));
    case TorchGain::kSelu:
      return 3.0 / 4.0;
    case TorchGain::kNone:
      break;
  }
  return std::nullopt;
}

double Activation::param_derivative(double x, std::size_t k) const {
  const auto& row = info();
  if (!row.has(kLearnable) || k >= row.num_params) {
    throw Error(std::string(row.name) + ": no learnable parameter #" + std::to_string(k));
  }
  return ref::param_derivative(id_, p_, x, k);
}

}  // namespace v0
}  // namespace actlab
