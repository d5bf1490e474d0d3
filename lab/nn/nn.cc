// nn.cc — layers, initializers, the MLP, optimizers and the training loop.
#include "nn.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "actlab/loss.h"

namespace actlab::nn {
namespace {

std::span<const double> view(const Matrix& m) { return {m.data(), static_cast<std::size_t>(m.size())}; }
std::span<double> view(Matrix& m) { return {m.data(), static_cast<std::size_t>(m.size())}; }

[[noreturn]] void bad_spec(std::string_view spec, const std::string& what) {
  throw std::invalid_argument("model '" + std::string(spec) + "': " + what);
}

// Splits on '-' outside parentheses, so "64:leaky_relu(negative_slope=0.2)" stays whole.
std::vector<std::string> split_spec(std::string_view spec) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (const char c : spec) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == '-' && depth == 0) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

}  // namespace

// ---------------------------------------------------------------- Dense

Dense::Dense(std::size_t in, std::size_t out)
    : w(Matrix::Zero(static_cast<Eigen::Index>(out), static_cast<Eigen::Index>(in))),
      b(Matrix::Zero(1, static_cast<Eigen::Index>(out))),
      dw(Matrix::Zero(static_cast<Eigen::Index>(out), static_cast<Eigen::Index>(in))),
      db(Matrix::Zero(1, static_cast<Eigen::Index>(out))) {}

Matrix Dense::forward(const Matrix& x, bool) {
  x_for_dw_ = x;                 // (batch, in)
  Matrix y = x * w.transpose();  // (batch, out)
  y.rowwise() += b.row(0);
  return y;
}

Matrix Dense::backward(const Matrix& dy) {
  dw.noalias() += dy.transpose() * x_for_dw_;  // (out, in)
  db += dy.colwise().sum();                    // (1, out)
  return dy * w;                               // (batch, in)
}

std::vector<Param> Dense::parameters() { return {{"weight", &w, &dw}, {"bias", &b, &db}}; }

std::string Dense::summary() const {
  std::ostringstream s;
  s << "Dense(" << w.cols() << " -> " << w.rows() << ", " << (w.size() + b.size()) << " parameters)";
  return s.str();
}

// ---------------------------------------------------------------- activation

Matrix ActivationLayer::forward(const Matrix& x, bool) {
  h_for_backward_ = x;  // (batch, units)
  Matrix y(x.rows(), x.cols());
  act_.forward(view(h_for_backward_), view(y));
  return y;
}

Matrix ActivationLayer::backward(const Matrix& dy) {
  Matrix dx(dy.rows(), dy.cols());
  act_.backward(view(h_for_backward_), view(dy), view(dx));
  return dx;
}

std::string ActivationLayer::summary() const { return "Activation(" + act_.to_string() + ")"; }

// ---------------------------------------------------------------- initialization

Init init_from_string(std::string_view name) {
  static constexpr std::pair<std::string_view, Init> kNames[] = {
      {"auto", Init::kAuto},
      {"torch", Init::kTorchDefault},
      {"kaiming_uniform", Init::kKaimingUniform},
      {"kaiming", Init::kKaimingNormal},
      {"kaiming_normal", Init::kKaimingNormal},
      {"he", Init::kKaimingNormal},
      {"xavier", Init::kXavierUniform},
      {"xavier_uniform", Init::kXavierUniform},
      {"glorot", Init::kXavierUniform},
      {"xavier_normal", Init::kXavierNormal},
      {"lecun", Init::kLecunNormal},
      {"lecun_normal", Init::kLecunNormal},
      {"lecun_uniform", Init::kLecunUniform},
  };
  for (const auto& [n, i] : kNames) {
    if (n == name) return i;
  }
  throw std::invalid_argument("unknown initializer '" + std::string(name) +
                              "' (auto, torch, kaiming, kaiming_uniform, xavier, xavier_normal, lecun, lecun_uniform)");
}

