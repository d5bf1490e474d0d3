// common.cc — helpers shared by the subcommands.
#include "common.h"

#include <charconv>
#include <cmath>
#include <iostream>
#include <limits>
#include <string>
#include <system_error>

namespace actlab::cli {

bool parse_double(std::string_view text, double* out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), *out);
  return res.ec == std::errc() && res.ptr == text.data() + text.size();
}

nlohmann::json json_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

nlohmann::json json_number(float v) {
  if (!std::isfinite(v)) return json_number(static_cast<double>(v));
  // to_chars writes a float's shortest round-trip digits; read as a double, they print the same.
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  double d = 0;
  std::from_chars(buf, end, d);
  return d;
}

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << '\n'; }

nlohmann::json row_json(const ActivationInfo& row) {
  nlohmann::json params = nlohmann::json::array();
  for (const auto& p : row.param_list()) {
    params.push_back({{"name", p.name},
                      {"default", p.default_value},
                      {"min", p.min},
                      {"max", p.max},
                      {"min_exclusive", p.range == Range::kOpenMin},
                      {"doc", p.doc}});
  }
  nlohmann::json props = nlohmann::json::array();
  for (std::size_t i = 0; i < prop_names().size(); ++i) {
    if ((row.props & (1u << i)) != 0) props.push_back(prop_names()[i]);
  }
  const double gain = torch_gain(Activation(row.id));
  return {{"name", row.name},
          {"formula", row.formula},
          {"derivative", row.derivative},
          {"range", row.range},
          {"parameters", params},
          {"properties", props},
          {"backward_from", row.bwd == BwdFrom::kY ? "y" : "x"},
          {"init", to_string(row.init)},
          {"torch_gain", std::isnan(gain) ? nlohmann::json(nullptr) : nlohmann::json(gain)},
          {"note", row.note},
          {"f32_ulp_forward", row.f32_ulp_forward},
          {"f32_ulp_backward", row.f32_ulp_backward}};
}

double torch_gain(const Activation& act) { return act.torch_gain().value_or(std::numeric_limits<double>::quiet_NaN()); }

}  // namespace actlab::cli
