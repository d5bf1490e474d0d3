// cmd_lab.cc — `actlab lab NAME|all`: the seeds' experiments into a report; `actlab plot`.
#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>

#include <unistd.h>
#include <cmath>
#include "common.h"
#include "dataset.h"
#include "experiments.h"
#include "formula.h"
#include "io.h"
#include "plot.h"

namespace actlab::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_lab_sigint(int) { g_stop.store(true); }

std::string versions() {
  return fmt::format("actlab {}; gnuplot {}", actlab::version(),
                     lab::gnuplot_available() ? "found" : "not found (data only)");
}

}  // namespace

void add_lab(CLI::App& app) {
  struct Opts {
    std::string name, out = "actlab-report", acts, formula = "x*tanh(log(1+exp(x)))";
    std::uint64_t seed = 1;
    std::size_t depth = 20, width = 64;
    bool quick = false;
  };
  auto o = std::make_shared<Opts>();
  std::string names;
  for (const auto& e : lab::experiments()) names += std::string(names.empty() ? "" : ", ") + e.name;
  auto* cmd = app.add_subcommand("lab", "Run the seeds' experiments (" + names + ", or all) into an HTML report");
  cmd->add_option("name", o->name, "Experiment name, or all")->required();
  cmd->add_option("--out", o->out, "Report directory (default actlab-report)");
  cmd->add_option("--seed", o->seed, "Seed (default 1)");
  cmd->add_option("--acts", o->acts, "compare: comma-separated activations (default the eight of the seeds)");
  cmd->add_option("--depth", o->depth, "depth: hidden layers (default 20)")
      ->check(CLI::Range(std::size_t{2}, std::size_t{200}));
  cmd->add_option("--width", o->width, "depth: units per layer (default 64)")
      ->check(CLI::Range(std::size_t{2}, std::size_t{4096}));
  cmd->add_option("--formula", o->formula, "custom: the activation as a formula in x");
  cmd->add_flag("--quick", o->quick, "Few epochs: a smoke run");
  cmd->callback([o] {
    std::vector<const lab::Experiment*> todo;
    if (o->name == "all") {
      for (const auto& e : lab::experiments()) todo.push_back(&e);
    } else if (const auto* e = lab::find_experiment(o->name)) {
      todo.push_back(e);
    } else {
      std::string list;
      for (const auto& e2 : lab::experiments()) list += std::string(list.empty() ? "" : ", ") + e2.name;
      throw UsageError("lab: unknown experiment '" + o->name + "' (" + list + ", all)");
    }
    for (const auto& a : lab::split_list(o->acts)) {
      (void)Activation::parse(a);  // unknown names fail here, before any work
    }
    try {
      (void)lab::Formula::parse(o->formula);
    } catch (const lab::FormulaError& e) {
      throw UsageError(std::string("lab: ") + e.what());
    }
    const std::filesystem::path out = o->out;
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec || !std::filesystem::is_directory(out) || ::access(out.c_str(), W_OK) != 0) {
      throw UsageError("lab: cannot write to the report directory " + o->out);
    }
    if (!lab::gnuplot_available()) fmt::print("gnuplot not found: writing the data only (apt install gnuplot-nox)\n");
    std::string command = "actlab lab " + o->name;
    if (o->quick) command += " --quick";
    if (o->seed != 1) command += " --seed " + std::to_string(o->seed);
    const auto previous = std::signal(SIGINT, on_lab_sigint);
    g_stop = false;
    const auto t_all = std::chrono::steady_clock::now();
    std::vector<lab::ExperimentReport> done;
    for (const auto* e : todo) {
      if (g_stop) break;
      fmt::print("== {}: {}\n", e->name, e->title);
      std::fflush(stdout);
      lab::LabOptions lo;
      lo.dir = out / e->name;
      std::filesystem::create_directories(lo.dir, ec);
      lo.seed = o->seed;
      lo.quick = o->quick;
      lo.acts = o->acts;
      lo.depth = o->depth;
      lo.width = o->width;
      lo.formula = o->formula;
      lo.stop = &g_stop;
      lo.log = [](const std::string& line) {
        fmt::print("{}\n", line);
        std::fflush(stdout);
      };
      const auto t0 = std::chrono::steady_clock::now();
      lab::ExperimentReport r = e->run(lo);
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      r.command = "actlab lab " + std::string(e->name) + (o->quick ? " --quick" : "") +
                  (o->seed != 1 ? " --seed " + std::to_string(o->seed) : "");
      r.seed = o->seed;
      if (g_stop) r.notes.push_back("interrupted (Ctrl-C): the runs stopped early; these results are partial");
      lab::write_experiment(r, lo.dir, versions());
      if (!r.terminal_plot.empty()) fmt::print("{}", r.terminal_plot);
      for (const auto& v : r.verdicts) fmt::print("verdict: {}\n", v);
      for (const auto& n : r.notes) fmt::print("note: {}\n", n);
      fmt::print("   ({:.1f} s) {}\n", r.seconds, (lo.dir / "index.html").string());
      done.push_back(std::move(r));
      // A consistent index after every experiment: this run's reports, and those earlier runs
      // left in the same directory, in the catalog's order.
      std::vector<lab::ExperimentReport> listed;
      for (const auto& known : lab::experiments()) {
        const auto mine = std::find_if(done.begin(), done.end(), [&](const auto& d) { return d.name == known.name; });
        if (mine != done.end()) {
          listed.push_back(*mine);
        } else if (auto earlier = lab::read_experiment(out / known.name)) {
          listed.push_back(std::move(*earlier));
        }
      }
      lab::write_index(listed, out, command, versions());
    }
    std::signal(SIGINT, previous);
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_all).count();
    fmt::print("report: {} ({} experiment{}, {:.1f} s)\n", (out / "index.html").string(), done.size(),
               done.size() == 1 ? "" : "s", total);
    if (g_stop) throw Interrupted("lab: interrupted; the report holds what finished");
  });
}

