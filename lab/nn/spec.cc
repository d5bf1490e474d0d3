// spec.cc — parsing, validating and writing model specs.
#include "spec.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "actlab/activation.h"
#include "actlab/error.h"
#include "actlab/softmax.h"

namespace actlab::nn {
namespace {

using nlohmann::json;

[[noreturn]] void fail(std::string_view where, const std::string& what) {
  throw SpecError(std::string(where) + ": " + what);
}

// Splits on '-' outside parentheses, so "64:leaky_relu(negative_slope=0.2)" stays whole.
std::vector<std::string> split_spec(std::string_view spec) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (const char c : spec) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == '-' && depth == 0) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

std::size_t parse_width(std::string_view where, const std::string& text) {
  std::size_t w = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), w);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || w == 0 || w > (1u << 20)) {
    fail(where, "width '" + text + "' is not a whole number in 1 .. 1048576");
  }
  return w;
}

void check_activation(std::string_view where, const std::string& spec) {
  try {
    (void)Activation::parse(spec);
  } catch (const Error& e) {
    fail(where, e.what());
  }
}

std::pair<std::size_t, std::size_t> line_col(const std::string& text, std::size_t byte) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

}  // namespace

Init init_from_string(std::string_view name) {
  static constexpr std::pair<std::string_view, Init> kNames[] = {
      {"auto", Init::kAuto},
      {"torch", Init::kTorchDefault},
      {"kaiming", Init::kKaimingNormal},
      {"kaiming_normal", Init::kKaimingNormal},
      {"he", Init::kKaimingNormal},
      {"kaiming_uniform", Init::kKaimingUniform},
      {"kaiming_normal_fan_out", Init::kKaimingNormalFanOut},
      {"kaiming_uniform_fan_out", Init::kKaimingUniformFanOut},
      {"xavier", Init::kXavierUniform},
      {"glorot", Init::kXavierUniform},
      {"xavier_uniform", Init::kXavierUniform},
      {"xavier_normal", Init::kXavierNormal},
      {"lecun", Init::kLecunNormal},
      {"lecun_normal", Init::kLecunNormal},
      {"lecun_uniform", Init::kLecunUniform},
      {"orthogonal", Init::kOrthogonal},
  };
  for (const auto& [n, i] : kNames) {
    if (n == name) return i;
  }
  throw SpecError("unknown initializer '" + std::string(name) +
                  "' (auto, torch, kaiming, kaiming_uniform, kaiming_normal_fan_out, "
                  "kaiming_uniform_fan_out, xavier, xavier_normal, lecun, lecun_uniform, orthogonal)");
}

std::string_view to_string(Init init) {
  switch (init) {
    case Init::kAuto:
      return "auto";
    case Init::kTorchDefault:
      return "torch";
    case Init::kKaimingUniform:
      return "kaiming_uniform";
    case Init::kKaimingNormal:
      return "kaiming_normal";
    case Init::kKaimingNormalFanOut:
      return "kaiming_normal_fan_out";
    case Init::kKaimingUniformFanOut:
      return "kaiming_uniform_fan_out";
    case Init::kXavierUniform:
      return "xavier_uniform";
    case Init::kXavierNormal:
      return "xavier_normal";
    case Init::kLecunUniform:
      return "lecun_uniform";
    case Init::kLecunNormal:
      return "lecun_normal";
    case Init::kOrthogonal:
      return "orthogonal";
  }
  return "?";
}

namespace {
constexpr std::pair<std::string_view, LossKind> kLosses[] = {{"cross_entropy", LossKind::kCrossEntropy},
                                                             {"nll", LossKind::kNll},
                                                             {"bce_with_logits", LossKind::kBceWithLogits},
                                                             {"bce", LossKind::kBce},
                                                             {"mse", LossKind::kMse},
                                                             {"l1", LossKind::kL1},
                                                             {"huber", LossKind::kHuber}};
}  // namespace

LossKind loss_from_string(std::string_view name) {
  for (const auto& [n, l] : kLosses) {
    if (n == name) return l;
  }
  throw SpecError("unknown loss '" + std::string(name) +
                  "' (cross_entropy, nll, bce_with_logits, bce, mse, l1, huber)");
}

std::string_view to_string(LossKind loss) {
  for (const auto& [n, l] : kLosses) {
    if (l == loss) return n;
  }
  return "?";
}

bool is_regression(LossKind loss) {
  return loss == LossKind::kMse || loss == LossKind::kL1 || loss == LossKind::kHuber;
}

void ModelSpec::validate() const {
  if (inputs == 0 || outputs == 0) fail("model", "inputs and outputs must be > 0");
  for (std::size_t i = 0; i < hidden.size(); ++i) {
    const std::string where = "layers[" + std::to_string(i) + "]";
    if (hidden[i].width == 0) fail(where, "width must be > 0");
    check_activation(where, hidden[i].activation);
    if (!(hidden[i].dropout >= 0 && hidden[i].dropout < 1)) fail(where, "dropout must be in [0, 1)");
    if (hidden[i].per_unit && Activation::parse(hidden[i].activation).id() != ActId::prelu) {
      fail(where, "per_unit applies to prelu only");
    }
  }
  if (output_activation != "none" && !softmax_kind(output_activation)) {
    check_activation("output_activation", output_activation);
  }
}

