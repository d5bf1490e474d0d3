// cmd_info.cc — `actlab info SPEC`: formula, derivative, parameters, properties, gain.
#include <fmt/core.h>

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "common.h"

namespace actlab::cli {

namespace {

// f and f' on [-4, 4] as a text plot from gnuplot's dumb terminal; empty when
// gnuplot cannot be run.
std::string terminal_plot(const Activation& act) {
  char path[] = "/tmp/actlab-info-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return "";
  std::string points;
  for (int i = 0; i <= 160; ++i) {
    const double x = -4.0 + 8.0 * i / 160.0;
    points += fmt::format("{} {} {}\n", x, act.eval(x), act.derivative(x));
  }
  const bool wrote = write(fd, points.data(), points.size()) == static_cast<ssize_t>(points.size());
  close(fd);
  std::string out;
  if (wrote) {
    const std::string cmd = fmt::format(
        "gnuplot -e \"set terminal dumb size 76,20; set key top left; set xrange [-4:4]; "
        "plot '{}' using 1:2 with lines title 'f(x)', '' using 1:3 with lines title \\\"f'(x)\\\"\" 2>/dev/null",
        path);
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char buf[4096];
      std::size_t n = 0;
      while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
      if (pclose(p) != 0) out.clear();
    }
  }
  unlink(path);
  return out;
}

}  // namespace

void add_info(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Formula, derivative, parameters, properties and gain of one activation");
  auto spec = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto no_plot = std::make_shared<bool>(false);
  cmd->add_option("spec", *spec, "Activation, e.g. gelu or 'leaky_relu(negative_slope=0.2)'")->required();
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->add_flag("--no-plot", *no_plot, "Leave out the terminal plot of f and f'");
  cmd->callback([spec, json, no_plot] {
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
      fmt::print("    f({:>2g}) = {:<16.9g} f'({:>2g}) = {:.9g}\n", x, act.eval(x), x, act.derivative(x));
    }
    if (!*no_plot) {
      const std::string plot = terminal_plot(act);
      if (plot.empty()) {
        fmt::print("\n  (no plot: gnuplot was not found; apt install gnuplot-nox)\n");
      } else {
        fmt::print("\n{}", plot);
      }
    }
  });
}

}  // namespace actlab::cli
