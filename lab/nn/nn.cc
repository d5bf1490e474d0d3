// nn.cc — layers, initializers, the MLP, optimizers and schedules.
#include "nn.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace actlab::nn {
namespace {

std::span<const double> view(const Matrix& m) { return {m.data(), static_cast<std::size_t>(m.size())}; }
std::span<double> view(Matrix& m) { return {m.data(), static_cast<std::size_t>(m.size())}; }

// SplitMix64: decorrelates the seeds of consecutive steps and layers.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
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

// ---------------------------------------------------------------- catalog activation

Matrix ActivationLayer::forward(const Matrix& x, bool) {
  h_ = x;  // (batch, units)
  Matrix y(x.rows(), x.cols());
  act_.forward(view(h_), view(y));
  return y;
}

Matrix ActivationLayer::backward(const Matrix& dy) {
  Matrix dx(dy.rows(), dy.cols());
  act_.backward(view(h_), view(dy), view(dx));
  return dx;
}

Matrix ActivationLayer::derivative(const Matrix& h) const {
  const Matrix ones = Matrix::Ones(h.rows(), h.cols());
  Matrix d(h.rows(), h.cols());
  act_.backward(view(h), view(ones), view(d));
  return d;
}

std::string ActivationLayer::summary() const { return "Activation(" + act_.to_string() + ")"; }

// ---------------------------------------------------------------- PReLU

PReluLayer::PReluLayer(std::size_t units, bool per_unit, double init)
    : a(Matrix::Constant(1, per_unit ? static_cast<Eigen::Index>(units) : 1, init)),
      da(Matrix::Zero(1, a.cols())),
      act_(Activation(ActId::prelu).set("weight", init)) {}

Matrix PReluLayer::forward(const Matrix& x, bool) {
  h_ = x;  // (batch, units)
  Matrix y(x.rows(), x.cols());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    for (Eigen::Index c = 0; c < x.cols(); ++c) {
      const double v = x(r, c);
      y(r, c) = v > 0 ? v : slope(c) * v;
    }
  }
  return y;
}

Matrix PReluLayer::backward(const Matrix& dy) {
  Matrix dx(dy.rows(), dy.cols());
  for (Eigen::Index r = 0; r < dy.rows(); ++r) {
    for (Eigen::Index c = 0; c < dy.cols(); ++c) {
      const double v = h_(r, c);
      dx(r, c) = v > 0 ? dy(r, c) : slope(c) * dy(r, c);
      if (!(v > 0)) da(0, a.cols() == 1 ? 0 : c) += v * dy(r, c);  // ∂y/∂a = x for x ≤ 0
    }
  }
  return dx;
}

Matrix PReluLayer::derivative(const Matrix& h) const {
  Matrix d(h.rows(), h.cols());
  for (Eigen::Index r = 0; r < h.rows(); ++r) {
    for (Eigen::Index c = 0; c < h.cols(); ++c) d(r, c) = h(r, c) > 0 ? 1.0 : slope(c);
  }
  return d;
}

theory::Fn PReluLayer::fn() const {
  // The theory sees the mean slope.
  return theory::from_activation(Activation(ActId::prelu).set("weight", a.mean()));
}

std::string PReluLayer::summary() const {
  std::ostringstream s;
  s << "PReLU(" << a.cols() << (a.cols() == 1 ? " slope" : " slopes") << ", mean " << a.mean() << ")";
  return s.str();
}

// ---------------------------------------------------------------- RReLU

RReluLayer::RReluLayer(const Activation& act) : act_(act), lower_(act.param("lower")), upper_(act.param("upper")) {}

Matrix RReluLayer::forward(const Matrix& x, bool training) {
  h_ = x;  // (batch, units)
  slope_.resize(x.rows(), x.cols());
  if (training) {
    std::uniform_real_distribution<double> u(lower_, upper_);
    for (Eigen::Index i = 0; i < slope_.size(); ++i) slope_.data()[i] = u(rng_);
  } else {
    slope_.setConstant((lower_ + upper_) / 2);
  }
  return (x.array() > 0).select(x, slope_.cwiseProduct(x));
}

Matrix RReluLayer::backward(const Matrix& dy) { return (h_.array() > 0).select(dy, slope_.cwiseProduct(dy)); }