ModelSpec ModelSpec::parse(std::string_view spec, std::string_view act) {
  const std::string where = "model '" + std::string(spec) + "'";
  const auto parts = split_spec(spec);
  if (parts.size() < 2) fail(where, "need at least an input and an output width, like 2-64-3");
  check_activation(where, std::string(act));
  ModelSpec m;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto colon = parts[i].find(':');
    const std::size_t w = parse_width(where + ": layer " + std::to_string(i), parts[i].substr(0, colon));
    const bool edge = i == 0 || i + 1 == parts.size();
    if (colon != std::string::npos && edge) fail(where, "only hidden layers take an activation ('width:activation')");
    if (i == 0) {
      m.inputs = w;
    } else if (i + 1 == parts.size()) {
      m.outputs = w;
    } else {
      LayerSpec l;
      l.width = w;
      l.activation = colon == std::string::npos ? std::string(act) : parts[i].substr(colon + 1);
      check_activation(where + ": layer " + std::to_string(i), l.activation);
      m.hidden.push_back(l);
    }
  }
  return m;
}

ModelSpec ModelSpec::from_json(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    const auto [line, col] = line_col(text, e.byte == 0 ? 0 : e.byte - 1);
    fail(source + ":" + std::to_string(line) + ":" + std::to_string(col), "not valid JSON");
  } catch (const json::exception&) {
    // Found by fuzzing: a number too large for any type throws out_of_range, not parse_error.
    fail(source, "not valid JSON (a number out of range)");
  }
  if (!j.is_object()) fail(source, "a model file is a JSON object with inputs, layers and outputs");
  static const std::vector<std::string> kKeys = {"inputs", "layers", "outputs", "output_activation",
                                                 "loss",   "init",   "seed",    "activation"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      fail(source, "unknown key '" + key + "' (inputs, layers, outputs, output_activation, loss, init, seed)");
    }
  }
  const auto whole = [&](const json& v, const std::string& where) -> std::size_t {
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0 || v.get<std::uint64_t>() > (1u << 20)) {
      fail(source + ": " + where, "must be a whole number in 1 .. 1048576");
    }
    return v.get<std::size_t>();
  };
  const auto text_of = [&](const json& v, const std::string& where) -> std::string {
    if (!v.is_string()) fail(source + ": " + where, "must be a string");
    return v.get<std::string>();
  };
  ModelSpec m;
  if (!j.contains("inputs") || !j.contains("outputs")) fail(source, "needs 'inputs' and 'outputs'");
  m.inputs = whole(j["inputs"], "inputs");
  m.outputs = whole(j["outputs"], "outputs");
  const std::string default_act = j.contains("activation") ? text_of(j["activation"], "activation") : "relu";
  if (j.contains("layers")) {
    if (!j["layers"].is_array()) fail(source + ": layers", "must be an array");
    for (std::size_t i = 0; i < j["layers"].size(); ++i) {
      const json& l = j["layers"][i];
      const std::string where = "layers[" + std::to_string(i) + "]";
      LayerSpec ls;
      ls.activation = default_act;
      if (l.is_number()) {
        ls.width = whole(l, where);
      } else if (l.is_object()) {
        for (const auto& [key, value] : l.items()) {
          if (key == "width") {
            ls.width = whole(value, where + ".width");
          } else if (key == "activation") {
            ls.activation = text_of(value, where + ".activation");
          } else if (key == "per_unit") {
            if (!value.is_boolean()) fail(source + ": " + where + ".per_unit", "must be true or false");
            ls.per_unit = value.get<bool>();
          } else if (key == "dropout") {
            if (!value.is_number()) fail(source + ": " + where + ".dropout", "must be a number");
            ls.dropout = value.get<double>();
          } else {
            fail(source + ": " + where, "unknown key '" + key + "' (width, activation, per_unit, dropout)");
          }
        }
        if (ls.width == 0) fail(source + ": " + where, "needs a width");
      } else {
        fail(source + ": " + where, "must be a width or an object {\"width\": .., \"activation\": ..}");
      }
      m.hidden.push_back(ls);
    }
  }
  try {
    if (j.contains("output_activation")) m.output_activation = text_of(j["output_activation"], "output_activation");
    if (j.contains("loss")) m.loss = loss_from_string(text_of(j["loss"], "loss"));
    if (j.contains("init")) m.init = init_from_string(text_of(j["init"], "init"));
  } catch (const SpecError& e) {
    fail(source, e.what());
  }
  if (j.contains("seed")) {
    if (!j["seed"].is_number_unsigned()) fail(source + ": seed", "must be a whole number >= 0");
    m.seed = j["seed"].get<std::uint64_t>();
  }
  try {
    m.validate();
  } catch (const SpecError& e) {
    fail(source, e.what());
  }
  return m;
}

ModelSpec ModelSpec::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw SpecError(path + ": cannot open the model file");
  std::ostringstream s;
  s << f.rdbuf();
  const std::string text = s.str();
  if (text.size() > (16u << 20)) throw SpecError(path + ": too large for a model file (over 16 MiB)");
  if (text.find('\0') != std::string::npos) throw SpecError(path + ": binary data, not a JSON model file");
  return from_json(text, path);
}

std::string ModelSpec::to_json() const {
  json layers = json::array();
  for (const auto& l : hidden) {
    json o = {{"width", l.width}, {"activation", l.activation}};
    if (l.per_unit) o["per_unit"] = true;
    if (l.dropout > 0) o["dropout"] = l.dropout;
    layers.push_back(o);
  }
  return json{{"inputs", inputs},
              {"layers", layers},
              {"outputs", outputs},
              {"output_activation", output_activation},
              {"loss", to_string(loss)},
              {"init", to_string(init)},
              {"seed", seed}}
      .dump(2);
}

std::string ModelSpec::short_form() const {
  std::string s = std::to_string(inputs);
  for (const auto& l : hidden) s.append("-").append(std::to_string(l.width)).append(":").append(l.activation);
  return s.append("-").append(std::to_string(outputs));
}

}  // namespace actlab::nn