std::string_view to_string(Init init) {
  switch (init) {
    case Init::kAuto:
      return "auto";
    case Init::kTorchDefault:
      return "torch";
    case Init::kKaimingUniform:
      return "kaiming_uniform";
    case Init::kKaimingNormal:
      return "kaiming_normal";
    case Init::kXavierUniform:
      return "xavier_uniform";
    case Init::kXavierNormal:
      return "xavier_normal";
    case Init::kLecunUniform:
      return "lecun_uniform";
    case Init::kLecunNormal:
      return "lecun_normal";
  }
  return "?";
}

void initialize(Dense& layer, Init init, const Activation& next, std::mt19937_64& rng) {
  const double fan_in = static_cast<double>(layer.w.cols());
  const double fan_out = static_cast<double>(layer.w.rows());
  if (init == Init::kAuto) {
    switch (next.info().init) {
      case InitFamily::kKaiming:
        init = Init::kKaimingNormal;
        break;
      case InitFamily::kXavier:
        init = Init::kXavierUniform;
        break;
      case InitFamily::kLecun:
        init = Init::kLecunNormal;
        break;
    }
  }
  // Gains: PyTorch's table where it has the function; ReLU's √2 for other Kaiming-family
  // functions (what kaiming_normal_(nonlinearity='relu') gives them in practice); 1 otherwise.
  const auto tg = next.torch_gain();
  const bool kaiming_family = next.info().init == InitFamily::kKaiming;
  const double gain = tg ? *tg : (kaiming_family ? std::sqrt(2.0) : 1.0);
  std::normal_distribution<double> n01(0.0, 1.0);
  std::uniform_real_distribution<double> u11(-1.0, 1.0);
  const auto fill_normal = [&](double stddev) {
    for (Eigen::Index i = 0; i < layer.w.size(); ++i) layer.w.data()[i] = stddev * n01(rng);
  };
  const auto fill_uniform = [&](double bound) {
    for (Eigen::Index i = 0; i < layer.w.size(); ++i) layer.w.data()[i] = bound * u11(rng);
  };
  layer.b.setZero();
  switch (init) {
    case Init::kTorchDefault: {  // nn.Linear: kaiming_uniform(a=√5) = U(±1/√fan_in), bias likewise
      const double bound = 1.0 / std::sqrt(fan_in);
      fill_uniform(bound);
      for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b.data()[i] = bound * u11(rng);
      break;
    }
    case Init::kKaimingUniform:
      fill_uniform(gain * std::sqrt(3.0 / fan_in));
      break;
    case Init::kKaimingNormal:
      fill_normal(gain / std::sqrt(fan_in));
      break;
    case Init::kXavierUniform:
      fill_uniform(gain * std::sqrt(6.0 / (fan_in + fan_out)));
      break;
    case Init::kXavierNormal:
      fill_normal(gain * std::sqrt(2.0 / (fan_in + fan_out)));
      break;
    case Init::kLecunUniform:
      fill_uniform(std::sqrt(3.0 / fan_in));
      break;
    case Init::kLecunNormal:
      fill_normal(1.0 / std::sqrt(fan_in));
      break;
    case Init::kAuto:
      break;
  }
}

// ---------------------------------------------------------------- MLP

Mlp::Mlp(std::string_view spec, std::string_view act, Init init, std::uint64_t seed) {
  const auto parts = split_spec(spec);
  if (parts.size() < 2) bad_spec(spec, "need at least an input and an output width, like 2-64-3");
  const Activation default_act = Activation::parse(act);
  std::vector<std::size_t> widths;
  std::vector<Activation> acts;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto colon = parts[i].find(':');
    const std::string width = parts[i].substr(0, colon);
    std::size_t w = 0;
    const auto r = std::from_chars(width.data(), width.data() + width.size(), w);
    if (r.ec != std::errc() || r.ptr != width.data() + width.size() || w == 0) {
      bad_spec(spec, "layer " + std::to_string(i) + " width '" + width + "' is not a positive whole number");
    }
    if (colon != std::string::npos && (i == 0 || i + 1 == parts.size())) {
      bad_spec(spec, "only hidden layers take an activation ('width:activation')");
    }
    widths.push_back(w);
    acts.push_back(colon == std::string::npos ? default_act : Activation::parse(parts[i].substr(colon + 1)));
  }
  inputs_ = widths.front();
  outputs_ = widths.back();
  std::mt19937_64 rng(seed);
  for (std::size_t i = 1; i < widths.size(); ++i) {
    auto dense = std::make_unique<Dense>(widths[i - 1], widths[i]);
    const bool hidden = i + 1 < widths.size();
    initialize(*dense, init, hidden ? acts[i] : Activation(ActId::identity), rng);
    layers_.push_back(std::move(dense));
    if (hidden) layers_.push_back(std::make_unique<ActivationLayer>(acts[i]));
  }
}

