// cmd_gain.cc — `actlab gain`: PyTorch's gain, the variance-preserving gain and
// mean-field signal propagation (Poole et al. 2016, Schoenholz et al. 2017).
#include <fmt/core.h>

#include <cmath>

#include "common.h"
#include "theory.h"

namespace actlab::cli {

void add_gain(CLI::App& app) {
  struct Opts {
    std::string name;
    double sigma_b = 0, sigma_w2 = std::nan("");
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd =
      app.add_subcommand("gain", "Initialization gains and mean-field theory (edge of chaos) for an activation");
  cmd->add_option("name", o->name, "A catalog activation, e.g. tanh or 'leaky_relu(0.2)'")->required();
  cmd->add_option("--sigma-b", o->sigma_b, "Bias standard deviation σ_b (default 0)");
  cmd->add_option("--sigma-w2", o->sigma_w2, "Weight variance σ_w² = fan_in·Var(W) to analyze (default: the gain²)");
  cmd->add_flag("--json", o->json, "Machine-readable output");
  cmd->callback([o] {
    const Activation act = Activation::parse(o->name);
    if (!(o->sigma_b >= 0) || !std::isfinite(o->sigma_b)) throw UsageError("gain: --sigma-b must be finite and >= 0");
    if (!std::isnan(o->sigma_w2) && !(o->sigma_w2 > 0 && std::isfinite(o->sigma_w2))) {
      throw UsageError("gain: --sigma-w2 must be finite and > 0");
    }
    const theory::Fn fn = theory::from_activation(act);
    const auto tg = act.torch_gain();
    const double vg = theory::variance_gain(fn);
    const double b2 = o->sigma_b * o->sigma_b;
    const double w2 = std::isnan(o->sigma_w2) ? (tg ? *tg * *tg : vg * vg) : o->sigma_w2;
    const double crit = theory::critical_sigma_w2(fn, b2);
    const theory::Analysis a = theory::analyze(fn, {w2, b2});
    if (o->json) {
      print_json({{"activation", act.to_string()},
                  {"torch_gain", tg ? nlohmann::json(*tg) : nlohmann::json(nullptr)},
                  {"variance_gain", vg},
                  {"sigma_b2", b2},
                  {"critical_sigma_w2", json_number(crit)},
                  {"sigma_w2", w2},
                  {"q_star", json_number(a.q_star)},
                  {"q_unique", a.q_unique},
                  {"chi1", json_number(a.chi1)},
                  {"slope_q", json_number(a.slope_q)},
                  {"c_star", json_number(a.c_star)},
                  {"chi_c", json_number(a.chi_c)},
                  {"xi_q", json_number(a.xi_q)},
                  {"xi_c", json_number(a.xi_c)},
                  {"xi_grad", json_number(a.xi_grad)},
                  {"phase", a.phase}});
      return;
    }
    fmt::print("{}\n", act.to_string());
    fmt::print("  PyTorch calculate_gain      {}\n", tg ? fmt::format("{:.6g}", *tg) : "(none)");
    fmt::print("  variance-preserving gain    {:.6g}   (1/√E[φ(z)²], z ~ N(0,1))\n", vg);
    fmt::print("  edge of chaos, σ_b = {:g}:   σ_w² = {}\n", o->sigma_b,
               std::isnan(crit) ? "none in [0.01, 100]" : fmt::format("{:.6g}", crit));
    fmt::print("mean field at σ_w² = {:.6g}, σ_b² = {:.6g}:\n", w2, b2);
    fmt::print("  fixed point q*              {}{}\n", fmt::format("{:.6g}", a.q_star),
               a.q_unique ? "" : "   (every q is fixed: scale-free)");
    fmt::print("  χ₁ = σ_w²·E[φ'(√q* z)²]     {:.6g}   → {} phase\n", a.chi1, a.phase);
    fmt::print("  length-map slope at q*      {:.6g}\n", a.slope_q);
    fmt::print("  correlation fixed point c*  {:.6g}   (slope {:.6g})\n", a.c_star, a.chi_c);
    fmt::print("  depth scales ξ_q, ξ_c, ξ_∇  {:.4g}, {:.4g}, {:.4g} layers\n", a.xi_q, a.xi_c, a.xi_grad);
    if (a.phase == "ordered") {
      fmt::print("  gradients shrink ×{:.4g} per layer: ×{:.3g} over 20 layers\n", a.chi1, std::pow(a.chi1, 20));
    } else if (a.phase == "chaotic") {
      fmt::print("  gradients grow ×{:.4g} per layer: ×{:.3g} over 20 layers\n", a.chi1, std::pow(a.chi1, 20));
    }
  });
}

}  // namespace actlab::cli
