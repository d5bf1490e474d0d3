// train.cc — the training loop, and checkpoints that resume to the same bits.
#include "train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "actlab/loss.h"
#include "io.h"

namespace actlab::nn {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

Matrix to_matrix(const data::Dataset& d) {
  Matrix m(static_cast<Eigen::Index>(d.size()), static_cast<Eigen::Index>(d.features));
  std::copy(d.x.begin(), d.x.end(), m.data());
  return m;
}

double cross_entropy_loss(const Matrix& logits, const std::vector<std::int64_t>& labels, Matrix* dlogits) {
  dlogits->resize(logits.rows(), logits.cols());
  return cross_entropy(std::span<const double>(logits.data(), static_cast<std::size_t>(logits.size())),
                       std::span<const std::int64_t>(labels), static_cast<std::size_t>(logits.cols()),
                       std::span<double>(dlogits->data(), static_cast<std::size_t>(dlogits->size())));
}

Trainer::Trainer(Mlp& model, const data::Dataset& train, const data::Dataset& valid, TrainOptions options)
    : model_(model),
      train_(train),
      valid_(valid),
      o_(std::move(options)),
      opt_(model.parameters(), o_.optimizer),
      rng_(o_.seed) {
  const ModelSpec& spec = model_.spec();
  if (train_.size() == 0) throw SpecError("the training set is empty");
  if (train_.features != model_.inputs()) {
    throw SpecError("the model takes " + std::to_string(model_.inputs()) + " inputs but " + train_.name + " has " +
                    std::to_string(train_.features) + " features");
  }
  if (is_regression(spec.loss)) {
    if (train_.is_classification() && model_.outputs() < train_.classes) {
      throw SpecError("the model has " + std::to_string(model_.outputs()) + " outputs but " + train_.name + " has " +
                      std::to_string(train_.classes) + " classes");
    }
    if (!train_.is_classification() && model_.outputs() != 1) {
      throw SpecError("regression on " + train_.name + " needs 1 output, not " + std::to_string(model_.outputs()));
    }
  } else {
    if (!train_.is_classification()) {
      throw SpecError(std::string(to_string(spec.loss)) + " needs class labels; " + train_.name +
                      " is a regression set (use --loss mse)");
    }
    const bool binary_single = model_.outputs() == 1 && train_.classes == 2 &&
                               (spec.loss == LossKind::kBceWithLogits || spec.loss == LossKind::kBce);
    if (!binary_single && model_.outputs() < train_.classes) {
      throw SpecError("the model has " + std::to_string(model_.outputs()) + " outputs but " + train_.name + " has " +
                      std::to_string(train_.classes) + " classes");
    }
  }
  if (o_.batch == 0) throw SpecError("batch size must be > 0");
  o_.schedule.validate();
  xt_ = to_matrix(train_);
  xv_ = to_matrix(valid_);
  order_.resize(train_.size());
  std::iota(order_.begin(), order_.end(), 0);
  const std::size_t steps_per_epoch = (train_.size() + o_.batch - 1) / o_.batch;
  if (o_.schedule.total_steps <= 0) o_.schedule.total_steps = static_cast<double>(steps_per_epoch * o_.epochs);
  if (o_.probes.enabled && !model_.hidden().empty()) {
    // The probe set: a fixed, seeded sample of the training rows.
    std::vector<std::size_t> rows(train_.size());
    std::iota(rows.begin(), rows.end(), 0);
    std::mt19937_64 prng(o_.seed ^ 0x5eedULL);
    std::shuffle(rows.begin(), rows.end(), prng);
    rows.resize(std::min(rows.size(), std::max<std::size_t>(1, o_.probes.samples)));
    Matrix xp(static_cast<Eigen::Index>(rows.size()), xt_.cols());
    std::vector<std::int64_t> lp;
    std::vector<double> vp;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      xp.row(static_cast<Eigen::Index>(i)) = xt_.row(static_cast<Eigen::Index>(rows[i]));
      if (train_.is_classification()) {
        lp.push_back(train_.labels[rows[i]]);
      } else {
        vp.push_back(train_.targets[rows[i]]);
      }
    }
    prober_ = std::make_unique<Prober>(model_, xp, lp, vp, o_.probes);
  }
}

void Trainer::emit(const std::vector<Warning>& ws) {
  for (const auto& w : ws) {
    warnings_.push_back(w);
    if (on_warning) on_warning(w);
  }
}