Matrix Mlp::forward(const Matrix& x, bool training) {
  Matrix h = x;
  for (auto& layer : layers_) h = layer->forward(h, training);
  return h;
}

void Mlp::backward(const Matrix& dout) {
  Matrix g = dout;
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) g = (*it)->backward(g);
}

std::vector<Param> Mlp::parameters() {
  std::vector<Param> out;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    for (Param p : layers_[i]->parameters()) {
      p.name = "layers." + std::to_string(i) + "." + p.name;
      out.push_back(p);
    }
  }
  return out;
}

void Mlp::zero_grad() {
  for (const Param& p : parameters()) p.grad->setZero();
}

std::string Mlp::summary() const {
  std::ostringstream s;
  for (std::size_t i = 0; i < layers_.size(); ++i) s << "  " << i << ": " << layers_[i]->summary() << "\n";
  return s.str();
}

// ---------------------------------------------------------------- optimizers

Optimizer::Optimizer(std::vector<Param> params, OptimizerOptions options)
    : params_(std::move(params)), o_(std::move(options)) {
  static constexpr std::string_view kKinds[] = {"sgd", "momentum", "nesterov", "adam", "adamw"};
  if (std::find(std::begin(kKinds), std::end(kKinds), o_.kind) == std::end(kKinds)) {
    throw std::invalid_argument("unknown optimizer '" + o_.kind + "' (sgd, momentum, nesterov, adam, adamw)");
  }
  if (!(o_.lr > 0) || !std::isfinite(o_.lr)) throw std::invalid_argument("learning rate must be finite and > 0");
  for (const Param& p : params_) {
    m_.push_back(Matrix::Zero(p.value->rows(), p.value->cols()));
    v_.push_back(Matrix::Zero(p.value->rows(), p.value->cols()));
  }
}

double Optimizer::step() {
  double sq = 0;
  for (const Param& p : params_) sq += p.grad->squaredNorm();
  const double norm = std::sqrt(sq);
  const double clip = (o_.clip_norm > 0 && norm > o_.clip_norm) ? o_.clip_norm / norm : 1.0;
  ++t_;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Matrix& w = *params_[i].value;
    Matrix g = *params_[i].grad * clip;
    if (o_.kind != "adamw" && o_.weight_decay > 0) g += o_.weight_decay * w;  // L2, as torch.optim
    if (o_.kind == "sgd") {
      w -= o_.lr * g;
    } else if (o_.kind == "momentum" || o_.kind == "nesterov") {
      m_[i] = o_.momentum * m_[i] + g;
      w -= o_.lr * (o_.kind == "nesterov" ? Matrix(g + o_.momentum * m_[i]) : m_[i]);
    } else {
      m_[i] = o_.beta1 * m_[i] + (1 - o_.beta1) * g;
      v_[i] = o_.beta2 * v_[i] + (1 - o_.beta2) * g.cwiseProduct(g);
      const double c1 = 1 - std::pow(o_.beta1, static_cast<double>(t_));
      const double c2 = 1 - std::pow(o_.beta2, static_cast<double>(t_));
      if (o_.kind == "adamw" && o_.weight_decay > 0) w *= 1 - o_.lr * o_.weight_decay;  // decoupled
      w.array() -= o_.lr * (m_[i].array() / c1) / ((v_[i].array() / c2).sqrt() + o_.eps);
    }
  }
  return norm;
}