Matrix RReluLayer::derivative(const Matrix& h) const {
  return (h.array() > 0)
      .select(Matrix::Ones(h.rows(), h.cols()), Matrix::Constant(h.rows(), h.cols(), (lower_ + upper_) / 2));
}

// ---------------------------------------------------------------- function (custom formula)

Matrix FunctionLayer::forward(const Matrix& x, bool) {
  h_ = x;
  return x.unaryExpr([this](double v) { return fn_.f(v); });
}

Matrix FunctionLayer::backward(const Matrix& dy) { return derivative(h_).cwiseProduct(dy); }

Matrix FunctionLayer::derivative(const Matrix& h) const {
  return h.unaryExpr([this](double v) { return fn_.df(v); });
}

// ---------------------------------------------------------------- dropout

Matrix Dropout::forward(const Matrix& x, bool training) {
  if (!training || p_ == 0) {
    mask_ = Matrix::Ones(x.rows(), x.cols());
    return x;
  }
  std::bernoulli_distribution keep(1 - p_);
  mask_.resize(x.rows(), x.cols());
  for (Eigen::Index i = 0; i < mask_.size(); ++i) mask_.data()[i] = keep(rng_) ? 1 / (1 - p_) : 0.0;
  return x.cwiseProduct(mask_);
}

Matrix Dropout::backward(const Matrix& dy) { return dy.cwiseProduct(mask_); }

std::string Dropout::summary() const {
  std::ostringstream s;
  s << "Dropout(p=" << p_ << ")";
  return s.str();
}

// ---------------------------------------------------------------- softmax output

Matrix SoftmaxLayer::forward(const Matrix& x, bool) {
  y_.resize(x.rows(), x.cols());
  softmax_forward(kind_, view(x), view(y_), static_cast<std::size_t>(x.cols()));
  return y_;
}

Matrix SoftmaxLayer::backward(const Matrix& dy) {
  Matrix dx(dy.rows(), dy.cols());
  softmax_backward(kind_, view(y_), view(dy), view(dx), static_cast<std::size_t>(dy.cols()));
  return dx;
}

std::string SoftmaxLayer::summary() const { return std::string(to_string(kind_)) + "()"; }

// ---------------------------------------------------------------- initialization

double matched_gain(const Nonlinearity& next) {
  if (const Activation* a = next.catalog()) {
    if (const auto g = a->torch_gain()) return *g;
  }
  return theory::variance_gain(next.fn());
}

void initialize(Dense& layer, Init init, const Nonlinearity* next, std::mt19937_64& rng) {
  const double fan_in = static_cast<double>(layer.w.cols());
  const double fan_out = static_cast<double>(layer.w.rows());
  // `auto`: the family the catalog names for the function, with the matched gain
  // (PyTorch's table where it has the function, the variance-preserving gain otherwise).
  double gain = 1.0;
  if (init == Init::kAuto) {
    const InitFamily family =
        next == nullptr ? InitFamily::kXavier : (next->catalog() ? next->catalog()->info().init : InitFamily::kKaiming);
    init = family == InitFamily::kKaiming ? Init::kKaimingNormal
           : family == InitFamily::kLecun ? Init::kLecunNormal
                                          : Init::kXavierUniform;
    gain = next == nullptr || family == InitFamily::kLecun ? 1.0 : matched_gain(*next);
  } else if (init == Init::kKaimingNormal || init == Init::kKaimingUniform || init == Init::kKaimingNormalFanOut ||
             init == Init::kKaimingUniformFanOut) {
    gain = std::sqrt(2.0);  // PyTorch's kaiming_*_ default: nonlinearity='leaky_relu', a=0
  } else if (init == Init::kOrthogonal) {
    gain = next == nullptr ? 1.0 : matched_gain(*next);
  }
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
    case Init::kKaimingUniformFanOut:
      fill_uniform(gain * std::sqrt(3.0 / fan_out));
      break;
    case Init::kKaimingNormalFanOut:
      fill_normal(gain / std::sqrt(fan_out));
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
    case Init::kOrthogonal: {  // torch.nn.init.orthogonal_: Q of a Gaussian matrix, signs fixed by R's diagonal
      const bool tall = layer.w.rows() >= layer.w.cols();
      Eigen::MatrixXd g(tall ? layer.w.rows() : layer.w.cols(), tall ? layer.w.cols() : layer.w.rows());
      for (Eigen::Index i = 0; i < g.size(); ++i) g.data()[i] = n01(rng);
      Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
      Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(g.rows(), g.cols());
      const Eigen::MatrixXd r = qr.matrixQR();
      for (Eigen::Index c = 0; c < q.cols(); ++c) {
        if (r(c, c) < 0) q.col(c) *= -1;
      }
      if (tall) {
        layer.w = gain * q;
      } else {
        layer.w = gain * q.transpose();
      }
      break;
    }
    case Init::kAuto:
      break;
  }
}