void Trainer::probe() {
  if (!prober_) return;
  const auto t0 = Clock::now();
  std::vector<Warning> ws;
  probes_.push_back(prober_->measure(step_, epoch_ + (pos_ > 0 ? 1 : 0), &ws));
  pending_update_ratio_ = true;
  probe_seconds_ += seconds_since(t0);
  emit(ws);
}

void Trainer::one_step() {
  const auto t0 = Clock::now();
  if (pos_ == 0) {
    std::shuffle(order_.begin(), order_.end(), rng_);
    epoch_seconds_ = 0;
  }
  const std::size_t end = std::min(order_.size(), pos_ + o_.batch);
  Matrix xb(static_cast<Eigen::Index>(end - pos_), xt_.cols());  // (batch, features)
  std::vector<std::int64_t> lb;
  std::vector<double> vb;
  for (std::size_t k = pos_; k < end; ++k) {
    xb.row(static_cast<Eigen::Index>(k - pos_)) = xt_.row(static_cast<Eigen::Index>(order_[k]));
    if (train_.is_classification()) {
      lb.push_back(train_.labels[order_[k]]);
    } else {
      vb.push_back(train_.targets[order_[k]]);
    }
  }
  const double lr = o_.optimizer.lr * o_.schedule.factor(static_cast<double>(step_));
  Matrix dout;
  const double loss = model_loss(model_.spec(), model_.forward(xb, true), lb, vb, &dout);
  if (!std::isfinite(loss) || !dout.allFinite()) {
    // Name the first layer whose output went non-finite, and the first warning given.
    Matrix h = xb;
    std::size_t bad = 0;
    for (const auto& layer : model_.layers()) {
      h = layer->forward(h, false);
      if (!h.allFinite()) break;
      ++bad;
    }
    std::string msg = "training diverged at epoch " + std::to_string(epoch_ + 1) + ", step " +
                      std::to_string(step_ + 1) + ": the loss is not finite";
    if (bad < model_.layers().size()) {
      msg += "; first non-finite output at layer " + std::to_string(bad) + " (" + model_.layers()[bad]->summary() + ")";
    } else {
      msg += "; every layer's output is finite, the loss overflowed";
    }
    if (!warnings_.empty()) {
      msg += "; first warning: " + warnings_.front().code + " at step " + std::to_string(warnings_.front().step);
    }
    msg += " (try a smaller --lr or --clip-norm)";
    emit({{"non-finite", "warning", 0, step_ + 1, epoch_ + 1, msg}});
    throw Diverged(msg);
  }
  model_.zero_grad();
  model_.backward(dout);
  if (pending_update_ratio_ && prober_) prober_->before_update();
  opt_.step(lr);
  if (pending_update_ratio_ && prober_ && !probes_.empty()) {
    prober_->after_update(probes_.back());
    pending_update_ratio_ = false;
  }
  ++step_;
  pos_ = end;
  const double dt = seconds_since(t0);
  step_seconds_ += dt;
  epoch_seconds_ += dt;
  if (o_.probes.every > 0 && step_ % o_.probes.every == 0 && pos_ < order_.size()) probe();
  if (pos_ == order_.size()) end_epoch();
}

void Trainer::end_epoch() {
  const auto t0 = Clock::now();
  ++epoch_;
  pos_ = 0;
  const ModelSpec& spec = model_.spec();
  Matrix scratch;
  EpochStats s;
  s.epoch = epoch_;
  s.step = step_;
  s.lr = o_.optimizer.lr * o_.schedule.factor(static_cast<double>(step_ == 0 ? 0 : step_ - 1));
  const Matrix ot = model_.forward(xt_, false);
  s.train_loss = model_loss(spec, ot, train_.labels, train_.targets, &scratch);
  s.train_acc = model_metric(spec, ot, train_.labels, train_.targets);
  if (valid_.size() > 0) {
    const Matrix ov = model_.forward(xv_, false);
    s.valid_loss = model_loss(spec, ov, valid_.labels, valid_.targets, &scratch);
    s.valid_acc = model_metric(spec, ov, valid_.labels, valid_.targets);
  } else {
    s.valid_loss = std::nan("");
    s.valid_acc = std::nan("");
  }
  s.seconds = epoch_seconds_ + seconds_since(t0);
  history_.push_back(s);
  probe();
  if (on_epoch) on_epoch(s);
}

bool Trainer::run(const std::atomic<bool>* stop, std::size_t max_steps) {
  if (prober_ && probes_.empty() && step_ == 0) probe();
  for (std::size_t n = 0; epoch_ < o_.epochs; ++n) {
    if ((stop != nullptr && stop->load()) || n >= max_steps) return false;
    one_step();
  }
  return true;
}

