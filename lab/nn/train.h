// train.h — the training loop: mini-batches, schedules, probes and warnings,
// checkpoints and resume. Same seed, same machine: the same bits.
#ifndef ACTLAB_LAB_NN_TRAIN_H_
#define ACTLAB_LAB_NN_TRAIN_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataset.h"
#include "nn.h"
#include "probes.h"

namespace actlab::nn {

struct TrainOptions {
  std::size_t epochs = 100;
  std::size_t batch = 64;
  OptimizerOptions optimizer;
  Schedule schedule;
  std::uint64_t seed = 1;  ///< batch order
  ProbeOptions probes;
};

struct EpochStats {
  std::size_t epoch = 0, step = 0;
  double lr = 0;
  double train_loss = 0, train_acc = 0;  ///< acc: accuracy, or R² for regression
  double valid_loss = 0, valid_acc = 0;
  double seconds = 0;  ///< wall time of the epoch
};

/** Training stopped because the loss went non-finite; what() names epoch, step, layer and the first warning. */
struct Diverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/** A checkpoint that cannot be used: what() is one line. */
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Trainer {
 public:
  /** Checks that data and model fit (throws SpecError). */
  Trainer(Mlp& model, const data::Dataset& train, const data::Dataset& valid, TrainOptions options);
  /** Trains to the last epoch, or until *stop turns true (checked between steps).
   *  Returns true when all epochs are done. Throws Diverged. */
  bool run(const std::atomic<bool>* stop = nullptr, std::size_t max_steps = SIZE_MAX);
  std::size_t epoch() const { return epoch_; }
  std::size_t step() const { return step_; }
  bool finished() const { return epoch_ >= o_.epochs && pos_ == 0; }
  const std::vector<EpochStats>& history() const { return history_; }
  const std::vector<ProbeRecord>& probes() const { return probes_; }
  const std::vector<Warning>& warnings() const { return warnings_; }
  /** Live callbacks. */
  std::function<void(const EpochStats&)> on_epoch;
  std::function<void(const Warning&)> on_warning;
  /** Everything needed to continue bit-identically, written atomically with a checksum. */
  void save_checkpoint(const std::string& path) const;
  /** Restores a checkpoint of the same model and batch size; throws CheckpointError. */
  void load_checkpoint(const std::string& path);
  /** Mean seconds spent in probes so far, and in training steps. */
  double probe_seconds() const { return probe_seconds_; }
  double step_seconds() const { return step_seconds_; }
  /** Probe records (as JSON lines) from before the checkpoint this run resumed from. */
  std::vector<std::string> restored_probes_json;

 private:
  void one_step();
  void end_epoch();
  void probe();
  void emit(const std::vector<Warning>& ws);

  Mlp& model_;
  const data::Dataset& train_;
  const data::Dataset& valid_;
  TrainOptions o_;
  Optimizer opt_;
  Matrix xt_, xv_;
  std::vector<std::size_t> order_;
  std::mt19937_64 rng_;
  std::size_t epoch_ = 0, pos_ = 0, step_ = 0;
  std::vector<EpochStats> history_;
  std::vector<ProbeRecord> probes_;
  std::vector<Warning> warnings_;
  std::unique_ptr<Prober> prober_;
  bool pending_update_ratio_ = false;
  double epoch_seconds_ = 0, probe_seconds_ = 0, step_seconds_ = 0;
};

/** Convenience: trains and returns the per-epoch stats. */
std::vector<EpochStats> train_classifier(Mlp& model, const data::Dataset& train, const data::Dataset& valid,
                                         const TrainOptions& options,
                                         const std::function<void(const EpochStats&)>& on_epoch = {});

/** Mean cross-entropy of logits against labels, and dL/dlogits. */
double cross_entropy_loss(const Matrix& logits, const std::vector<std::int64_t>& labels, Matrix* dlogits);

/** The whole data set as a matrix (n, features). */
Matrix to_matrix(const data::Dataset& d);

}  // namespace actlab::nn

#endif  // ACTLAB_LAB_NN_TRAIN_H_
