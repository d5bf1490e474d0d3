// experiments.cc — compare, depth, dead-relu, double-softmax, init-mismatch,
// saturation, gelu-approx and custom: the seeds' "Practice" lists, each runnable alone.
#include "experiments.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <sstream>

#include "actlab/activation.h"
#include "formula.h"
#include "lint.h"
#include "plot.h"
#include "theory.h"
#include "train.h"

namespace actlab::lab {
namespace {

using nn::Matrix;
using Clock = std::chrono::steady_clock;

}  // namespace

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (const char c : s) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

namespace {

data::Split prepared(const std::string& spec, std::size_t n, double noise, std::uint64_t seed) {
  data::Split s = data::split(data::load(spec, n, noise, seed), 0.2, seed + 1);
  const auto z = data::Standardizer::fit(s.train);
  z.apply(s.train);
  z.apply(s.valid);
  return s;
}

struct Run {
  std::vector<nn::EpochStats> history;
  std::vector<nn::ProbeRecord> probes;
  std::vector<nn::Warning> warnings;
  double seconds = 0;
  bool diverged = false;
};

Run train(nn::Mlp& model, const data::Split& s, nn::TrainOptions o, const LabOptions& lo,
          const std::function<void(const nn::EpochStats&)>& on_epoch = {}) {
  Run r;
  nn::Trainer t(model, s.train, s.valid, o);
  t.on_epoch = on_epoch;
  const auto t0 = Clock::now();
  try {
    t.run(lo.stop);
  } catch (const nn::Diverged&) {
    r.diverged = true;
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.history = t.history();
  r.probes = t.probes();
  r.warnings = t.warnings();
  return r;
}

nn::TrainOptions options(std::size_t epochs, double lr, const std::string& opt, std::uint64_t seed) {
  nn::TrainOptions o;
  o.epochs = epochs;
  o.batch = 64;
  o.optimizer.kind = opt;
  o.optimizer.lr = lr;
  o.seed = seed;
  return o;
}

// One curve per epoch from a run's history: field is &nn::EpochStats::valid_acc, ::train_loss, ...
Series per_epoch(const std::string& title, const std::vector<nn::EpochStats>& history, double nn::EpochStats::*field) {
  Series out{title, {}, {}};
  for (const auto& e : history) {
    out.x.push_back(static_cast<double>(e.epoch));
    out.y.push_back(e.*field);
  }
  return out;
}

std::string f3(double v) { return fmt::format("{:.3g}", v); }
std::string pct(double v) { return fmt::format("{:.1f} %", 100 * v); }

void say(const LabOptions& o, const std::string& line) {
  if (o.log) o.log(line);
}

void figure(ExperimentReport& r, const LabOptions& o, const PlotSpec& p, const std::string& stem,
            const std::string& explanation) {
  const std::string why = plot(p, o.dir / stem);
  if (r.terminal_plot.empty()) r.terminal_plot = plot_text(p, 78, 18);
  if (!why.empty() && std::find(r.notes.begin(), r.notes.end(), why) == r.notes.end()) r.notes.push_back(why);
  r.figures.push_back({stem, p.title, explanation});
}

// ---------------------------------------------------------------- compare

ExperimentReport compare(const LabOptions& o) {
  ExperimentReport r;
  r.name = "compare";
  r.title = "The same MLP with different activations";
  r.question =
      "Which activation learns fastest and best when nothing else changes? Every network has the same widths, "
      "initialization matched to its activation (init auto), optimizer, data and seed; only the hidden activation "
      "differs.";
  const auto acts = split_list(o.acts.empty() ? "sigmoid,tanh,relu,leaky_relu,elu,gelu,silu,mish" : o.acts);
  struct Set {
    const char* data;
    const char* model;
    std::size_t n, epochs;
    double lr;
  };
  const Set sets[] = {{"spirals:3", "2-64-64-3", 900, o.quick ? 8u : 60u, 1e-2},
                      {"digits", "64-64-10", 0, o.quick ? 2u : 15u, 1e-3}};
  Table t{"Final results", {"activation"}, {}};
  for (const auto& set : sets) {
    t.header.push_back(std::string(set.data) + " valid accuracy");
    t.header.push_back(std::string(set.data) + " train loss");
    t.header.push_back(std::string(set.data) + " ms/epoch");
  }
  std::vector<std::vector<std::string>> rows(acts.size());
  for (std::size_t a = 0; a < acts.size(); ++a) rows[a].push_back(acts[a]);
  for (const auto& set : sets) {
    const data::Split s = prepared(set.data, set.n, 0.05, o.seed);
    PlotSpec acc{
        std::string("Validation accuracy on ") + set.data, "epoch", "accuracy", false, false, 0, 0, 0, 1.02, {}};
    PlotSpec loss{std::string("Training loss on ") + set.data, "epoch", "cross-entropy", false, true, 0, 0, 0, 0, {}};
    std::string best;
    double best_acc = -1;
    for (std::size_t a = 0; a < acts.size(); ++a) {
      nn::Mlp m(nn::ModelSpec::parse(set.model, acts[a]));
      nn::TrainOptions to = options(set.epochs, set.lr, "adam", o.seed + 7);
      to.probes.enabled = false;
      const Run run = train(m, s, to, o);
      acc.series.push_back(per_epoch(acts[a], run.history, &nn::EpochStats::valid_acc));
      loss.series.push_back(per_epoch(acts[a], run.history, &nn::EpochStats::train_loss));
      const double va = run.history.empty() ? 0 : run.history.back().valid_acc;
      const double tl = run.history.empty() ? NAN : run.history.back().train_loss;
      const double ms = run.history.empty() ? 0 : 1e3 * run.seconds / static_cast<double>(run.history.size());
      rows[a].push_back(fmt::format("{:.3f}", va));
      rows[a].push_back(fmt::format("{:.4f}", tl));
      rows[a].push_back(fmt::format("{:.1f}", ms));
      r.numbers[fmt::format("{}/{}/valid_accuracy", set.data, acts[a])] = va;
      r.numbers[fmt::format("{}/{}/train_loss", set.data, acts[a])] = tl;
      r.numbers[fmt::format("{}/{}/ms_per_epoch", set.data, acts[a])] = ms;
      say(o, fmt::format("  {:<10} {:<12} valid accuracy {:.3f}  loss {:.4f}  {:.1f} ms/epoch", set.data, acts[a], va,
                         tl, ms));
      if (va > best_acc) {
        best_acc = va;
        best = acts[a];
      }
    }
    const std::string stem = std::string("accuracy-") + (set.n ? "spirals" : "digits");
    figure(r, o, acc, stem,
           "Validation accuracy per epoch. Look for how fast each curve rises and where it levels off: "
           "saturating functions (sigmoid) start slowly because their gradients are small; ReLU-family and "
           "smooth self-gated functions (GELU, SiLU, Mish) rise fastest.");
    figure(r, o, loss, std::string("loss-") + (set.n ? "spirals" : "digits"),
           "Training loss on a log scale: a straight downward line is steady learning; a plateau is a network "
           "whose gradients are too small to move it.");
    r.verdicts.push_back(fmt::format("{}: best validation accuracy {:.3f} with {}", set.data, best_acc, best));
  }
  t.rows = rows;
  r.tables.push_back(t);
  return r;
}

// ---------------------------------------------------------------- depth

// ‖∂L/∂h_l‖ predicted by mean-field theory up to a constant: ∏_{k>l} √χ_k.
std::vector<double> predicted_backward(nn::Mlp& m, double input_moment) {
  std::vector<theory::Fn> fns;
  std::vector<theory::Sigmas> sig;
  for (const auto& h : m.hidden()) {
    fns.push_back(h.act->fn());
    sig.push_back(
        {static_cast<double>(h.dense->w.cols()) * h.dense->w.squaredNorm() / static_cast<double>(h.dense->w.size()),
         h.dense->b.squaredNorm() / static_cast<double>(h.dense->b.size())});
  }
  const auto q = theory::propagate(fns, sig, input_moment);
  std::vector<double> g(q.size(), 1.0);
  for (std::size_t l = q.size(); l-- > 1;) {
    const double chi = sig[l].w2 * theory::derivative_moment(fns[l], q[l - 1 + 1]);
    g[l - 1] = g[l] * std::sqrt(chi);
  }
  return g;
}

ExperimentReport depth(const LabOptions& o) {
  ExperimentReport r;
  r.name = "depth";
  r.title = fmt::format("Gradients through a {}-layer stack", o.depth);
  r.question =
      "How does the gradient signal travel back through a deep stack? Each net has " + std::to_string(o.depth) +
      " hidden layers of " + std::to_string(o.width) +
      " units with init matched to the activation; we measure the backward signal ‖∂L/∂h‖ and the weight-gradient "
      "norm at every layer, at initialization and after some training, against mean-field theory's prediction.";
  const data::Split s = prepared("spirals:3", 900, 0.05, o.seed);
  const Matrix x = nn::to_matrix(s.train);
  const double input_moment = x.squaredNorm() / static_cast<double>(x.size());
  PlotSpec back{
      "Backward signal per layer at initialization", "hidden layer", "RMS |dL/dh|", false, true, 0, 0, 0, 0, {}};
  PlotSpec wg{"Weight-gradient norm per layer", "hidden layer", "|dL/dW|", false, true, 0, 0, 0, 0, {}};
  Table t{"First-to-last layer ratios",
          {"activation", "backward ratio at init", "theory", "weight-grad ratio after training",
           "first-layer ‖∂L/∂W‖ at init"},
          {}};
  std::string spec = "2";
  for (std::size_t i = 0; i < o.depth; ++i) spec += "-" + std::to_string(o.width);
  spec += "-3";
  for (const char* act : {"sigmoid", "tanh", "relu", "gelu"}) {
    nn::Mlp m(nn::ModelSpec::parse(spec, act));
    const auto theory_g = predicted_backward(m, input_moment);
    nn::TrainOptions to = options(o.quick ? 2 : 9, 1e-3, "adam", o.seed + 3);
    to.probes.every = 100;
    const Run run = train(m, s, to, o);
    if (run.probes.empty()) continue;
    const auto& init = run.probes.front();
    const auto& last = run.probes.back();
    Series sb{std::string(act) + " measured", {}, {}, "linespoints"},
        st{std::string(act) + " theory", {}, {}, "lines dt 2"};
    Series w0{std::string(act) + " at init", {}, {}, "linespoints"},
        w1{std::string(act) + fmt::format(" after {} steps", last.step), {}, {}, "lines dt 2"};
    const double scale = init.layers.back().backward_norm / theory_g.back();
    for (std::size_t l = 0; l < init.layers.size(); ++l) {
      sb.x.push_back(static_cast<double>(l + 1));
      sb.y.push_back(init.layers[l].backward_norm);
      st.x.push_back(static_cast<double>(l + 1));
      st.y.push_back(theory_g[l] * scale);
      w0.x.push_back(static_cast<double>(l + 1));
      w0.y.push_back(init.layers[l].weight_grad_norm);
      w1.x.push_back(static_cast<double>(l + 1));
      w1.y.push_back(last.layers[l].weight_grad_norm);
    }
    back.series.push_back(sb);
    back.series.push_back(st);
    wg.series.push_back(w0);
    wg.series.push_back(w1);
    const double theory_ratio = theory_g.front() / theory_g.back();
    r.numbers[std::string(act) + "/backward_ratio_init"] = init.backward_ratio;
    r.numbers[std::string(act) + "/backward_ratio_theory"] = theory_ratio;
    r.numbers[std::string(act) + "/first_layer_weight_grad_init"] = init.layers.front().weight_grad_norm;
    r.numbers[std::string(act) + "/weight_grad_ratio_trained"] = last.weight_grad_ratio;
    t.rows.push_back({act, fmt::format("{:.3g}", init.backward_ratio), fmt::format("{:.3g}", theory_ratio),
                      fmt::format("{:.3g}", last.weight_grad_ratio),
                      fmt::format("{:.3g}", init.layers.front().weight_grad_norm)});
    say(o, fmt::format("  {:<8} backward first/last at init {:.3g} (theory {:.3g}); first-layer ‖∂L/∂W‖ {:.3g}", act,
                       init.backward_ratio, theory_ratio, init.layers.front().weight_grad_norm));
  }
  r.tables.push_back(t);
  figure(r, o, back, "backward",
         "The backward signal at each hidden layer at initialization (log scale), measured (points) and predicted "
         "by mean-field theory (dashed: each layer multiplies it by √χ, χ = σ_w²·E[φ'(h)²]). Sigmoid's χ is far "
         "below 1, so the signal falls by orders of magnitude before it reaches the first layer: the vanishing "
         "gradient. ReLU with Kaiming init has χ = 1 and keeps it flat.");
  figure(r, o, wg, "weight-gradients",
         "The gradient each layer's weights receive, at initialization and after training. Layers whose gradient "
         "is orders of magnitude smaller barely learn.");
  const double ratio =
      r.numbers["sigmoid/first_layer_weight_grad_init"] / r.numbers["relu/first_layer_weight_grad_init"];
  r.numbers["sigmoid_over_relu_first_layer"] = ratio;
  r.verdicts.push_back(fmt::format(
      "sigmoid's first-layer weight gradient is {:.2g}× ReLU's ({:.2g} orders of magnitude smaller); its backward "
      "signal shrinks ×{:.2g} from the last hidden layer to the first (theory ×{:.2g}), ReLU's ×{:.2g}",
      ratio, -std::log10(ratio), r.numbers["sigmoid/backward_ratio_init"], r.numbers["sigmoid/backward_ratio_theory"],
      r.numbers["relu/backward_ratio_init"]));
  return r;
}

// ---------------------------------------------------------------- dead-relu

ExperimentReport dead_relu(const LabOptions& o) {
  ExperimentReport r;
  r.name = "dead-relu";
  r.title = "Dead ReLUs from a too-large learning rate";
  r.question =
      "A ReLU unit whose pre-activation is negative for every input outputs 0 and gets no gradient: it is dead and "
      "stays dead. Does a too-large learning rate kill units, does a smaller one spare them, and does Leaky ReLU "
      "(a small slope for x < 0) let units come back?";
  const data::Split s = prepared("spirals:3", 900, 0.05, o.seed);
  struct Case {
    const char* label;
    const char* act;
    double lr;
  };
  const double big = 0.2, small = 0.02;
  const Case cases[] = {{"relu, lr 0.2", "relu", big},
                        {"relu, lr 0.02", "relu", small},
                        {"leaky_relu(0.05), lr 0.2", "leaky_relu(0.05)", big}};
  PlotSpec dead{"Dead units over training (largest share in any layer)",
                "step",
                "share of units",
                false,
                false,
                0,
                0,
                -0.02,
                1.02,
                {}};
  PlotSpec acc{"Validation accuracy", "epoch", "accuracy", false, false, 0, 0, 0, 1.02, {}};
  Table t{
      "After training",
      {"run", "dead units (ReLU) / units negative on every input", "revived units", "valid accuracy", "first warning"},
      {}};
  for (const auto& c : cases) {
    nn::Mlp m(nn::ModelSpec::parse("2-64-64-64-3", c.act));
    nn::TrainOptions to = options(25, c.lr, "sgd", o.seed + 5);  // cheap: the same in --quick
    to.optimizer.momentum = 0.9;
    to.optimizer.kind = "momentum";
    to.probes.every = 5;
    const Run run = train(m, s, to, o);
    const bool leaky = std::string(c.act) != "relu";
    Series sd{c.label, {}, {}};
    double last = 0, peak = 0;
    std::size_t revived = 0;
    for (const auto& p : run.probes) {
      double worst = 0;
      for (const auto& l : p.layers) {
        worst = std::max(worst, leaky ? l.inactive_units : l.dead_units);
        revived += l.revived;
      }
      sd.x.push_back(static_cast<double>(p.step));
      sd.y.push_back(worst);
      last = worst;
      peak = std::max(peak, worst);
    }
    dead.series.push_back(sd);
    acc.series.push_back(per_epoch(c.label, run.history, &nn::EpochStats::valid_acc));
    const double va = run.history.empty() ? 0 : run.history.back().valid_acc;
    std::string first_warn = "none";
    for (const auto& w : run.warnings) {
      if (w.code == "dead-units") {
        first_warn = fmt::format("dead-units at step {} (layer {})", w.step, w.layer);
        break;
      }
    }
    const std::string key = std::string(c.act) + (c.lr == big ? "/large" : "/small");
    r.numbers[key + "/final"] = last;
    r.numbers[key + "/peak"] = peak;
    r.numbers[key + "/valid_accuracy"] = va;
    t.rows.push_back({c.label, pct(last) + " (peak " + pct(peak) + ")", std::to_string(revived), f3(va), first_warn});
    say(o, fmt::format("  {:<20} {} units {} at the end (peak {}), valid accuracy {:.3f}", c.label,
                       leaky ? "negative-on-every-input" : "dead", pct(last), pct(peak), va));
  }
  r.tables.push_back(t);
  figure(r, o, dead, "dead-units",
         "The largest share of dead units in any hidden layer, probed every 5 steps. With the large rate a few "
         "big updates push many ReLU units negative for every input. A dead unit gets no gradient through its "
         "own weights: it comes back only when the layers below it move its inputs, so the ReLU curve falls "
         "back slowly if at all (the table counts the units that came back). For Leaky ReLU the curve shows "
         "units negative on every input: they still get a gradient through the small slope, so the share can "
         "fall again. The seeds' rule of thumb flags a layer above 30 %.");
  figure(r, o, acc, "accuracy", "Validation accuracy per epoch: dead capacity costs accuracy.");
  // Whether the Leaky ReLU units came back is read off the run, not assumed: "recovered" when
  // the share at the end is at most three quarters of its peak.
  const double leaky_final = r.numbers["leaky_relu(0.05)/large/final"];
  const double leaky_peak = r.numbers["leaky_relu(0.05)/large/peak"];
  r.verdicts.push_back(fmt::format(
      "SGD with momentum at lr 0.2: {} of ReLU units dead at the end (peak {}); at lr 0.02: {}; Leaky ReLU at lr 0.2: "
      "{} of units negative on every input at the end, against a peak of {} ({}), validation accuracy "
      "{:.3f} vs ReLU's {:.3f}",
      pct(r.numbers["relu/large/final"]), pct(r.numbers["relu/large/peak"]), pct(r.numbers["relu/small/final"]),
      pct(leaky_final), pct(leaky_peak), leaky_final <= 0.75 * leaky_peak ? "they recovered" : "they did not recover",
      r.numbers["leaky_relu(0.05)/large/valid_accuracy"], r.numbers["relu/large/valid_accuracy"]));
  return r;
}

// ---------------------------------------------------------------- double-softmax

ExperimentReport double_softmax(const LabOptions& o) {
  ExperimentReport r;
  r.name = "double-softmax";
  r.title = "Softmax before cross-entropy (the double softmax)";
  r.question =
      "cross_entropy takes raw logits and applies log_softmax itself. What happens when the model already ends "
      "in a softmax? The same digits MLP is trained twice: once on logits, once with an output softmax.";
  const data::Split s = prepared("digits", 0, 0, o.seed);
  PlotSpec loss{"True loss: -log p(correct class) on validation",
                "epoch",
                "negative log-likelihood",
                false,
                true,
                0,
                0,
                0,
                0,
                {}};
  PlotSpec seen{"Loss the optimizer sees", "epoch", "cross_entropy", false, false, 0, 0, 0, 0, {}};
  PlotSpec grad{"Gradient reaching the first layer", "epoch", "|dL/dW1|", false, true, 0, 0, 0, 0, {}};
  const Matrix xv = nn::to_matrix(s.valid);
  for (const char* output : {"none", "softmax"}) {
    nn::ModelSpec spec = nn::ModelSpec::parse("64-64-64-10", "relu");
    spec.output_activation = output;
    nn::Mlp m(spec);
    const bool dbl = std::string(output) == "softmax";
    const std::string label = dbl ? "softmax -> cross_entropy" : "logits -> cross_entropy";
    Series sl{label, {}, {}}, ss{label, {}, {}}, sg{label, {}, {}};
    const auto on_epoch = [&](const nn::EpochStats& e) {
      const Matrix out = m.forward(xv, false);
      double nll = 0;
      for (Eigen::Index i = 0; i < out.rows(); ++i) {
        const auto y = s.valid.labels[static_cast<std::size_t>(i)];
        if (dbl) {
          nll -= std::log(std::max(out(i, y), 1e-300));
        } else {
          const double mx = out.row(i).maxCoeff();
          nll -= out(i, y) - mx - std::log((out.row(i).array() - mx).exp().sum());
        }
      }
      sl.x.push_back(static_cast<double>(e.epoch));
      sl.y.push_back(nll / static_cast<double>(out.rows()));
      ss.x.push_back(static_cast<double>(e.epoch));
      ss.y.push_back(e.train_loss);
    };
    nn::TrainOptions to = options(o.quick ? 3 : 20, 1e-3, "adam", o.seed + 9);
    to.probes.every = 0;
    const Run run = train(m, s, to, o, on_epoch);
    for (const auto& p : run.probes) {
      if (p.step == 0 || p.layers.empty()) continue;
      sg.x.push_back(static_cast<double>(p.epoch));
      sg.y.push_back(p.layers.front().weight_grad_norm);
    }
    loss.series.push_back(sl);
    seen.series.push_back(ss);
    grad.series.push_back(sg);
    const std::string key = dbl ? "softmax" : "logits";
    r.numbers[key + "/true_nll"] = sl.y.empty() ? NAN : sl.y.back();
    r.numbers[key + "/train_loss"] = run.history.empty() ? NAN : run.history.back().train_loss;
    r.numbers[key + "/valid_accuracy"] = run.history.empty() ? 0 : run.history.back().valid_acc;
    r.numbers[key + "/first_layer_grad"] = sg.y.empty() ? NAN : sg.y.back();
    say(o,
        fmt::format("  {:<24} true NLL {:.4f}, optimizer's loss {:.4f}, valid accuracy {:.3f}", label,
                    r.numbers[key + "/true_nll"], r.numbers[key + "/train_loss"], r.numbers[key + "/valid_accuracy"]));
    if (dbl) {
      for (const auto& f : nn::lint(spec)) {
        r.verdicts.push_back("actlab check says: " + f.code + " " + f.severity + " [" + f.name + "]: " + f.message);
      }
    }
  }
  figure(r, o, loss, "true-loss",
         "The negative log-likelihood of the correct class on validation data: the loss that matters. On logits it "
         "keeps falling; with the extra softmax the probabilities are pushed through softmax twice and the model "
         "cannot become confident.");
  figure(r, o, seen, "optimizer-loss",
         "The loss the optimizer minimizes. With a softmax before cross_entropy it cannot go below "
         "log(1 + 9/e) ≈ 1.46 for 10 classes even when every answer is right: the floor is the tell-tale sign.");
  figure(r, o, grad, "gradients",
         "Gradient norm reaching the first layer, per epoch (log scale): the softmax's Jacobian shrinks the "
         "gradient as outputs saturate, so the double-softmax model learns more slowly.");
  r.verdicts.insert(r.verdicts.begin(),
                    fmt::format("optimizer's final loss {:.3f} with the double softmax vs {:.3f} on logits; true NLL "
                                "{:.3f} vs {:.3f}; validation accuracy {:.3f} vs {:.3f}",
                                r.numbers["softmax/train_loss"], r.numbers["logits/train_loss"],
                                r.numbers["softmax/true_nll"], r.numbers["logits/true_nll"],
                                r.numbers["softmax/valid_accuracy"], r.numbers["logits/valid_accuracy"]));
  return r;
}

// ---------------------------------------------------------------- init-mismatch

ExperimentReport init_mismatch(const LabOptions& o) {
  ExperimentReport r;
  r.name = "init-mismatch";
  r.title = "Initialization that does not match the activation";
  r.question =
      "Kaiming (He) init is made for ReLU, Xavier (Glorot) for tanh and sigmoid. What happens to the "
      "pre-activations of an 8-layer net when they are swapped? Mismatched pairs are trained beside matched ones "
      "on digits and probed every few steps.";
  const data::Split s = prepared("digits", 0, 0, o.seed);
  struct Case {
    const char* label;
    const char* act;
    nn::Init init;
    bool matched;
  };
  const Case cases[] = {{"tanh + kaiming (mismatch)", "tanh", nn::Init::kKaimingNormal, false},
                        {"tanh + xavier (matched)", "tanh", nn::Init::kXavierNormal, true},
                        {"relu + xavier (mismatch)", "relu", nn::Init::kXavierNormal, false},
                        {"relu + kaiming (matched)", "relu", nn::Init::kKaimingNormal, true}};
  PlotSpec sat{"Saturated tanh units (slope < 5 % of its peak), mean over layers",
               "step",
               "share",
               false,
               false,
               0,
               0,
               -0.01,
               0,
               {}};
  PlotSpec q{"Pre-activation E[h^2] at the last hidden layer", "step", "E[h^2]", false, true, 0, 0, 0, 0, {}};
  PlotSpec hist{
      "Pre-activations of the last tanh layer after training", "h", "share of values", false, false, -6, 6, 0, 0, {}};
  PlotSpec layers{
      "E[h^2] per layer at initialization: measured vs theory", "hidden layer", "E[h^2]", false, true, 0, 0, 0, 0, {}};
  Table t{"Findings",
          {"run", "mean saturation", "last-layer E[h²] at init", "theory", "valid accuracy", "actlab check"},
          {}};
  std::string spec_text = "64";
  for (int i = 0; i < 8; ++i) spec_text += "-64";
  spec_text += "-10";
  for (const auto& c : cases) {
    nn::ModelSpec spec = nn::ModelSpec::parse(spec_text, c.act);
    spec.init = c.init;
    nn::Mlp m(spec);
    nn::TrainOptions to = options(o.quick ? 2 : 6, 1e-3, "adam", o.seed + 11);
    to.probes.every = 5;
    const Run run = train(m, s, to, o);
    Series ss{c.label, {}, {}}, sq{c.label, {}, {}};
    double mean_sat = 0;
    for (const auto& p : run.probes) {
      double v = 0;
      for (const auto& l : p.layers) v += l.saturated;
      v /= static_cast<double>(std::max<std::size_t>(1, p.layers.size()));
      ss.x.push_back(static_cast<double>(p.step));
      ss.y.push_back(v);
      sq.x.push_back(static_cast<double>(p.step));
      sq.y.push_back(p.layers.back().pre_moment);
      mean_sat += v;
    }
    mean_sat /= static_cast<double>(std::max<std::size_t>(1, run.probes.size()));
    if (std::string(c.act) == "tanh") {
      sat.series.push_back(ss);
      const auto& h = run.probes.back().layers.back().histogram;
      Series sh{c.label, {}, {}, "steps"};
      std::size_t total = h.below + h.above;
      for (const auto n : h.counts) total += n;
      for (std::size_t k = 0; k < h.counts.size(); ++k) {
        sh.x.push_back(h.edges[k]);
        sh.y.push_back(static_cast<double>(h.counts[k]) / static_cast<double>(total) / (h.edges[k + 1] - h.edges[k]));
      }
      hist.series.push_back(sh);
    }
    q.series.push_back(sq);
    Series lm{std::string(c.label) + " measured", {}, {}, "points pt 7"}, lt{std::string(c.label) + " theory", {}, {}};
    for (const auto& l : run.probes.front().layers) {
      lm.x.push_back(static_cast<double>(l.layer));
      lm.y.push_back(l.pre_moment);
      lt.x.push_back(static_cast<double>(l.layer));
      lt.y.push_back(l.theory_moment);
    }
    layers.series.push_back(lm);
    layers.series.push_back(lt);
    const auto findings = nn::lint(spec);
    const std::string key = std::string(c.act) + (c.matched ? "/matched" : "/mismatched");
    r.numbers[key + "/mean_saturation"] = mean_sat;
    r.numbers[key + "/last_layer_q_init"] = run.probes.front().layers.back().pre_moment;
    r.numbers[key + "/valid_accuracy"] = run.history.empty() ? 0 : run.history.back().valid_acc;
    t.rows.push_back({c.label, pct(mean_sat), f3(run.probes.front().layers.back().pre_moment),
                      f3(run.probes.front().layers.back().theory_moment), f3(r.numbers[key + "/valid_accuracy"]),
                      findings.empty() ? "no findings" : findings.front().code + " " + findings.front().name});
    say(o, fmt::format("  {:<28} mean saturation {}, last-layer E[h²] at init {:.3g}, valid accuracy {:.3f}", c.label,
                       pct(mean_sat), run.probes.front().layers.back().pre_moment, r.numbers[key + "/valid_accuracy"]));
  }
  r.tables.push_back(t);
  figure(r, o, sat, "saturation",
         "Share of tanh units in the flat tails. Kaiming's σ_w² = 2 is twice what tanh needs: pre-activations are "
         "wide, more units sit where tanh' ≈ 0 and gradients through them nearly vanish.");
  figure(r, o, q, "last-layer-moment",
         "E[h²] at the last hidden layer during training. Xavier with ReLU halves the signal at every layer "
         "(ReLU passes half of it), so deep layers start with a tiny signal; Kaiming keeps it steady.");
  figure(r, o, layers, "theory",
         "E[h²] per layer at initialization: points are measured on the probe set, lines are mean-field theory's "
         "length map from the actual weight scales.");
  figure(r, o, hist, "histogram",
         "Distribution of the last tanh layer's pre-activations after training: mass beyond |h| ≈ 2 is saturated.");
  r.verdicts.push_back(fmt::format(
      "tanh: {} saturated on average with Kaiming vs {} with Xavier; ReLU: last-layer E[h²] at init {:.3g} with "
      "Xavier vs {:.3g} with Kaiming",
      pct(r.numbers["tanh/mismatched/mean_saturation"]), pct(r.numbers["tanh/matched/mean_saturation"]),
      r.numbers["relu/mismatched/last_layer_q_init"], r.numbers["relu/matched/last_layer_q_init"]));
  return r;
}

// ---------------------------------------------------------------- saturation

ExperimentReport saturation(const LabOptions& o) {
  ExperimentReport r;
  r.name = "saturation";
  r.title = "Saturation: the gradient through a sigmoid at 0.99";
  r.question =
      "When a sigmoid's output is 0.99 its input is about 4.6 and its slope about 0.0099: a hundredth of the "
      "gradient gets through. What does that do through several saturated layers in a row?";
  const Activation sig(ActId::sigmoid), tanh(ActId::tanh), relu(ActId::relu);
  const double xs = std::log(0.99 / 0.01);  // σ(xs) = 0.99
  const double xt = std::atanh(0.99);       // tanh(xt) = 0.99
  r.numbers["sigmoid_slope_at_099"] = sig.derivative(xs);
  r.numbers["tanh_slope_at_099"] = tanh.derivative(xt);
  PlotSpec curve{"Sigmoid and its derivative", "x", "", false, false, -10, 10, 0, 1.02, {}};
  Series f{"sigmoid(x)", {}, {}}, d{"sigmoid'(x)", {}, {}}, mark{"sigmoid(x) = 0.99", {xs, xs}, {0, 1}, "lines dt 3"};
  for (int i = -1000; i <= 1000; ++i) {
    const double x = i / 100.0;
    f.x.push_back(x);
    f.y.push_back(sig.eval(x));
    d.x.push_back(x);
    d.y.push_back(sig.derivative(x));
  }
  curve.series = {f, d, mark};
  PlotSpec stack{"Gradient left after k saturated layers", "k", "product of slopes", false, true, 0, 0, 0, 0, {}};
  Series ss{"sigmoid at output 0.99", {}, {}, "linespoints"}, st{"tanh at output 0.99", {}, {}, "linespoints"},
      sr{"relu (x > 0)", {}, {}, "linespoints"}, sm{"sigmoid at its best (x = 0)", {}, {}, "linespoints"};
  for (int k = 0; k <= 10; ++k) {
    ss.x.push_back(k);
    ss.y.push_back(std::pow(sig.derivative(xs), k));
    st.x.push_back(k);
    st.y.push_back(std::pow(tanh.derivative(xt), k));
    sr.x.push_back(k);
    sr.y.push_back(std::pow(relu.derivative(1.0), k));
    sm.x.push_back(k);
    sm.y.push_back(std::pow(sig.derivative(0.0), k));
  }
  stack.series = {ss, st, sm, sr};
  // Measured: a 6-layer sigmoid MLP pushed into saturation by a bias of 4.6 (outputs ≈ 0.99), probed once.
  const data::Split s = prepared("spirals", 400, 0.1, o.seed);
  PlotSpec measured{
      "Measured backward signal, 6 sigmoid layers", "hidden layer", "RMS |dL/dh|", false, true, 0, 0, 0, 0, {}};
  for (const double bias : {0.0, xs}) {
    nn::Mlp m(nn::ModelSpec::parse("2-32-32-32-32-32-32-2", "sigmoid"));
    for (auto& h : m.hidden()) h.dense->b.setConstant(bias);
    nn::Prober p(m, nn::to_matrix(s.train), s.train.labels, {}, nn::ProbeOptions{});
    const auto rec = p.measure(0, 0, nullptr);
    Series sm2{bias == 0 ? "bias 0" : "bias 4.6 (outputs near 0.99)", {}, {}, "linespoints"};
    double sat = 0;
    for (const auto& l : rec.layers) {
      sm2.x.push_back(static_cast<double>(l.layer));
      sm2.y.push_back(l.backward_norm);
      sat += l.saturated / static_cast<double>(rec.layers.size());
    }
    measured.series.push_back(sm2);
    const std::string key = bias == 0 ? "unsaturated" : "saturated";
    r.numbers[key + "/backward_ratio"] = rec.backward_ratio;
    r.numbers[key + "/saturated_share"] = sat;
  }
  figure(r, o, curve, "sigmoid",
         "The sigmoid flattens quickly: beyond |x| ≈ 4.6 (output 0.99 or 0.01) its slope is below 0.01. Even at its "
         "steepest point the slope is only 0.25.");
  figure(r, o, stack, "stacked",
         "What is left of a gradient after k layers, each multiplying it by the local slope. Five saturated sigmoid "
         "layers leave 10⁻¹⁰; even unsaturated sigmoids lose ×0.25 per layer. ReLU passes it unchanged for x > 0.");
  figure(r, o, measured, "measured",
         "Measured in a real network: a bias of 4.6 holds every sigmoid near 0.99, where its slope is 0.0099, and "
         "the backward signal collapses layer after layer; without it the signal still shrinks (×0.25 at best).");
  r.verdicts.push_back(fmt::format(
      "σ'(x) at σ(x) = 0.99 is {:.4f} (tanh' at 0.99: {:.4f}); through 5 such layers {:.2g} of the gradient is left; "
      "measured in a 6-layer sigmoid net, the backward signal falls ×{:.2g} from the last hidden layer to the first "
      "when saturated ({} of units) vs ×{:.2g} without the bias",
      r.numbers["sigmoid_slope_at_099"], r.numbers["tanh_slope_at_099"], std::pow(r.numbers["sigmoid_slope_at_099"], 5),
      r.numbers["saturated/backward_ratio"], pct(r.numbers["saturated/saturated_share"]),
      r.numbers["unsaturated/backward_ratio"]));
  return r;
}

// ---------------------------------------------------------------- gelu-approx

ExperimentReport gelu_approx(const LabOptions& o) {
  ExperimentReport r;
  r.name = "gelu-approx";
  r.title = "Exact GELU against its tanh and sigmoid approximations";
  r.question =
      "GELU is x·Φ(x). Two cheaper forms are common: the tanh approximation (PyTorch's approximate='tanh') and "
      "x·σ(1.702x). How far are they from the exact function, and what do they save?";
  const Activation exact(ActId::gelu), tanh_a(ActId::gelu_tanh), sig_a(ActId::gelu_sigmoid);
  PlotSpec err{"Absolute error against exact GELU", "x", "|approx - exact|", false, true, -6, 6, 0, 0, {}};
  PlotSpec derr{"Absolute error of the derivative", "x", "|approx' - exact'|", false, true, -6, 6, 0, 0, {}};
  Table t{
      "Accuracy and cost",
      {"function", "max |error| on [-6, 6]", "at x", "max |error'|", "ns per element (float32, 1 Mi)", "cost vs exact"},
      {}};
  // Cost from the kernels, one run, same buffer.
  std::vector<float> xin(1 << 20), yout(1 << 20);
  for (std::size_t i = 0; i < xin.size(); ++i)
    xin[i] = -6.0f + 12.0f * static_cast<float>(i) / static_cast<float>(xin.size());
  const auto cost = [&](const Activation& a) {
    double best = 1e30;
    for (int rep = 0; rep < (o.quick ? 3 : 15); ++rep) {
      const auto t0 = Clock::now();
      a.forward(xin, yout);
      best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    return 1e9 * best / static_cast<double>(xin.size());
  };
  const double base = cost(exact);
  t.rows.push_back({"gelu (exact)", "0", "-", "0", fmt::format("{:.2f}", base), "1.00×"});
  for (const auto* a : {&tanh_a, &sig_a}) {
    Series se{std::string(a->name()), {}, {}}, sd{std::string(a->name()), {}, {}};
    double worst = 0, at = 0, dworst = 0;
    for (int i = -600; i <= 600; ++i) {
      const double x = i / 100.0;
      const double e = std::abs(a->eval(x) - exact.eval(x));
      const double de = std::abs(a->derivative(x) - exact.derivative(x));
      se.x.push_back(x);
      se.y.push_back(e);
      sd.x.push_back(x);
      sd.y.push_back(de);
      if (e > worst) {
        worst = e;
        at = x;
      }
      dworst = std::max(dworst, de);
    }
    err.series.push_back(se);
    derr.series.push_back(sd);
    const double c = cost(*a);
    r.numbers[std::string(a->name()) + "/max_error"] = worst;
    r.numbers[std::string(a->name()) + "/max_derivative_error"] = dworst;
    r.numbers[std::string(a->name()) + "/cost_ratio"] = c / base;
    t.rows.push_back({std::string(a->name()), fmt::format("{:.3g}", worst), fmt::format("{:.2f}", at),
                      fmt::format("{:.3g}", dworst), fmt::format("{:.2f}", c), fmt::format("{:.2f}×", c / base)});
  }
  r.tables.push_back(t);
  figure(r, o, err, "error",
         "Pointwise error of each approximation (log scale). The tanh form stays within about 5·10⁻⁴; x·σ(1.702x) "
         "is simpler but about 40× less accurate, worst near |x| ≈ 2.");
  figure(r, o, derr, "derivative-error", "The same for the derivatives, which is what backpropagation uses.");
  r.verdicts.push_back(fmt::format(
      "max |error|: gelu_tanh {:.2g}, gelu_sigmoid {:.2g}; cost relative to exact GELU in actlab's float32 kernels: "
      "{:.2f}× and {:.2f}× (one run, this machine)",
      r.numbers["gelu_tanh/max_error"], r.numbers["gelu_sigmoid/max_error"], r.numbers["gelu_tanh/cost_ratio"],
      r.numbers["gelu_sigmoid/cost_ratio"]));
  return r;
}

// ---------------------------------------------------------------- custom

ExperimentReport custom(const LabOptions& o) {
  ExperimentReport r;
  r.name = "custom";
  r.title = "Your own activation: " + o.formula;
  r.question =
      "An activation written as a formula, differentiated automatically (dual numbers: exact, no finite "
      "differences), checked against the seeds' design criteria, given its variance-preserving gain, then trained "
      "beside ReLU on 3-arm spirals.";
  const Formula f = Formula::parse(o.formula);
  theory::Fn fn{o.formula, [f](double x) { return f.eval(x); }, [f](double x) { return f.derivative(x); }, {0.0}};
  // The seeds' criteria, measured on a grid.
  double dmin = 1e300, dmax = -1e300, fmin = 1e300, kink = 0, kink_at = 0;
  bool finite = true;
  for (int i = -20000; i <= 20000; ++i) {
    const double x = i / 1000.0;
    const double v = f.eval(x), d = f.derivative(x);
    finite = finite && std::isfinite(v) && std::isfinite(d);
    dmin = std::min(dmin, d);
    dmax = std::max(dmax, d);
    fmin = std::min(fmin, v);
    const double jump = std::abs(f.derivative(x + 1e-9) - f.derivative(x - 1e-9));
    if (jump > kink) {
      kink = jump;
      kink_at = x;
    }
  }
  const double far_left = f.eval(-1000), slope_right = f.derivative(20), slope_left = f.derivative(-20);
  const bool nonlinear = dmax - dmin > 1e-6;
  const bool smooth = kink < 1e-3;
  const bool no_vanishing = std::abs(slope_right) >= 0.1 || std::abs(slope_left) >= 0.1;
  const bool bounded_below = std::isfinite(far_left) && far_left > -10 && fmin > -10;
  Table crit{"Design criteria (the seeds' checklist)", {"criterion", "verdict", "evidence"}, {}};
  crit.rows.push_back(
      {"finite on [-20, 20]", finite ? "yes" : "NO", finite ? "f and f' finite on the grid" : "NaN or inf found"});
  crit.rows.push_back(
      {"non-linear", nonlinear ? "yes" : "NO", fmt::format("f' ranges over [{:.3g}, {:.3g}]", dmin, dmax)});
  crit.rows.push_back(
      {"differentiable everywhere", smooth ? "yes" : "NO",
       smooth ? "f' has no jump on the grid" : fmt::format("f' jumps by {:.3g} at x = {:.3g}", kink, kink_at)});
  crit.rows.push_back({"no vanishing gradient", no_vanishing ? "yes" : "NO",
                       fmt::format("f'(20) = {:.3g}, f'(-20) = {:.3g}", slope_right, slope_left)});
  crit.rows.push_back({"bounded below", bounded_below ? "yes" : "NO",
                       fmt::format("min on grid {:.3g}, f(-1000) = {:.3g}", fmin, far_left)});
  const double gain = finite ? theory::variance_gain(fn) : NAN;
  const double critical = finite ? theory::critical_sigma_w2(fn, 0.0) : NAN;
  crit.rows.push_back({"variance-preserving gain", fmt::format("{:.4g}", gain), "1/√E[f(z)²], z ~ N(0,1)"});
  crit.rows.push_back({"edge of chaos (σ_b = 0)",
                       std::isnan(critical) ? "none" : fmt::format("σ_w² = {:.4g}", critical), "mean-field theory"});
  r.tables.push_back(crit);
  r.numbers["nonlinear"] = nonlinear;
  r.numbers["smooth"] = smooth;
  r.numbers["no_vanishing_gradient"] = no_vanishing;
  r.numbers["bounded_below"] = bounded_below;
  r.numbers["gain"] = gain;
  PlotSpec shape{"The function and its derivative (automatic differentiation)", "x", "", false, false, -5, 5, 0, 0, {}};
  Series sf{"f(x)", {}, {}}, sd{"f'(x)", {}, {}}, sr{"relu(x)", {}, {}, "lines dt 2"};
  for (int i = -500; i <= 500; ++i) {
    const double x = i / 100.0;
    sf.x.push_back(x);
    sf.y.push_back(f.eval(x));
    sd.x.push_back(x);
    sd.y.push_back(f.derivative(x));
    sr.x.push_back(x);
    sr.y.push_back(x > 0 ? x : 0);
  }
  shape.series = {sf, sd, sr};
  figure(r, o, shape, "shape",
         "The formula and its exact derivative from forward-mode automatic differentiation, with ReLU for scale.");
  if (finite) {
    const data::Split s = prepared("spirals:3", 900, 0.05, o.seed);
    PlotSpec acc{"Validation accuracy on 3-arm spirals", "epoch", "accuracy", false, false, 0, 0, 0, 1.02, {}};
    for (const bool mine : {true, false}) {
      nn::Mlp m(nn::ModelSpec::parse("2-64-64-3", "relu"));
      if (mine) {
        for (std::size_t k = 0; k < m.hidden().size(); ++k)
          m.set_nonlinearity(k, std::make_unique<nn::FunctionLayer>(fn), true);
      }
      nn::TrainOptions to = options(o.quick ? 4 : 40, 1e-2, "adam", o.seed + 13);
      to.probes.enabled = false;
      const Run run = train(m, s, to, o);
      acc.series.push_back(per_epoch(mine ? "custom: " + o.formula : "relu", run.history, &nn::EpochStats::valid_acc));
      const double va = run.history.empty() || run.diverged ? 0 : run.history.back().valid_acc;
      r.numbers[mine ? "custom/valid_accuracy" : "relu/valid_accuracy"] = va;
      say(o, fmt::format("  {:<40} valid accuracy {:.3f}{}", mine ? o.formula : "relu", va,
                         run.diverged ? " (diverged)" : ""));
    }
    figure(r, o, acc, "accuracy",
           "The custom activation trained beside ReLU, same widths, optimizer and seed; init auto uses the custom "
           "function's variance-preserving gain.");
  }
  r.verdicts.push_back(fmt::format(
      "{}: non-linear {}, differentiable everywhere {}, no vanishing gradient {}, bounded below {}; gain {:.4g}; "
      "validation accuracy {:.3f} vs ReLU {:.3f}",
      o.formula, nonlinear ? "yes" : "no", smooth ? "yes" : "no", no_vanishing ? "yes" : "no",
      bounded_below ? "yes" : "no", gain, r.numbers["custom/valid_accuracy"], r.numbers["relu/valid_accuracy"]));
  return r;
}

}  // namespace

const std::vector<Experiment>& experiments() {
  static const std::vector<Experiment> kAll = {
      {"compare", "The same MLP with different activations", compare},
      {"depth", "Gradients through a deep stack", depth},
      {"dead-relu", "Dead ReLUs from a too-large learning rate", dead_relu},
      {"double-softmax", "Softmax before cross-entropy", double_softmax},
      {"init-mismatch", "Initialization that does not match the activation", init_mismatch},
      {"saturation", "Saturation: the gradient through a sigmoid at 0.99", saturation},
      {"gelu-approx", "Exact GELU against its approximations", gelu_approx},
      {"custom", "Your own activation as a formula", custom},
  };
  return kAll;
}

const Experiment* find_experiment(const std::string& name) {
  for (const auto& e : experiments()) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

}  // namespace actlab::lab