// ---------------------------------------------------------------- checkpoints
//
// "ACTLABCK" | u32 version | u64 header bytes | header (JSON) | u64 doubles | doubles | u64 FNV-1a of all before.
// The header holds the model spec, the loop's position, RNG state, history and probe state;
// the doubles are every parameter, then the optimizer's first and second moments.

namespace {

constexpr char kMagic[8] = {'A', 'C', 'T', 'L', 'A', 'B', 'C', 'K'};
constexpr std::uint32_t kVersion = 1;

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

template <typename T>
bool get(std::string_view in, std::size_t& at, T* v) {
  if (in.size() < sizeof(T) || at > in.size() - sizeof(T)) return false;
  std::memcpy(v, in.data() + at, sizeof(T));
  at += sizeof(T);
  return true;
}

json stats_json(const EpochStats& s) {
  return {s.epoch, s.step, s.lr, s.train_loss, s.train_acc, s.valid_loss, s.valid_acc, s.seconds};
}

}  // namespace

void Trainer::save_checkpoint(const std::string& path) const {
  json h;
  h["format"] = "actlab-checkpoint";
  h["model"] = json::parse(model_.spec().to_json());
  h["batch"] = o_.batch;
  h["optimizer"] = o_.optimizer.kind;
  h["epoch"] = epoch_;
  h["pos"] = pos_;
  h["step"] = step_;
  h["noise_step"] = model_.noise_step;
  h["opt_steps"] = const_cast<Optimizer&>(opt_).steps();
  std::ostringstream rng;
  rng << rng_;
  h["rng"] = rng.str();
  h["order"] = order_;
  json hist = json::array();
  for (const auto& s : history_) hist.push_back(stats_json(s));
  // NaN is not JSON: store history as text numbers.
  h["history"] = hist.dump();
  json probes = json::array();
  for (const auto& p : probes_) probes.push_back(to_json(p));
  h["probes"] = probes;
  json warns = json::array();
  for (const auto& w : warnings_) warns.push_back({w.code, w.severity, w.layer, w.step, w.epoch, w.message});
  h["warnings"] = warns;
  if (prober_) {
    h["dead_state"] = prober_->dead_state;
    json warned = json::array();
    for (const auto& [code, layer] : prober_->warned) warned.push_back({code, layer});
    h["warned"] = warned;
    h["measured_once"] = prober_->measured_once;
  }
  const std::string header = h.dump();
  std::string out(kMagic, sizeof kMagic);
  put(out, kVersion);
  put(out, static_cast<std::uint64_t>(header.size()));
  out += header;
  auto& self = const_cast<Trainer&>(*this);
  std::vector<const Matrix*> blocks;
  for (const Param& p : self.model_.parameters()) blocks.push_back(p.value);
  for (const Matrix& m : self.opt_.first_moments()) blocks.push_back(&m);
  for (const Matrix& m : self.opt_.second_moments()) blocks.push_back(&m);
  std::uint64_t n = 0;
  for (const Matrix* m : blocks) n += static_cast<std::uint64_t>(m->size());
  put(out, n);
  for (const Matrix* m : blocks) out.append(reinterpret_cast<const char*>(m->data()), sizeof(double) * m->size());
  put(out, fnv1a(out));
  data::write_atomically(path, out);
}

