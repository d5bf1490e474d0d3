// cmd_info.cc — `actlab info SPEC`: formula, derivative, parameters, properties, gain.
#include <fmt/core.h>

#include <cmath>
#include <string>

#include "common.h"

namespace actlab::cli {

void add_info(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Formula, derivative, parameters, properties and gain of one activation");
  auto spec = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("spec", *spec, "Activation, e.g. gelu or 'leaky_relu(negative_slope=0.2)'")->required();
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->callback([spec, json] {
    const Activation act = Activation::parse(*spec);
    const ActivationInfo& row = act.info();
    const double gain = torch_gain(act);
    if (*json) {
      nlohmann::json j = row_json(row);
      j["spec"] = act.to_string();
      nlohmann::json values = nlohmann::json::object();
      for (std::size_t k = 0; k < row.num_params; ++k) values[std::string(row.params[k].name)] = act.params()[k];
      j["values"] = values;
      j["torch_gain"] = std::isnan(gain) ? nlohmann::json(nullptr) : nlohmann::json(gain);
      print_json(j);
      return;
    }
    fmt::print("{}\n\n", act.to_string());
    fmt::print("  f(x)        {}\n", row.formula);
    fmt::print("  f'(x)       {}\n", row.derivative);
    fmt::print("  range       {}\n", row.range);
    fmt::print("  properties  {}\n", props_to_string(row.props));
    fmt::print("  backward    from {}\n", row.bwd == BwdFrom::kY ? "y (the output) or x" : "x (the input)");
    fmt::print("  init        {}\n", to_string(row.init));
    fmt::print(
        "  accuracy    float32 within {:g} ulp forward, {:g} ulp backward (float64 and the reference: "
        "docs/accuracy.md)\n",
        row.f32_ulp_forward, row.f32_ulp_backward);
    if (std::isnan(gain)) {
      fmt::print("  torch gain  none (torch.nn.init.calculate_gain does not list it)\n");
    } else {
      fmt::print("  torch gain  {:.9g}\n", gain);
    }
    if (row.num_params > 0) {
      fmt::print("\n  parameters\n");
      for (std::size_t k = 0; k < row.num_params; ++k) {
        const auto& p = row.params[k];
        fmt::print("    {:<16} = {:<10g} default {:g}, range {}{:g}, {:g}]  {}\n", p.name, act.params()[k],
                   p.default_value, p.range == Range::kOpenMin ? "(" : "[", p.min, p.max, p.doc);
      }
    }
    fmt::print("\n  {}\n", row.note);
    fmt::print("\n  f(x) at a few points:\n");
    for (const double x : {-3.0, -1.0, 0.0, 1.0, 3.0}) {
      fmt::print("    f({:>2g}) = {:<14.9g} f'({:>2g}) = {:.9g}\n", x, act.eval(x), x, act.derivative(x));
    }
  });
}

}  // namespace actlab::cli
