// common.h — what every actlab subcommand shares: errors, numbers, JSON.
#ifndef ACTLAB_CLI_COMMON_H_
#define ACTLAB_CLI_COMMON_H_

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "actlab/actlab.h"
#include "spec.h"

namespace actlab::cli {

/** Bad input from the user: main() prints "actlab: error: <what>" and exits 2. */
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/** A finished command's verdict as an exit status, without an error line (actlab check). */
struct ExitCode {
  int code;
};

/** Ctrl-C: main() prints the message and exits 130. */
struct Interrupted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/** Each subcommand file defines one of these; main.cc lists them. */
void add_list(CLI::App& app);
void add_info(CLI::App& app);
void add_eval(CLI::App& app);
void add_loss(CLI::App& app);
void add_bench(CLI::App& app);
void add_train(CLI::App& app);
void add_check(CLI::App& app);
void add_gain(CLI::App& app);
void add_lab(CLI::App& app);
void add_plot(CLI::App& app);

/** --model: a .json model file, or a short spec with hidden activation `act`. Throws nn::SpecError. */
nn::ModelSpec model_from_option(const std::string& model, const std::string& act);

/** Parses a whole string as a number ("nan", "inf" allowed); false if it is not one. */
bool parse_double(std::string_view text, double* out);
/** A number as JSON: finite numbers as numbers, NaN and ±inf as strings. */
nlohmann::json json_number(double v);
/** A float32 value as the shortest decimal that reads back as the same float (0.1, not
 *  0.10000000149011612); "nan"/"inf"/"-inf" likewise. */
nlohmann::json json_number(float v);
/** Prints JSON to stdout, two-space indented, with a newline. */
void print_json(const nlohmann::json& j);
/** The catalog row as JSON (name, formula, parameters, properties…). */
nlohmann::json row_json(const ActivationInfo& row);
/** PyTorch's calculate_gain for `act`, or NaN where PyTorch has none. */
double torch_gain(const Activation& act);

}  // namespace actlab::cli

#endif  // ACTLAB_CLI_COMMON_H_