// ---------------------------------------------------------------- MLP

Mlp::Mlp(std::string_view spec, std::string_view act, Init init, std::uint64_t seed)
    : Mlp([&] {
        ModelSpec m = ModelSpec::parse(spec, act);
        m.init = init;
        m.seed = seed;
        return m;
      }()) {}

Mlp::Mlp(const ModelSpec& spec) : spec_(spec) {
  spec_.validate();
  std::mt19937_64 rng(spec_.seed);
  std::size_t in = spec_.inputs;
  for (const LayerSpec& l : spec_.hidden) {
    auto dense = std::make_unique<Dense>(in, l.width);
    const Activation act = Activation::parse(l.activation);
    std::unique_ptr<Nonlinearity> nl;
    if (act.id() == ActId::prelu) {
      nl = std::make_unique<PReluLayer>(l.width, l.per_unit, act.param("weight"));
    } else if (act.id() == ActId::rrelu) {
      nl = std::make_unique<RReluLayer>(act);
    } else {
      nl = std::make_unique<ActivationLayer>(act);
    }
    initialize(*dense, spec_.init, nl.get(), rng);
    layers_.push_back(std::move(dense));
    layers_.push_back(std::move(nl));
    if (l.dropout > 0) layers_.push_back(std::make_unique<Dropout>(l.dropout));
    in = l.width;
  }
  auto out = std::make_unique<Dense>(in, spec_.outputs);
  initialize(*out, spec_.init, nullptr, rng);
  layers_.push_back(std::move(out));
  if (spec_.output_activation != "none") {
    if (const auto kind = softmax_kind(spec_.output_activation)) {
      layers_.push_back(std::make_unique<SoftmaxLayer>(*kind));
    } else {
      layers_.push_back(std::make_unique<ActivationLayer>(Activation::parse(spec_.output_activation)));
    }
  }
}

Matrix Mlp::forward(const Matrix& x, bool training) {
  if (training) {
    ++noise_step;
    for (std::size_t i = 0; i < layers_.size(); ++i) layers_[i]->reseed(mix(spec_.seed ^ mix(noise_step * 1024 + i)));
  }
  Matrix h = x;
  for (auto& layer : layers_) h = layer->forward(h, training);
  return h;
}

void Mlp::backward(const Matrix& dout, std::vector<Matrix>* input_grads) {
  if (input_grads != nullptr) input_grads->assign(layers_.size(), Matrix());
  Matrix g = dout;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    g = layers_[i]->backward(g);
    if (input_grads != nullptr) (*input_grads)[i] = g;
  }
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

std::size_t Mlp::parameter_count() {
  std::size_t n = 0;
  for (const Param& p : parameters()) n += static_cast<std::size_t>(p.value->size());
  return n;
}

void Mlp::zero_grad() {
  for (const Param& p : parameters()) p.grad->setZero();
}

std::string Mlp::summary() const {
  std::ostringstream s;
  for (std::size_t i = 0; i < layers_.size(); ++i) s << "  " << i << ": " << layers_[i]->summary() << "\n";
  return s.str();
}

std::vector<Mlp::Hidden> Mlp::hidden() {
  std::vector<Hidden> out;
  Dense* last = nullptr;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    Layer* layer = layers_[i].get();
    if (auto* d = dynamic_cast<Dense*>(layer)) last = d;
    if (auto* a = dynamic_cast<Nonlinearity*>(layer); a != nullptr && last != nullptr) {
      out.push_back({last, a, i});
      last = nullptr;
    }
  }
  return out;
}

