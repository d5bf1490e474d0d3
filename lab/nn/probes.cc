// probes.cc — per-layer measurements on the probe set, and the warnings they raise.
#include "probes.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "actlab/loss.h"

namespace actlab::nn {
namespace {

using nlohmann::json;

std::span<const double> view(const Matrix& m) { return {m.data(), static_cast<std::size_t>(m.size())}; }
std::span<double> view(Matrix& m) { return {m.data(), static_cast<std::size_t>(m.size())}; }

Matrix target_matrix(const Matrix& out, const std::vector<std::int64_t>& labels, const std::vector<double>& values) {
  Matrix t = Matrix::Zero(out.rows(), out.cols());
  for (Eigen::Index r = 0; r < out.rows(); ++r) {
    if (labels.empty()) {
      t(r, 0) = values[static_cast<std::size_t>(r)];
    } else if (out.cols() == 1) {
      t(r, 0) = static_cast<double>(labels[static_cast<std::size_t>(r)]);
    } else {
      t(r, labels[static_cast<std::size_t>(r)]) = 1.0;
    }
  }
  return t;
}

std::size_t count_nonfinite(const Matrix& m) {
  return static_cast<std::size_t>(m.size()) - static_cast<std::size_t>(m.array().isFinite().count());
}

std::string fmt_share(double v) {
  std::ostringstream s;
  s.precision(3);
  s << 100 * v << " %";
  return s.str();
}

std::string fmt_num(double v) {
  std::ostringstream s;
  s.precision(3);
  s << v;
  return s.str();
}

bool bounded_both(const Nonlinearity& a) {
  const Activation* c = a.catalog();
  return c != nullptr && (c->info().props & kBoundedAbove) != 0 && (c->info().props & kBoundedBelow) != 0;
}

bool can_die(const Nonlinearity& a) {
  const Activation* c = a.catalog();
  return c == nullptr || (c->info().props & kZeroGradRegion) != 0;
}

}  // namespace

double model_loss(const ModelSpec& spec, const Matrix& out, const std::vector<std::int64_t>& labels,
                  const std::vector<double>& values, Matrix* grad) {
  grad->resize(out.rows(), out.cols());
  const auto cols = static_cast<std::size_t>(out.cols());
  switch (spec.loss) {
    case LossKind::kCrossEntropy:
      return cross_entropy(view(out), std::span<const std::int64_t>(labels), cols, view(*grad));
    case LossKind::kNll:
      return nll_loss(view(out), std::span<const std::int64_t>(labels), cols, view(*grad));
    case LossKind::kBceWithLogits:
      return bce_with_logits(view(out), view(target_matrix(out, labels, values)), view(*grad));
    case LossKind::kBce: {
      // Probabilities outside [0, 1] (no sigmoid before it) are a spec error the linter reports;
      // clamp so that the run shows the damage instead of stopping on the first batch.
      const Matrix p = out.cwiseMax(0.0).cwiseMin(1.0);
      return bce(view(p), view(target_matrix(out, labels, values)), view(*grad));
    }
    case LossKind::kMse:
      return mse_loss(view(out), view(target_matrix(out, labels, values)), view(*grad));
    case LossKind::kL1:
      return l1_loss(view(out), view(target_matrix(out, labels, values)), view(*grad));
    case LossKind::kHuber:
      return huber_loss(view(out), view(target_matrix(out, labels, values)), view(*grad));
  }
  return 0;
}

double model_metric(const ModelSpec& spec, const Matrix& out, const std::vector<std::int64_t>& labels,
                    const std::vector<double>& values) {
  if (out.rows() == 0) return 0.0;
  if (labels.empty()) {  // R²
    double mean = 0;
    for (const double v : values) mean += v;
    mean /= static_cast<double>(values.size());
    double sse = 0, sst = 0;
    for (Eigen::Index r = 0; r < out.rows(); ++r) {
      const double y = values[static_cast<std::size_t>(r)];
      sse += (out(r, 0) - y) * (out(r, 0) - y);
      sst += (y - mean) * (y - mean);
    }
    return sst > 0 ? 1 - sse / sst : 0.0;
  }
  const bool probs = spec.loss == LossKind::kBce || spec.output_activation == "sigmoid";
  std::size_t right = 0;
  for (Eigen::Index r = 0; r < out.rows(); ++r) {
    Eigen::Index best = 0;
    if (out.cols() == 1) {
      best = out(r, 0) > (probs ? 0.5 : 0.0) ? 1 : 0;
    } else {
      out.row(r).maxCoeff(&best);
    }
    right += best == labels[static_cast<std::size_t>(r)] ? 1 : 0;
  }
  return static_cast<double>(right) / static_cast<double>(out.rows());
}

Prober::Prober(Mlp& model, const Matrix& x, std::vector<std::int64_t> labels, std::vector<double> values,
               ProbeOptions options)
    : model_(model), x_(x), labels_(std::move(labels)), values_(std::move(values)), o_(options) {
  for (const auto& h : model_.hidden()) {
    const theory::Fn fn = h.act->fn();
    // Peak |φ'| on a fine grid, and histogram edges: 0.5 apart on [-8, 8], the kinks,
    // and 0.125 apart where the function bends into saturation.
    double peak = 0;
    std::vector<double> edges;
    for (int i = -64; i <= 64; ++i) {
      const double z = i / 8.0;
      peak = std::max(peak, std::abs(fn.df(z)));
      if (i % 4 == 0) edges.push_back(z);
    }
    for (int i = -64; i <= 64; ++i) {
      const double z = i / 8.0;
      const double r = std::abs(fn.df(z)) / (peak > 0 ? peak : 1);
      if (r > 0.02 && r < 0.5) edges.push_back(z);
    }
    for (const double k : fn.kinks) {
      if (std::abs(k) < 8) edges.push_back(k);
    }
    std::sort(edges.begin(), edges.end());
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
    edges_.push_back(edges);
    peak_.push_back(peak);
    dead_state.emplace_back(static_cast<std::size_t>(h.dense->w.rows()), 0);
  }
}

void Prober::warn(std::vector<Warning>* out, Warning w) {
  if (!warned.insert({w.code, w.layer}).second) return;
  if (out != nullptr) out->push_back(std::move(w));
}

ProbeRecord Prober::measure(std::size_t step, std::size_t epoch, std::vector<Warning>* new_warnings) {
  ProbeRecord rec;
  rec.step = step;
  rec.epoch = epoch;
  const Matrix out = model_.forward(x_, false);
  Matrix dout;
  rec.loss = model_loss(model_.spec(), out, labels_, values_, &dout);
  model_.zero_grad();
  std::vector<Matrix> grads;
  model_.backward(dout, &grads);
  auto hidden = model_.hidden();
  const double n = static_cast<double>(x_.rows());

  // Theory: the q the length map predicts from the actual weight scales.
  std::vector<double> predicted;
  if (!measured_once && !hidden.empty()) {
    std::vector<theory::Fn> fns;
    std::vector<theory::Sigmas> sig;
    for (const auto& h : hidden) {
      fns.push_back(h.act->fn());
      sig.push_back(
          {static_cast<double>(h.dense->w.cols()) * h.dense->w.squaredNorm() / static_cast<double>(h.dense->w.size()),
           h.dense->b.squaredNorm() / static_cast<double>(h.dense->b.size())});
    }
    predicted = theory::propagate(fns, sig, x_.squaredNorm() / static_cast<double>(x_.size()));
  }

  for (std::size_t k = 0; k < hidden.size(); ++k) {
    const auto& hl = hidden[k];
    const Matrix& h = hl.act->pre_activation();  // (samples, units)
    const Matrix y = hl.act->forward(h, false);
    const Matrix d = hl.act->derivative(h);
    const Matrix& g = grads[hl.index];  // ∂L/∂h
    LayerProbe p;
    p.layer = k + 1;
    p.activation = hl.act->summary();
    p.units = static_cast<std::size_t>(h.cols());
    // Dead units: φ'(h) = 0 for every probe sample; transitions against the last probe.
    std::size_t dead = 0, inactive = 0;
    for (Eigen::Index c = 0; c < h.cols(); ++c) {
      inactive += (h.col(c).array() <= 0.0).all() ? 1 : 0;
      const bool is_dead = (d.col(c).array() == 0.0).all();
      dead += is_dead ? 1 : 0;
      char& prev = dead_state[k][static_cast<std::size_t>(c)];
      if (is_dead && prev == 0 && measured_once) ++p.died;
      if (!is_dead && prev != 0) ++p.revived;
      prev = is_dead ? 1 : 0;
    }
    p.dead_units = static_cast<double>(dead) / static_cast<double>(h.cols());
    p.inactive_units = static_cast<double>(inactive) / static_cast<double>(h.cols());
    const auto size = static_cast<double>(h.size());
    p.zero_fraction = static_cast<double>((y.array() == 0.0).count()) / size;
    p.saturated = static_cast<double>((d.array().abs() < o_.saturation_rel * peak_[k]).count()) / size;
    if (bounded_both(*hl.act)) {
      const theory::Fn fn = hl.act->fn();
      const double lo = fn.f(-1e3), hi = fn.f(1e3), tol = 0.01 * (hi - lo);
      p.bound_saturated =
          static_cast<double>(((y.array() - lo).abs() < tol || (y.array() - hi).abs() < tol).count()) / size;
    }
    p.pre_mean = h.mean();
    p.pre_moment = h.squaredNorm() / size;
    p.pre_std = std::sqrt(std::max(0.0, p.pre_moment - p.pre_mean * p.pre_mean));
    // Percentiles by successive selection (linear time), each on the part right of the last.
    std::vector<double> sorted(h.data(), h.data() + h.size());
    auto from = sorted.begin();
    for (const double q : {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99}) {
      const auto at = sorted.begin() + static_cast<std::ptrdiff_t>(q * static_cast<double>(sorted.size() - 1));
      std::nth_element(from, at, sorted.end());
      p.percentiles.push_back(*at);
      from = at;
    }
    p.histogram.edges = edges_[k];
    p.histogram.counts.assign(edges_[k].size() - 1, 0);
    for (const double v : sorted) {
      if (!(v >= edges_[k].front())) {
        ++p.histogram.below;
      } else if (v >= edges_[k].back()) {
        ++p.histogram.above;
      } else {
        const auto it = std::upper_bound(edges_[k].begin(), edges_[k].end(), v);
        ++p.histogram.counts[static_cast<std::size_t>(it - edges_[k].begin()) - 1];
      }
    }
    const double ymean = y.mean();
    p.forward_variance = y.squaredNorm() / size - ymean * ymean;
    p.backward_norm = g.norm() / std::sqrt(n);
    p.weight_grad_norm = hl.dense->dw.norm();
    p.nonfinite = count_nonfinite(h) + count_nonfinite(y) + count_nonfinite(g);
    if (!predicted.empty()) p.theory_moment = predicted[k];
    rec.layers.push_back(std::move(p));
  }
  model_.zero_grad();

  if (!rec.layers.empty()) {
    const auto& f = rec.layers.front();
    const auto& l = rec.layers.back();
    rec.backward_ratio = l.backward_norm > 0 ? f.backward_norm / l.backward_norm : 0.0;
    rec.weight_grad_ratio = l.weight_grad_norm > 0 ? f.weight_grad_norm / l.weight_grad_norm : 0.0;
  }

  // Warnings, once per (code, layer).
  const auto at = [&](std::string code, std::string severity, std::size_t layer, std::string message) {
    warn(new_warnings, {std::move(code), std::move(severity), layer, step, epoch, std::move(message)});
  };
  for (const auto& p : rec.layers) {
    const std::string where = "layer " + std::to_string(p.layer) + " (" + p.activation + ")";
    if (p.nonfinite > 0) {
      at("non-finite", "warning", p.layer,
         where + ": " + std::to_string(p.nonfinite) + " NaN/inf values at step " + std::to_string(step));
    }
    const Nonlinearity& act = *hidden[p.layer - 1].act;
    if (can_die(act) && p.dead_units > o_.dead_warn) {
      at("dead-units", "warning", p.layer,
         where + ": " + fmt_share(p.dead_units) + " of units are dead (zero gradient for every probe sample) at step " +
             std::to_string(step) + "; try a smaller learning rate, leaky_relu or a different init");
    }
    if (bounded_both(act) && p.saturated > o_.saturation_warn) {
      at("saturation", "warning", p.layer,
         where + ": " + fmt_share(p.saturated) + " of activations are saturated (|φ'| < " +
             fmt_num(o_.saturation_rel * peak_[p.layer - 1]) + ") at step " + std::to_string(step) +
             "; gradients through it nearly vanish");
    }
    if (p.theory_moment > 0 && p.pre_moment > 0) {
      const double r = p.pre_moment / p.theory_moment;
      if (r > 2 || r < 0.5) {
        at("init-variance", "info", p.layer,
           where + ": measured E[h²] = " + fmt_num(p.pre_moment) + " at initialization, mean-field theory predicts " +
               fmt_num(p.theory_moment) + " (×" + fmt_num(r) + ")");
      }
    }
  }
  if (rec.layers.size() >= 2 && step > 0) {
    if (rec.backward_ratio < o_.vanish) {
      at("vanishing-gradient", "warning", 0,
         "the backward signal shrinks ×" + fmt_num(rec.backward_ratio) +
             " from the last hidden layer to the first at step " + std::to_string(step) +
             "; the first layers barely learn");
    } else if (rec.backward_ratio > o_.explode) {
      at("exploding-gradient", "warning", 0,
         "the backward signal grows ×" + fmt_num(rec.backward_ratio) +
             " from the last hidden layer to the first at step " + std::to_string(step));
    }
  }
  measured_once = true;
  return rec;
}

void Prober::before_update() {
  w_before_.clear();
  for (const auto& h : model_.hidden()) w_before_.push_back(h.dense->w);
}

void Prober::after_update(ProbeRecord& record) {
  auto hidden = model_.hidden();
  for (std::size_t k = 0; k < hidden.size() && k < w_before_.size() && k < record.layers.size(); ++k) {
    const double norm = w_before_[k].norm();
    record.layers[k].update_ratio = norm > 0 ? (hidden[k].dense->w - w_before_[k]).norm() / norm : 0.0;
  }
  if (!record.layers.empty() && record.layers.back().update_ratio > 0) {
    record.update_ratio = record.layers.front().update_ratio / record.layers.back().update_ratio;
  }
  w_before_.clear();
}

namespace {
json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
}  // namespace

std::string to_json(const ProbeRecord& r) {
  json layers = json::array();
  for (const auto& p : r.layers) {
    json percentiles = json::array();
    for (const double v : p.percentiles) percentiles.push_back(finite_or_null(v));
    layers.push_back({{"layer", p.layer},
                      {"activation", p.activation},
                      {"units", p.units},
                      {"dead_units", p.dead_units},
                      {"zero_fraction", p.zero_fraction},
                      {"inactive_units", p.inactive_units},
                      {"died", p.died},
                      {"revived", p.revived},
                      {"saturated", p.saturated},
                      {"bound_saturated", p.bound_saturated < 0 ? json(nullptr) : json(p.bound_saturated)},
                      {"pre_mean", finite_or_null(p.pre_mean)},
                      {"pre_std", finite_or_null(p.pre_std)},
                      {"pre_percentiles", percentiles},
                      {"histogram",
                       {{"edges", p.histogram.edges},
                        {"counts", p.histogram.counts},
                        {"below", p.histogram.below},
                        {"above", p.histogram.above}}},
                      {"forward_variance", finite_or_null(p.forward_variance)},
                      {"pre_moment", finite_or_null(p.pre_moment)},
                      {"theory_moment", p.theory_moment < 0 ? json(nullptr) : finite_or_null(p.theory_moment)},
                      {"backward_norm", finite_or_null(p.backward_norm)},
                      {"weight_grad_norm", finite_or_null(p.weight_grad_norm)},
                      {"update_ratio", p.update_ratio < 0 ? json(nullptr) : finite_or_null(p.update_ratio)},
                      {"nonfinite", p.nonfinite}});
  }
  return json{{"step", r.step},
              {"epoch", r.epoch},
              {"loss", finite_or_null(r.loss)},
              {"backward_ratio", finite_or_null(r.backward_ratio)},
              {"weight_grad_ratio", finite_or_null(r.weight_grad_ratio)},
              {"update_ratio", finite_or_null(r.update_ratio)},
              {"layers", layers}}
      .dump();
}

std::string to_json(const Warning& w) {
  return json{{"code", w.code}, {"severity", w.severity}, {"layer", w.layer},
              {"step", w.step}, {"epoch", w.epoch},       {"message", w.message}}
      .dump();
}

}  // namespace actlab::nn