void Trainer::load_checkpoint(const std::string& path) {
  std::string in;
  try {
    in = data::read_file(path);
  } catch (const data::DataError& e) {
    throw CheckpointError(e.what());
  }
  const auto bad = [&](const std::string& what) { return CheckpointError(path + ": " + what); };
  if (in.size() < sizeof kMagic + 4 + 8 + 8 + 8 || std::memcmp(in.data(), kMagic, sizeof kMagic) != 0) {
    throw bad("not an actlab checkpoint");
  }
  std::uint64_t stored = 0;
  std::size_t tail = in.size() - 8;
  (void)get(in, tail, &stored);
  if (fnv1a(std::string_view(in).substr(0, in.size() - 8)) != stored) {
    throw bad("corrupt checkpoint (checksum mismatch: truncated or modified)");
  }
  std::size_t at = sizeof kMagic;
  std::uint32_t version = 0;
  std::uint64_t header_size = 0;
  (void)get(in, at, &version);
  if (version != kVersion) throw bad("checkpoint format version " + std::to_string(version) + " is not supported");
  if (!get(in, at, &header_size) || header_size > in.size() - at) throw bad("corrupt checkpoint header");
  json h;
  try {
    h = json::parse(in.substr(at, header_size));
    at += header_size;
    const ModelSpec saved = ModelSpec::from_json(h.at("model").dump(), path);
    if (saved.to_json() != model_.spec().to_json()) {
      throw bad("checkpoint is from another model (" + saved.short_form() + ", not " + model_.spec().short_form() +
                ")");
    }
    if (h.at("batch").get<std::size_t>() != o_.batch || h.at("optimizer").get<std::string>() != o_.optimizer.kind) {
      throw bad("checkpoint was written with batch " + std::to_string(h.at("batch").get<std::size_t>()) + " and " +
                h.at("optimizer").get<std::string>() + "; resume with the same --batch and --optimizer");
    }
    std::uint64_t n = 0;
    if (!get(in, at, &n)) throw bad("corrupt checkpoint body");
    std::vector<Matrix*> blocks;
    for (const Param& p : model_.parameters()) blocks.push_back(p.value);
    for (Matrix& m : opt_.first_moments()) blocks.push_back(&m);
    for (Matrix& m : opt_.second_moments()) blocks.push_back(&m);
    std::uint64_t expect = 0;
    for (const Matrix* m : blocks) expect += static_cast<std::uint64_t>(m->size());
    if (n != expect || (in.size() - 8 - at) != n * sizeof(double))
      throw bad("parameter count does not match the model");
    for (Matrix* m : blocks) {
      std::memcpy(m->data(), in.data() + at, sizeof(double) * static_cast<std::size_t>(m->size()));
      at += sizeof(double) * static_cast<std::size_t>(m->size());
    }
    epoch_ = h.at("epoch").get<std::size_t>();
    pos_ = h.at("pos").get<std::size_t>();
    step_ = h.at("step").get<std::size_t>();
    model_.noise_step = h.at("noise_step").get<std::uint64_t>();
    opt_.steps() = h.at("opt_steps").get<std::int64_t>();
    std::istringstream rng(h.at("rng").get<std::string>());
    rng >> rng_;
    order_ = h.at("order").get<std::vector<std::size_t>>();
    if (order_.size() != train_.size() || pos_ > order_.size()) throw bad("checkpoint is from another data set");
    history_.clear();
    for (const auto& s : json::parse(h.at("history").get<std::string>())) {
      EpochStats e;
      const auto num = [](const json& v) { return v.is_number() ? v.get<double>() : std::nan(""); };
      e.epoch = s.at(0).get<std::size_t>();
      e.step = s.at(1).get<std::size_t>();
      e.lr = num(s.at(2));
      e.train_loss = num(s.at(3));
      e.train_acc = num(s.at(4));
      e.valid_loss = num(s.at(5));
      e.valid_acc = num(s.at(6));
      e.seconds = num(s.at(7));
      history_.push_back(e);
    }
    restored_probes_json = h.at("probes").get<std::vector<std::string>>();
    probes_.clear();
    warnings_.clear();
    for (const auto& w : h.at("warnings")) {
      warnings_.push_back({w.at(0).get<std::string>(), w.at(1).get<std::string>(), w.at(2).get<std::size_t>(),
                           w.at(3).get<std::size_t>(), w.at(4).get<std::size_t>(), w.at(5).get<std::string>()});
    }
    if (prober_ && h.contains("dead_state")) {
      prober_->dead_state = h.at("dead_state").get<std::vector<std::vector<char>>>();
      prober_->warned.clear();
      for (const auto& w : h.at("warned"))
        prober_->warned.insert({w.at(0).get<std::string>(), w.at(1).get<std::size_t>()});
      prober_->measured_once = h.at("measured_once").get<bool>();
    }
    pending_update_ratio_ = false;
  } catch (const json::exception& e) {
    throw bad(std::string("corrupt checkpoint header (") + e.what() + ")");
  } catch (const SpecError& e) {
    throw bad(std::string("checkpoint's model is not valid: ") + e.what());
  }
}

std::vector<EpochStats> train_classifier(Mlp& model, const data::Dataset& train, const data::Dataset& valid,
                                         const TrainOptions& options,
                                         const std::function<void(const EpochStats&)>& on_epoch) {
  Trainer t(model, train, valid, options);
  t.on_epoch = on_epoch;
  t.run();
  return t.history();
}

}  // namespace actlab::nn
