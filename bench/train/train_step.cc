// train_step.cc — one training step of the seeds' minimal MLP (64-128-128-10, ReLU,
// batch 64, Adam) on digits: actlab's lab engine against libtorch on one thread,
// and the cost of leaving the probes on. Ratios within one run only.
#include <chrono>
#include <cstdio>
#include <exception>
#include <random>

#include "peers.h"
#include "timer.h"
#include "train.h"
#ifdef ACTLAB_HAVE_TORCH
#include <torch/torch.h>
#endif

using namespace actlab;

namespace {

int run() {
  bench::set_threads(1);
  data::Split s = data::split(data::load("digits"), 0.2, 2);
  const auto z = data::Standardizer::fit(s.train);
  z.apply(s.train);
  z.apply(s.valid);
  const nn::Matrix x = nn::to_matrix(s.train).topRows(64);
  const std::vector<std::int64_t> y(s.train.labels.begin(), s.train.labels.begin() + 64);

  nn::Mlp model(nn::ModelSpec::parse("64-128-128-10", "relu"));
  nn::OptimizerOptions oo;
  oo.kind = "adam";
  nn::Optimizer opt(model.parameters(), oo);
  nn::Matrix grad;
  const double ours = bench::seconds_per_call([&] {
    const double loss = nn::model_loss(model.spec(), model.forward(x, true), y, {}, &grad);
    model.zero_grad();
    model.backward(grad);
    opt.step();
    (void)loss;
  });
  std::printf("one step, 64-128-128-10 relu, batch 64, Adam, double, 1 thread\n");
  std::printf("  actlab (Eigen, double)       %8.1f us\n", 1e6 * ours);
#ifdef ACTLAB_HAVE_TORCH
  for (const auto dtype : {torch::kFloat64, torch::kFloat32}) {
    torch::manual_seed(1);
    torch::nn::Sequential net(torch::nn::Linear(64, 128), torch::nn::ReLU(), torch::nn::Linear(128, 128),
                              torch::nn::ReLU(), torch::nn::Linear(128, 10));
    net->to(dtype);
    torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-3));
    const auto tx = torch::from_blob(const_cast<double*>(x.data()), {64, 64}, torch::kFloat64).to(dtype).clone();
    const auto ty = torch::tensor(y, torch::kInt64);
    const double theirs = bench::seconds_per_call([&] {
      adam.zero_grad();
      const auto loss = torch::nn::functional::cross_entropy(net->forward(tx), ty);
      loss.backward();
      adam.step();
    });
    std::printf("  libtorch %-7s              %8.1f us   actlab is %.2fx faster\n",
                dtype == torch::kFloat64 ? "float64" : "float32", 1e6 * theirs, theirs / ours);
  }
#else
  std::printf("  libtorch not found: no comparison\n");
#endif
  // The probes' overhead at the default schedule: the same training with and without, and the
  // trainer's own account of the time spent in probes (steadier than the difference of two runs).
  const auto time_training = [&](bool probes, double* probe_share) {
    return bench::seconds_per_call(
        [&] {
          nn::Mlp fresh(nn::ModelSpec::parse("64-128-128-10", "relu"));
          nn::TrainOptions to;
          to.epochs = 10;
          to.optimizer.lr = 1e-3;
          to.probes.enabled = probes;
          const auto t0 = std::chrono::steady_clock::now();
          nn::Trainer t(fresh, s.train, s.valid, to);
          t.run();
          const double all = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          if (probe_share != nullptr) *probe_share = t.probe_seconds() / all;
        },
        3, 0.0);
  };
  double share = 0;
  const double off = time_training(false, nullptr), on = time_training(true, &share);
  std::printf(
      "10 epochs on digits: probes off %.3f s, on %.3f s (difference %+.1f %%); inside the run, probes took "
      "%.1f %% of the time\n",
      off, on, 100 * (on / off - 1), 100 * share);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {  // it takes no options: a typo would otherwise run the whole benchmark
    std::fprintf(stderr, "usage: %s (no options)\n", argv[0]);
    return 2;
  }
  actlab::bench::quiet_openmp_workers(argv);
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "actlab_bench_train: %s\n", e.what());
    return 1;
  }
}