void add_plot(CLI::App& app) {
  struct Opts {
    std::vector<std::string> names;
    std::string range = "-5:5", out;
    bool derivative = false, force = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("plot", "Plot activations (and derivatives) to an SVG or PNG file");
  cmd->add_option("names", o->names, "Catalog activations, e.g. relu gelu 'leaky_relu(0.1)'")->required();
  cmd->add_option("--range", o->range, "x range a:b (default -5:5)");
  cmd->add_option("--out", o->out, "Output file, .svg or .png")->required();
  cmd->add_flag("--derivative", o->derivative, "Also plot the derivatives");
  cmd->add_flag("--force", o->force, "Replace an existing output file");
  cmd->callback([o] {
    const auto colon = o->range.find(':');
    double a = 0, b = 0;
    if (colon == std::string::npos || !parse_double(o->range.substr(0, colon), &a) ||
        !parse_double(o->range.substr(colon + 1), &b) || !std::isfinite(a) || !std::isfinite(b) || !(a < b)) {
      throw UsageError("plot: --range must be a:b with finite a < b, not '" + o->range + "'");
    }
    const std::filesystem::path out = o->out;
    const std::string ext = out.extension().string();
    if (ext != ".svg" && ext != ".png") throw UsageError("plot: --out must end in .svg or .png");
    if (std::filesystem::exists(out) && !o->force) {
      throw UsageError("plot: " + o->out + " exists (add --force to replace it)");
    }
    lab::PlotSpec p{"", "x", "", false, false, a, b, 0, 0, {}};
    for (const auto& n : o->names) {
      const Activation act = Activation::parse(n);
      lab::Series f{act.to_string(), {}, {}}, d{act.to_string() + "'", {}, {}, "lines dt 2"};
      for (int i = 0; i <= 1000; ++i) {
        const double x = a + (b - a) * i / 1000.0;
        f.x.push_back(x);
        f.y.push_back(act.eval(x));
        d.x.push_back(x);
        d.y.push_back(act.derivative(x));
      }
      p.series.push_back(f);
      if (o->derivative) p.series.push_back(d);
      p.title += (p.title.empty() ? "" : ", ") + act.to_string();
    }
    const std::filesystem::path stem = out.parent_path() / out.stem();
    if (!out.parent_path().empty() && !std::filesystem::is_directory(out.parent_path())) {
      throw UsageError("plot: no directory " + out.parent_path().string());
    }
    std::string why;
    try {
      why = lab::plot(p, stem);
    } catch (const data::DataError& e) {
      throw UsageError(std::string("plot: ") + e.what());
    }
    // plot() writes both formats; keep the one asked for.
    std::error_code ec;
    std::filesystem::remove(stem.string() + (ext == ".svg" ? ".png" : ".svg"), ec);
    if (!why.empty()) {
      fmt::print("{}\n", why);
    } else {
      fmt::print("{} (data: {}.csv)\n", out.string(), stem.string());
    }
  });
}

}  // namespace actlab::cli
