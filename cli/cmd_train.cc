// cmd_train.cc — `actlab train`: train an MLP, watch it with probes, report the curves.
#include <fmt/core.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common.h"
#include "dataset.h"
#include "io.h"
#include "lint.h"
#include "train.h"

namespace actlab::cli {
namespace {

struct TrainCmd {
  std::string data = "spirals";
  std::string model = "2-64-64-2";
  std::string act = "relu";
  std::string init;
  std::string loss;
  std::string output;
  double dropout = 0;
  std::string optimizer = "adam";
  std::size_t epochs = 100;
  std::size_t batch = 64;
  double lr = 1e-2;
  double weight_decay = 0;
  double clip_norm = 0;
  std::string schedule = "constant";
  double warmup = 0;
  double step_epochs = 0;
  double gamma = 0.1;
  double valid = 0.2;
  std::size_t n = 1000;
  double noise = 0.1;
  std::uint64_t seed = 1;
  std::size_t probe_every = 100;
  double dead_warn = 0.3;
  bool no_probes = false;
  std::string label;
  bool regression = false;
  std::string out;
  std::string checkpoint;
  bool resume = false;
  bool force = false;
  bool json = false;
  bool quiet = false;
};

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted.store(true); }

std::string epoch_csv(const std::vector<nn::EpochStats>& stats) {
  std::string csv = "epoch,step,lr,train_loss,train_metric,valid_loss,valid_metric,seconds\n";
  for (const auto& s : stats) {
    csv += fmt::format("{},{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.6f}\n", s.epoch, s.step, s.lr, s.train_loss,
                       s.train_acc, s.valid_loss, s.valid_acc, s.seconds);
  }
  return csv;
}

std::string epoch_jsonl(const std::vector<nn::EpochStats>& stats) {
  std::string out;
  for (const auto& s : stats) {
    out += nlohmann::json{{"epoch", s.epoch},
                          {"step", s.step},
                          {"lr", s.lr},
                          {"train_loss", json_number(s.train_loss)},
                          {"train_metric", json_number(s.train_acc)},
                          {"valid_loss", json_number(s.valid_loss)},
                          {"valid_metric", json_number(s.valid_acc)},
                          {"seconds", s.seconds}}
               .dump() +
           "\n";
  }
  return out;
}

nlohmann::json finding_json(const nn::Finding& f) {
  return {{"code", f.code}, {"name", f.name}, {"severity", f.severity}, {"message", f.message}, {"fix", f.fix}};
}

}  // namespace

nn::ModelSpec model_from_option(const std::string& model, const std::string& act) {
  if (model.size() > 5 && model.substr(model.size() - 5) == ".json") return nn::ModelSpec::load(model);
  return nn::ModelSpec::parse(model, act);
}

