// experiments.h — the seeds' practice experiments, one function each. Each trains
// or evaluates, writes its data and figures into its directory and returns the
// report (verdicts with numbers, and the numbers themselves for tests).
#ifndef ACTLAB_LAB_LAB_EXPERIMENTS_H_
#define ACTLAB_LAB_LAB_EXPERIMENTS_H_

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "report.h"

namespace actlab::lab {

struct LabOptions {
  std::filesystem::path dir;  ///< the experiment's own directory (created by the caller)
  std::uint64_t seed = 1;
  bool quick = false;  ///< a few epochs: for tests and smoke runs
  std::string acts;    ///< compare: comma-separated catalog list ("" = the default eight)
  std::size_t depth = 20, width = 64;
  std::string formula = "x*tanh(log(1+exp(x)))";
  std::function<void(const std::string&)> log;  ///< progress lines
  const std::atomic<bool>* stop = nullptr;      ///< Ctrl-C: finish the current run early
};

struct Experiment {
  const char* name;
  const char* title;
  ExperimentReport (*run)(const LabOptions&);
};

/** "relu,leaky_relu(0.1),gelu" → its items; commas inside parentheses stay. */
std::vector<std::string> split_list(const std::string& s);

/** Every experiment in the order `actlab lab all` runs them. */
const std::vector<Experiment>& experiments();
/** By name; nullptr if unknown. */
const Experiment* find_experiment(const std::string& name);

}  // namespace actlab::lab

#endif  // ACTLAB_LAB_LAB_EXPERIMENTS_H_