Dense& Mlp::output_dense() {
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    if (auto* d = dynamic_cast<Dense*>(it->get())) return *d;
  }
  throw std::logic_error("an MLP always has an output layer");
}

void Mlp::set_nonlinearity(std::size_t k, std::unique_ptr<Nonlinearity> act, bool reinitialize) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (dynamic_cast<Nonlinearity*>(layers_[i].get()) == nullptr) continue;
    if (seen++ != k) continue;
    if (reinitialize) {
      std::mt19937_64 rng(mix(spec_.seed + k));
      initialize(dynamic_cast<Dense&>(*layers_[i - 1]), spec_.init, act.get(), rng);
    }
    spec_.hidden[k].activation = "custom";
    layers_[i] = std::move(act);
    return;
  }
  throw std::out_of_range("no hidden layer " + std::to_string(k));
}

// ---------------------------------------------------------------- optimizers

Optimizer::Optimizer(std::vector<Param> params, OptimizerOptions options)
    : params_(std::move(params)), o_(std::move(options)) {
  static constexpr std::string_view kKinds[] = {"sgd", "momentum", "nesterov", "adam", "adamw"};
  if (std::find(std::begin(kKinds), std::end(kKinds), o_.kind) == std::end(kKinds)) {
    throw SpecError("unknown optimizer '" + o_.kind + "' (sgd, momentum, nesterov, adam, adamw)");
  }
  if (!(o_.lr > 0) || !std::isfinite(o_.lr)) throw SpecError("learning rate must be finite and > 0");
  if (!(o_.weight_decay >= 0) || !std::isfinite(o_.weight_decay)) throw SpecError("weight decay must be >= 0");
  if (!(o_.clip_norm >= 0) || !std::isfinite(o_.clip_norm)) throw SpecError("clip norm must be >= 0");
  if (!(o_.momentum >= 0 && o_.momentum < 1)) throw SpecError("momentum must be in [0, 1)");
  for (const Param& p : params_) {
    m_.push_back(Matrix::Zero(p.value->rows(), p.value->cols()));
    v_.push_back(Matrix::Zero(p.value->rows(), p.value->cols()));
  }
}

double Optimizer::step(double lr) {
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
      w -= lr * g;
    } else if (o_.kind == "momentum" || o_.kind == "nesterov") {
      m_[i] = o_.momentum * m_[i] + g;
      w -= lr * (o_.kind == "nesterov" ? Matrix(g + o_.momentum * m_[i]) : m_[i]);
    } else {
      m_[i] = o_.beta1 * m_[i] + (1 - o_.beta1) * g;
      v_[i] = o_.beta2 * v_[i] + (1 - o_.beta2) * g.cwiseProduct(g);
      const double c1 = 1 - std::pow(o_.beta1, static_cast<double>(t_));
      const double c2 = 1 - std::pow(o_.beta2, static_cast<double>(t_));
      if (o_.kind == "adamw" && o_.weight_decay > 0) w *= 1 - lr * o_.weight_decay;  // decoupled
      w.array() -= lr * (m_[i].array() / c1) / ((v_[i].array() / c2).sqrt() + o_.eps);
    }
  }
  return norm;
}

// ---------------------------------------------------------------- schedules

void Schedule::validate() const {
  if (kind != "constant" && kind != "step" && kind != "cosine") {
    throw SpecError("unknown schedule '" + kind + "' (constant, step, cosine)");
  }
  if (!(warmup_steps >= 0) || !std::isfinite(warmup_steps)) throw SpecError("warm-up must be >= 0");
  if (kind == "step" && !(step_size > 0)) throw SpecError("the step schedule needs a step size > 0");
  if (!(gamma > 0) || !std::isfinite(gamma)) throw SpecError("gamma must be finite and > 0");
}

double Schedule::factor(double step) const {
  double f = 1.0;
  if (kind == "step" && step_size > 0) {
    f = std::pow(gamma, std::floor(step / step_size));
  } else if (kind == "cosine" && total_steps > 0) {
    f = 0.5 * (1 + std::cos(std::numbers::pi * std::min(step, total_steps) / total_steps));
  }
  if (warmup_steps > 0 && step < warmup_steps) f *= (step + 1) / warmup_steps;
  return f;
}

}  // namespace actlab::nn
