// cmd_loss.cc — `actlab loss NAME`: a loss and its gradient on numbers you give.
#include <fmt/core.h>

#include <sstream>
#include <string>
#include <vector>

#include "common.h"

namespace actlab::cli {
namespace {

struct LossOptions {
  std::string name;
  std::string input;  // logits, log-probabilities, probabilities or predictions
  std::string target;
  std::string weight;
  std::string pos_weight;
  std::size_t rows = 1;
  double label_smoothing = 0;
  std::int64_t ignore_index = -100;
  std::string reduction = "mean";
  double delta = 1.0;
  bool probs = false;
  bool json = false;
};

std::vector<double> parse_list(const std::string& text, const char* what) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  std::size_t k = 0;
  while (std::getline(ss, item, ',')) {
    ++k;
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    item = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    double v = 0;
    if (!parse_double(item, &v)) throw UsageError(fmt::format("loss: {} value {} '{}' is not a number", what, k, item));
    out.push_back(v);
  }
  return out;
}

std::vector<std::int64_t> to_indices(const std::vector<double>& v) {
  std::vector<std::int64_t> out;
  for (const double d : v) {
    if (d != static_cast<double>(static_cast<std::int64_t>(d))) {
      throw UsageError(fmt::format("loss: target {} is not a class index (use --probs for probability targets)", d));
    }
    out.push_back(static_cast<std::int64_t>(d));
  }
  return out;
}

}  // namespace

void add_loss(CLI::App& app) {
  auto o = std::make_shared<LossOptions>();
  auto* cmd = app.add_subcommand(
      "loss", "A loss and its gradient: cross_entropy, nll_loss, bce_with_logits, bce, mse, l1, huber");
  cmd->add_option("name", o->name, "cross_entropy | nll_loss | bce_with_logits | bce | mse | l1 | huber")->required();
  cmd->add_option("--logits,--input", o->input, "Comma-separated inputs (rows × classes, row-major)")->required();
  cmd->add_option("--target", o->target, "Comma-separated targets: class indices, or values")->required();
  cmd->add_option("--rows", o->rows, "Number of rows the inputs split into (default 1)");
  cmd->add_flag("--probs", o->probs, "cross_entropy: the target holds probabilities (rows × classes)");
  cmd->add_option("--weight", o->weight, "Per-class weights (cross_entropy, nll_loss) or per-element (bce)");
  cmd->add_option("--pos-weight", o->pos_weight, "bce_with_logits: weight of positives, per class");
  cmd->add_option("--label-smoothing", o->label_smoothing, "cross_entropy: in [0, 1]");
  cmd->add_option("--ignore-index", o->ignore_index, "cross_entropy, nll_loss: target to ignore (default -100)");
  cmd->add_option("--reduction", o->reduction, "mean (default), sum or none");
  cmd->add_option("--delta", o->delta, "huber: the threshold between quadratic and linear");
  cmd->add_flag("--json", o->json, "Machine-readable output");
  cmd->callback([o] {
    const auto red = reduction_from_string(o->reduction);
    if (!red) throw UsageError("loss: --reduction must be mean, sum or none, not '" + o->reduction + "'");
    const auto x = parse_list(o->input, "input");
    const auto t = parse_list(o->target, "target");
    const auto w = o->weight.empty() ? std::vector<double>{} : parse_list(o->weight, "weight");
    const auto pw = o->pos_weight.empty() ? std::vector<double>{} : parse_list(o->pos_weight, "pos-weight");
    if (o->rows == 0 || x.size() % o->rows != 0) {
      throw UsageError(fmt::format("loss: {} inputs do not split into {} rows", x.size(), o->rows));
    }
    const std::size_t cols = x.size() / o->rows;
    std::vector<double> grad(x.size());
    const bool per_row = o->name == "cross_entropy" || o->name == "nll_loss";
    std::vector<double> per(per_row && !o->probs ? o->rows : x.size());
    double loss = 0;
    const CrossEntropyOptions ce{w, o->ignore_index, o->label_smoothing, *red};
    if (o->name == "cross_entropy" && o->probs) {
      per.assign(o->rows, 0.0);
      loss = cross_entropy_probs(std::span<const double>(x), std::span<const double>(t), cols, std::span<double>(grad),
                                 ce, std::span<double>(per));
    } else if (per_row) {
      const auto idx = to_indices(t);
      loss = o->name == "nll_loss" ? nll_loss(std::span<const double>(x), std::span<const std::int64_t>(idx), cols,
                                              std::span<double>(grad), ce, std::span<double>(per))
                                   : cross_entropy(std::span<const double>(x), std::span<const std::int64_t>(idx), cols,
                                                   std::span<double>(grad), ce, std::span<double>(per));
    } else if (o->name == "bce_with_logits" || o->name == "bce") {
      const BceOptions bo{w, pw, pw.empty() ? 0 : cols, *red};
      loss = o->name == "bce" ? bce(std::span<const double>(x), std::span<const double>(t), std::span<double>(grad), bo,
                                    std::span<double>(per))
                              : bce_with_logits(std::span<const double>(x), std::span<const double>(t),
                                                std::span<double>(grad), bo, std::span<double>(per));
    } else if (o->name == "mse" || o->name == "mse_loss") {
      loss = mse_loss(std::span<const double>(x), std::span<const double>(t), std::span<double>(grad), *red,
                      std::span<double>(per));
    } else if (o->name == "l1" || o->name == "l1_loss") {
      loss = l1_loss(std::span<const double>(x), std::span<const double>(t), std::span<double>(grad), *red,
                     std::span<double>(per));
    } else if (o->name == "huber" || o->name == "huber_loss") {
      loss = huber_loss(std::span<const double>(x), std::span<const double>(t), std::span<double>(grad), o->delta, *red,
                        std::span<double>(per));
    } else {
      throw UsageError("loss: unknown loss '" + o->name +
                       "' (cross_entropy, nll_loss, bce_with_logits, bce, mse, l1, huber)");
    }
    if (o->json) {
      nlohmann::json j = {{"loss", o->name}, {"reduction", o->reduction}, {"gradient", nlohmann::json::array()}};
      if (*red == Reduction::kNone) {
        j["value"] = nlohmann::json::array();
        for (const double v : per) j["value"].push_back(json_number(v));
      } else {
        j["value"] = json_number(loss);
      }
      for (const double g : grad) j["gradient"].push_back(json_number(g));
      print_json(j);
      return;
    }
    if (*red == Reduction::kNone) {
      fmt::print("{} (none):", o->name);
      for (const double v : per) fmt::print(" {:.9g}", v);
      fmt::print("\n");
    } else {
      fmt::print("{} ({}) = {:.9g}\n", o->name, o->reduction, loss);
    }
    fmt::print("gradient with respect to the input:\n");
    for (std::size_t r = 0; r < o->rows; ++r) {
      fmt::print(" ");
      for (std::size_t c = 0; c < cols; ++c) fmt::print(" {:>12.6g}", grad[r * cols + c]);
      fmt::print("\n");
    }
  });
}

}  // namespace actlab::cli