// ---------------------------------------------------------------- training

double cross_entropy_loss(const Matrix& logits, const std::vector<std::int64_t>& labels, Matrix* dlogits) {
  dlogits->resize(logits.rows(), logits.cols());
  return cross_entropy(view(logits), std::span<const std::int64_t>(labels), static_cast<std::size_t>(logits.cols()),
                       view(*dlogits));
}

double accuracy(const Matrix& logits, const std::vector<std::int64_t>& labels) {
  std::size_t right = 0;
  for (Eigen::Index r = 0; r < logits.rows(); ++r) {
    Eigen::Index best = 0;
    logits.row(r).maxCoeff(&best);
    right += best == labels[static_cast<std::size_t>(r)] ? 1 : 0;
  }
  return logits.rows() == 0 ? 0.0 : static_cast<double>(right) / static_cast<double>(logits.rows());
}

Matrix to_matrix(const data::Dataset& d) {
  Matrix m(static_cast<Eigen::Index>(d.size()), static_cast<Eigen::Index>(d.features));
  std::copy(d.x.begin(), d.x.end(), m.data());
  return m;
}

std::vector<EpochStats> train_classifier(Mlp& model, const data::Dataset& train, const data::Dataset& valid,
                                         const TrainOptions& o,
                                         const std::function<void(const EpochStats&)>& on_epoch) {
  if (!train.is_classification()) throw std::invalid_argument("train_classifier: the data set has no classes");
  if (train.features != model.inputs()) {
    throw std::invalid_argument("the model takes " + std::to_string(model.inputs()) + " inputs but " + train.name +
                                " has " + std::to_string(train.features) + " features");
  }
  if (train.classes > model.outputs()) {
    throw std::invalid_argument("the model has " + std::to_string(model.outputs()) + " outputs but " + train.name +
                                " has " + std::to_string(train.classes) + " classes");
  }
  if (o.batch == 0) throw std::invalid_argument("batch size must be > 0");
  Optimizer opt(model.parameters(), o.optimizer);
  const Matrix xt = to_matrix(train), xv = to_matrix(valid);
  std::vector<std::size_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(o.seed);
  std::vector<EpochStats> stats;
  for (std::size_t epoch = 1; epoch <= o.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t start = 0; start < order.size(); start += o.batch) {
      const std::size_t end = std::min(order.size(), start + o.batch);
      Matrix xb(static_cast<Eigen::Index>(end - start), xt.cols());  // (batch, features)
      std::vector<std::int64_t> yb;
      for (std::size_t k = start; k < end; ++k) {
        xb.row(static_cast<Eigen::Index>(k - start)) = xt.row(static_cast<Eigen::Index>(order[k]));
        yb.push_back(train.labels[order[k]]);
      }
      Matrix dlogits;
      const double loss = cross_entropy_loss(model.forward(xb, true), yb, &dlogits);
      if (!std::isfinite(loss)) {
        // Name the first layer whose output went non-finite.
        Matrix h = xb;
        std::size_t bad = 0;
        for (const auto& layer : model.layers()) {
          h = layer->forward(h, false);
          if (!h.allFinite()) break;
          ++bad;
        }
        throw std::runtime_error(
            "epoch " + std::to_string(epoch) +
            ": the loss is not finite; first non-finite output "
            "at layer " +
            std::to_string(bad) +
            (bad < model.layers().size() ? " (" + model.layers()[bad]->summary() + ")" : std::string()));
      }
      model.zero_grad();
      model.backward(dlogits);
      opt.step();
    }
    Matrix scratch;
    const Matrix lt = model.forward(xt, false), lv = model.forward(xv, false);
    stats.push_back({epoch, cross_entropy_loss(lt, train.labels, &scratch), accuracy(lt, train.labels),
                     cross_entropy_loss(lv, valid.labels, &scratch), accuracy(lv, valid.labels)});
    if (on_epoch) on_epoch(stats.back());
  }
  return stats;
}

}  // namespace actlab::nn
