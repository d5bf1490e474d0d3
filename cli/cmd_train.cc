// cmd_train.cc — `actlab train`: train an MLP on a data set and report the curves.
#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "common.h"
#include "dataset.h"
#include "nn.h"

namespace actlab::cli {
namespace {

struct TrainCmd {
  std::string data = "spirals";
  std::string model = "2-64-64-2";
  std::string act = "relu";
  std::string init = "auto";
  std::string optimizer = "adam";
  std::size_t epochs = 100;
  std::size_t batch = 64;
  double lr = 1e-2;
  double weight_decay = 0;
  double valid = 0.2;
  std::size_t n = 1000;
  double noise = 0.1;
  std::uint64_t seed = 1;
  std::string out;
  bool json = false;
};

// Writes `text` to `path` through a temporary file and a rename: never half-written.
void write_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw UsageError("train: cannot write " + tmp.string());
    f << text;
    f.flush();
    if (!f) throw UsageError("train: writing " + tmp.string() + " failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw UsageError("train: cannot rename into " + path.string());
  }
}

}  // namespace

void add_train(CLI::App& app) {
  auto o = std::make_shared<TrainCmd>();
  auto* cmd = app.add_subcommand("train", "Train an MLP with a catalog activation and report loss and accuracy");
  cmd->add_option("--data", o->data,
                  "digits, breast_cancer, iris, wine; spirals[:k], circles, moons, xor, blobs[:k]; or a .csv file");
  cmd->add_option("--model", o->model, "Layer widths, e.g. 2-64-64-2 or 2-64:tanh-64-2 (default 2-64-64-2)");
  cmd->add_option("--act", o->act, "Hidden activation, e.g. relu, gelu, 'leaky_relu(0.1)' (default relu)");
  cmd->add_option("--init", o->init, "auto (matched to the activation), torch, kaiming, xavier, lecun, ...");
  cmd->add_option("--optimizer", o->optimizer, "adam (default), adamw, sgd, momentum, nesterov");
  cmd->add_option("--epochs", o->epochs, "Epochs (default 100)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  cmd->add_option("--batch", o->batch, "Mini-batch size (default 64)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  cmd->add_option("--lr", o->lr, "Learning rate (default 0.01)");
  cmd->add_option("--weight-decay", o->weight_decay, "L2 (adam, sgd) or decoupled (adamw) weight decay");
  cmd->add_option("--valid", o->valid, "Share held out for validation, stratified (default 0.2)");
  cmd->add_option("--n", o->n, "Points in a synthetic data set (default 1000)")
      ->check(CLI::Range(std::size_t{4}, std::size_t{10000000}));
  cmd->add_option("--noise", o->noise, "Noise of a synthetic data set (default 0.1)");
  cmd->add_option("--seed", o->seed, "Seed for data, initialization and batches (default 1)");
  cmd->add_option("--out", o->out, "Directory for metrics.csv and metrics.jsonl");
  cmd->add_flag("--json", o->json, "Machine-readable result on stdout");
  cmd->callback([o] {
    if (!(o->lr > 0) || !std::isfinite(o->lr)) throw UsageError("train: --lr must be finite and > 0");
    if (!(o->noise >= 0) || !std::isfinite(o->noise)) throw UsageError("train: --noise must be finite and >= 0");
    if (!(o->weight_decay >= 0)) throw UsageError("train: --weight-decay must be >= 0");
    data::Split split;
    std::unique_ptr<nn::Mlp> model;
    nn::TrainOptions topts;
    try {
      split = data::split(data::load(o->data, o->n, o->noise, o->seed), o->valid, o->seed + 1);
      const auto z = data::Standardizer::fit(split.train);
      z.apply(split.train);
      z.apply(split.valid);
      model = std::make_unique<nn::Mlp>(o->model, o->act, nn::init_from_string(o->init), o->seed + 2);
      topts.epochs = o->epochs;
      topts.batch = o->batch;
      topts.optimizer.kind = o->optimizer;
      topts.optimizer.lr = o->lr;
      topts.optimizer.weight_decay = o->weight_decay;
      topts.seed = o->seed + 3;
      (void)nn::Optimizer(model->parameters(), topts.optimizer);  // validates the optimizer options
      if (split.train.features != model->inputs() || split.train.classes > model->outputs()) {
        throw UsageError(
            fmt::format("train: {} has {} features and {} classes; the model {} takes {} inputs and gives {} "
                        "outputs (try --model {}-64-64-{})",
                        split.train.name, split.train.features, split.train.classes, o->model, model->inputs(),
                        model->outputs(), split.train.features, split.train.classes));
      }
    } catch (const data::DataError& e) {
      throw UsageError(std::string("train: ") + e.what());
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("train: ") + e.what());
    }
    std::filesystem::path out_dir;
    if (!o->out.empty()) {
      out_dir = o->out;
      std::error_code ec;
      std::filesystem::create_directories(out_dir, ec);
      if (ec || !std::filesystem::is_directory(out_dir)) {
        throw UsageError("train: cannot create the output directory " + o->out);
      }
    }
    const bool progress = !o->json && isatty(STDERR_FILENO) != 0;
    if (!o->json) {
      fmt::print("{}: {} rows × {} features, {} classes → train {}, validate {}\n{} with {} ({} init):\n{}",
                 split.train.name, split.train.size() + split.valid.size(), split.train.features, split.train.classes,
                 split.train.size(), split.valid.size(), o->model, o->act, o->init, model->summary());
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<nn::EpochStats> stats;
    try {
      stats = nn::train_classifier(*model, split.train, split.valid, topts, [&](const nn::EpochStats& s) {
        if (progress) {
          fmt::print(stderr, "\repoch {:>5}/{}  loss {:.4f}  accuracy {:.3f}  valid {:.3f}   ", s.epoch, topts.epochs,
                     s.train_loss, s.train_acc, s.valid_acc);
        }
      });
    } catch (const std::runtime_error& e) {
      if (progress) fmt::print(stderr, "\n");
      throw;  // divergence: main prints it and exits 1
    }
    if (progress) fmt::print(stderr, "\n");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const nn::EpochStats& last = stats.back();
    if (!out_dir.empty()) {
      std::string csv = "epoch,train_loss,train_accuracy,valid_loss,valid_accuracy\n";
      std::string jsonl;
      for (const auto& s : stats) {
        csv += fmt::format("{},{:.9g},{:.9g},{:.9g},{:.9g}\n", s.epoch, s.train_loss, s.train_acc, s.valid_loss,
                           s.valid_acc);
        jsonl += nlohmann::json{{"epoch", s.epoch},
                                {"train_loss", json_number(s.train_loss)},
                                {"train_accuracy", s.train_acc},
                                {"valid_loss", json_number(s.valid_loss)},
                                {"valid_accuracy", s.valid_acc}}
                     .dump() +
                 "\n";
      }
      write_atomically(out_dir / "metrics.csv", csv);
      write_atomically(out_dir / "metrics.jsonl", jsonl);
    }
    if (o->json) {
      print_json({{"data", split.train.name},
                  {"model", o->model},
                  {"activation", o->act},
                  {"init", o->init},
                  {"epochs", stats.size()},
                  {"seconds", seconds},
                  {"train_loss", json_number(last.train_loss)},
                  {"train_accuracy", last.train_acc},
                  {"valid_loss", json_number(last.valid_loss)},
                  {"valid_accuracy", last.valid_acc}});
      return;
    }
    fmt::print(
        "after {} epochs ({:.2f} s, {:.1f} ms per epoch): train loss {:.4f}, accuracy {:.3f}; "
        "validation loss {:.4f}, accuracy {:.3f}\n",
        stats.size(), seconds, 1e3 * seconds / static_cast<double>(stats.size()), last.train_loss, last.train_acc,
        last.valid_loss, last.valid_acc);
    if (!out_dir.empty()) fmt::print("metrics: {}/metrics.csv, {}/metrics.jsonl\n", o->out, o->out);
  });
}

}  // namespace actlab::cli
