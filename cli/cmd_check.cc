// cmd_check.cc — `actlab check`: the Quick Checks linter on a model, before training.
#include <fmt/core.h>

#include "common.h"
#include "lint.h"

namespace actlab::cli {

void add_check(CLI::App& app) {
  struct Opts {
    std::string model, act = "relu", init, loss, output;
    bool multilabel = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd =
      app.add_subcommand("check", "Lint a model (JSON file or short spec) for activation mistakes; exit 1 on errors");
  cmd->add_option("model", o->model, "A model .json file, or widths like 64-128:tanh-10")->required();
  cmd->add_option("--act", o->act, "Hidden activation for a short spec (default relu)");
  cmd->add_option("--init", o->init, "Override the initializer");
  cmd->add_option("--loss", o->loss, "Override the loss");
  cmd->add_option("--output", o->output, "Override the output activation");
  cmd->add_flag("--multilabel", o->multilabel, "The targets are independent labels (several per row)");
  cmd->add_flag("--json", o->json, "Findings as JSON");
  cmd->callback([o] {
    nn::ModelSpec spec;
    try {
      spec = model_from_option(o->model, o->act);
      if (!o->init.empty()) spec.init = nn::init_from_string(o->init);
      if (!o->loss.empty()) spec.loss = nn::loss_from_string(o->loss);
      if (!o->output.empty()) spec.output_activation = o->output;
      spec.validate();
    } catch (const nn::SpecError& e) {
      throw UsageError(std::string("check: ") + e.what());
    }
    nn::LintOptions lo;
    lo.multilabel = o->multilabel;
    const auto findings = nn::lint(spec, lo);
    bool error = false;
    for (const auto& f : findings) error = error || f.severity == "error";
    if (o->json) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& f : findings) {
        arr.push_back(
            {{"code", f.code}, {"name", f.name}, {"severity", f.severity}, {"message", f.message}, {"fix", f.fix}});
      }
      print_json({{"model", spec.short_form()}, {"findings", arr}});
    } else {
      fmt::print("{} (init {}, loss {}, output {}): ", spec.short_form(), nn::to_string(spec.init),
                 nn::to_string(spec.loss), spec.output_activation);
      if (findings.empty()) {
        fmt::print("no findings\n");
      } else {
        fmt::print("{} finding{}\n", findings.size(), findings.size() == 1 ? "" : "s");
        for (const auto& f : findings) {
          fmt::print("{} {} [{}]: {}\n  fix: {}\n", f.code, f.severity, f.name, f.message, f.fix);
        }
      }
    }
    if (error) throw ExitCode{1};
  });
}

}  // namespace actlab::cli