void add_train(CLI::App& app) {
  auto o = std::make_shared<TrainCmd>();
  auto* cmd = app.add_subcommand("train", "Train an MLP with catalog activations, with probes and live warnings");
  cmd->add_option("--data", o->data,
                  "digits, breast_cancer, iris, wine; spirals[:k], circles, moons, xor, blobs[:k], regression; "
                  "or a .csv file");
  cmd->add_option("--model", o->model, "Widths (2-64-64-2, per layer 2-64:tanh-64-2) or a model .json file");
  cmd->add_option("--act", o->act, "Hidden activation for a short --model, e.g. relu, gelu, 'leaky_relu(0.1)'");
  cmd->add_option("--init", o->init,
                  "auto (matched to the activation), torch, kaiming, xavier, lecun, orthogonal, ...");
  cmd->add_option("--loss", o->loss, "cross_entropy (default), nll, bce_with_logits, bce, mse, l1, huber");
  cmd->add_option("--output", o->output, "Output activation: none (default), softmax, log_softmax or a catalog name");
  cmd->add_option("--dropout", o->dropout, "Dropout after every hidden activation, in [0, 1)");
  cmd->add_option("--optimizer", o->optimizer, "adam (default), adamw, sgd, momentum, nesterov");
  cmd->add_option("--epochs", o->epochs, "Epochs (default 100)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  cmd->add_option("--batch", o->batch, "Mini-batch size (default 64)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  cmd->add_option("--lr", o->lr, "Learning rate (default 0.01)");
  cmd->add_option("--weight-decay", o->weight_decay, "L2 (adam, sgd) or decoupled (adamw) weight decay");
  cmd->add_option("--clip-norm", o->clip_norm, "Clip the gradient's global norm to this (0: off)");
  cmd->add_option("--schedule", o->schedule, "constant (default), step, cosine");
  cmd->add_option("--warmup", o->warmup, "Linear warm-up over this many epochs");
  cmd->add_option("--step-epochs", o->step_epochs,
                  "step schedule: multiply the rate by --gamma every this many epochs");
  cmd->add_option("--gamma", o->gamma, "step schedule factor (default 0.1)");
  cmd->add_option("--valid", o->valid, "Share held out for validation, stratified (default 0.2)");
  cmd->add_option("--label", o->label, "CSV: the label column, by header name or 0-based index (default the last)");
  cmd->add_flag("--regression", o->regression, "CSV: the label is a number to regress on (use --loss mse)");
  cmd->add_option("--n", o->n, "Points in a synthetic data set (default 1000)")
      ->check(CLI::Range(std::size_t{4}, std::size_t{10000000}));
  cmd->add_option("--noise", o->noise, "Noise of a synthetic data set (default 0.1)");
  cmd->add_option("--seed", o->seed, "Seed for data, initialization, batches and noise (default 1)");
  cmd->add_option("--probe-every", o->probe_every, "Probe every N steps, and at every epoch end (default 100)");
  cmd->add_option("--dead-warn", o->dead_warn, "Warn when this share of a layer's units is dead (default 0.3)");
  cmd->add_flag("--no-probes", o->no_probes, "Do not probe (no live warnings)");
  cmd->add_option("--out", o->out, "Directory for metrics.csv/jsonl, probes.jsonl, warnings.jsonl, summary.json");
  cmd->add_option("--checkpoint", o->checkpoint, "Checkpoint file, written at the end and on Ctrl-C");
  cmd->add_flag("--resume", o->resume, "Continue from --checkpoint (same model, data, batch and optimizer)");
  cmd->add_flag("--force", o->force, "Replace an existing --checkpoint file when not resuming");
  cmd->add_flag("--json", o->json, "Machine-readable result on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "Only the final line");
  cmd->callback([o] {
    const auto bad = [](const std::string& what) { throw UsageError("train: " + what); };
    if (!(o->lr > 0) || !std::isfinite(o->lr)) bad("--lr must be finite and > 0");
    if (!(o->noise >= 0) || !std::isfinite(o->noise)) bad("--noise must be finite and >= 0");
    if (!(o->weight_decay >= 0) || !std::isfinite(o->weight_decay)) bad("--weight-decay must be finite and >= 0");
    if (!(o->dropout >= 0 && o->dropout < 1)) bad("--dropout must be in [0, 1)");
    if (!(o->valid >= 0 && o->valid < 1)) bad("--valid must be in [0, 1)");
    if (!(o->dead_warn >= 0 && o->dead_warn <= 1)) bad("--dead-warn must be in [0, 1]");
    if (!(o->warmup >= 0) || !std::isfinite(o->warmup)) bad("--warmup must be finite and >= 0");
    if (o->resume && o->checkpoint.empty()) bad("--resume needs --checkpoint FILE");
    if (!o->checkpoint.empty() && !o->resume) {
      const std::filesystem::path ck(o->checkpoint);
      const std::filesystem::path parent = ck.parent_path().empty() ? "." : ck.parent_path();
      if (!std::filesystem::is_directory(parent) || ::access(parent.c_str(), W_OK) != 0) {
        bad("cannot write the checkpoint " + o->checkpoint + " (no writable directory " + parent.string() + ")");
      }
      if (std::filesystem::exists(ck) && !o->force) {
        bad("the checkpoint " + o->checkpoint + " exists; add --resume to continue it or --force to replace it");
      }
    }
    data::Split split;
    nn::ModelSpec spec;
    nn::TrainOptions topts;
    try {
      spec = model_from_option(o->model, o->act);
      if (!o->init.empty()) spec.init = nn::init_from_string(o->init);
      if (!o->loss.empty()) spec.loss = nn::loss_from_string(o->loss);
      if (!o->output.empty()) spec.output_activation = o->output;
      if (o->dropout > 0) {
        for (auto& l : spec.hidden) l.dropout = o->dropout;
      }
      spec.seed = o->seed + 2;
      spec.validate();
      data::CsvOptions csv;
      csv.label = o->label;
      csv.regression = o->regression;
      split = data::split(data::load(o->data, o->n, o->noise, o->seed, csv), o->valid, o->seed + 1);
      if (!split.train.is_classification() && o->loss.empty()) spec.loss = nn::LossKind::kMse;  // regression data
      const auto z = data::Standardizer::fit(split.train);
      z.apply(split.train);
      z.apply(split.valid);
      topts.epochs = o->epochs;
      topts.batch = o->batch;
      topts.optimizer.kind = o->optimizer;
      topts.optimizer.lr = o->lr;
      topts.optimizer.weight_decay = o->weight_decay;
      topts.optimizer.clip_norm = o->clip_norm;
      const double steps_per_epoch = std::ceil(static_cast<double>(split.train.size()) / static_cast<double>(o->batch));
      topts.schedule.kind = o->schedule;
      topts.schedule.warmup_steps = o->warmup * steps_per_epoch;
      topts.schedule.step_size = o->step_epochs * steps_per_epoch;
      topts.schedule.gamma = o->gamma;
      topts.schedule.validate();
      topts.seed = o->seed + 3;
      topts.probes.enabled = !o->no_probes;
      topts.probes.every = o->probe_every;
      topts.probes.dead_warn = o->dead_warn;
    } catch (const data::DataError& e) {
      bad(e.what());
    } catch (const nn::SpecError& e) {
      bad(e.what());
    }
    if (split.train.size() == 0) bad("the training split is empty");
    nn::Mlp model(spec);
    std::unique_ptr<nn::Trainer> trainer;
    try {
      trainer = std::make_unique<nn::Trainer>(model, split.train, split.valid, topts);
    } catch (const nn::SpecError& e) {
      bad(fmt::format("{} (data: {} features, {} classes; try --model {}-64-64-{})", e.what(), split.train.features,
                      split.train.classes, split.train.features, std::max<std::size_t>(1, split.train.classes)));
    }
    std::filesystem::path out_dir;
    if (!o->out.empty()) {
      out_dir = o->out;
      std::error_code ec;
      std::filesystem::create_directories(out_dir, ec);
      if (ec || !std::filesystem::is_directory(out_dir) || ::access(out_dir.c_str(), W_OK) != 0) {
        bad("cannot write to the output directory " + o->out);
      }
    }
    if (o->resume) {
      try {
        trainer->load_checkpoint(o->checkpoint);
      } catch (const nn::CheckpointError& e) {
        bad(e.what());
      }
    }
    const bool talk = !o->json && !o->quiet;
    const bool progress = talk && isatty(STDERR_FILENO) != 0;
    const auto findings = nn::lint(spec);
    if (talk) {
      fmt::print("{}: {} rows × {} features, {} → train {}, validate {}\nmodel {} ({} init, {} loss, output {}):\n{}",
                 split.train.name, split.train.size() + split.valid.size(), split.train.features,
                 split.train.is_classification() ? fmt::format("{} classes", split.train.classes) : "regression",
                 split.train.size(), split.valid.size(), spec.short_form(), nn::to_string(spec.init),
                 nn::to_string(spec.loss), spec.output_activation, model.summary());
      for (const auto& f : findings) {
        fmt::print("check {} {} [{}]: {}\n  fix: {}\n", f.code, f.severity, f.name, f.message, f.fix);
      }
      if (o->resume) {
        fmt::print("resumed from {} at epoch {}, step {}\n", o->checkpoint, trainer->epoch(), trainer->step());
      }
    }
    trainer->on_warning = [&](const nn::Warning& w) {
      if (!talk) return;
      if (progress) fmt::print(stderr, "\r\033[K");
      fmt::print("{} [{}] step {}: {}\n", w.severity, w.code, w.step, w.message);
    };
    trainer->on_epoch = [&](const nn::EpochStats& s) {
      if (progress) {
        const std::size_t width = 24, done = width * s.epoch / topts.epochs;
        fmt::print(stderr, "\r[{}{}] epoch {}/{}  loss {:.4f}  train {:.3f}  valid {:.3f}   ", std::string(done, '='),
                   std::string(width - done, ' '), s.epoch, topts.epochs, s.train_loss, s.train_acc, s.valid_acc);
      }
    };
    const auto previous = std::signal(SIGINT, on_sigint);
    g_interrupted = false;
    const auto t0 = std::chrono::steady_clock::now();
    bool finished = false;
    std::string diverged;
    try {
      finished = trainer->run(&g_interrupted);
    } catch (const nn::Diverged& e) {
      diverged = e.what();
    }
    std::signal(SIGINT, previous);
    if (progress) fmt::print(stderr, "\n");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::string ckpt = o->checkpoint;
    if (ckpt.empty() && !finished && diverged.empty() && !out_dir.empty()) ckpt = (out_dir / "checkpoint.bin").string();
    try {
      if (!ckpt.empty() && diverged.empty()) trainer->save_checkpoint(ckpt);
      if (!out_dir.empty()) {
        std::string probes, warnings;
        for (const auto& line : trainer->restored_probes_json) probes += line + "\n";
        for (const auto& p : trainer->probes()) probes += nn::to_json(p) + "\n";
        for (const auto& w : trainer->warnings()) warnings += nn::to_json(w) + "\n";
        nlohmann::json lint = nlohmann::json::array();
        for (const auto& f : findings) lint.push_back(finding_json(f));
        data::write_atomically((out_dir / "metrics.csv").string(), epoch_csv(trainer->history()));
        data::write_atomically((out_dir / "metrics.jsonl").string(), epoch_jsonl(trainer->history()));
        data::write_atomically((out_dir / "probes.jsonl").string(), probes);
        data::write_atomically((out_dir / "warnings.jsonl").string(), warnings);
        data::write_atomically((out_dir / "lint.json").string(), lint.dump(2) + "\n");
        data::write_atomically((out_dir / "model.json").string(), spec.to_json() + "\n");
      }
    } catch (const data::DataError& e) {
      bad(e.what());
    }
    if (!diverged.empty()) throw nn::Diverged(diverged);
    const auto& hist = trainer->history();
    nlohmann::json summary = {{"data", split.train.name},
                              {"model", spec.short_form()},
                              {"init", nn::to_string(spec.init)},
                              {"loss", nn::to_string(spec.loss)},
                              {"epochs", hist.size()},
                              {"steps", trainer->step()},
                              {"finished", finished},
                              {"seconds", seconds},
                              {"probe_seconds", trainer->probe_seconds()},
                              {"warnings", nlohmann::json::array()},
                              {"findings", nlohmann::json::array()}};
    for (const auto& w : trainer->warnings()) summary["warnings"].push_back(nlohmann::json::parse(nn::to_json(w)));
    for (const auto& f : findings) summary["findings"].push_back(finding_json(f));
    if (!hist.empty()) {
      summary["train_loss"] = json_number(hist.back().train_loss);
      summary["train_metric"] = json_number(hist.back().train_acc);
      summary["valid_loss"] = json_number(hist.back().valid_loss);
      summary["valid_metric"] = json_number(hist.back().valid_acc);
    }
    if (!ckpt.empty()) summary["checkpoint"] = ckpt;
    if (!out_dir.empty()) {
      try {
        data::write_atomically((out_dir / "summary.json").string(), summary.dump(2) + "\n");
      } catch (const data::DataError& e) {
        bad(e.what());
      }
    }
    if (o->json) {
      print_json(summary);
    } else if (!hist.empty()) {
      const char* metric = split.train.is_classification() ? "accuracy" : "R²";
      fmt::print(
          "{} {} epochs ({:.2f} s, {:.1f} ms per epoch, probes {:.1f} %): train loss {:.4f}, {} {:.3f}; "
          "validation loss {:.4f}, {} {:.3f}\n",
          finished ? "after" : "interrupted after", hist.size(), seconds,
          1e3 * seconds / static_cast<double>(hist.size()), 100 * trainer->probe_seconds() / std::max(seconds, 1e-9),
          hist.back().train_loss, metric, hist.back().train_acc, hist.back().valid_loss, metric, hist.back().valid_acc);
    }
    if (talk && !out_dir.empty()) fmt::print("metrics, probes and warnings: {}/\n", o->out);
    if (talk && !ckpt.empty()) fmt::print("checkpoint: {}\n", ckpt);
    if (!finished) throw Interrupted("train: interrupted; resume with --checkpoint " + ckpt + " --resume");
  });
}

}  // namespace actlab::cli
