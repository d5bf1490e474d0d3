// main.cc — the actlab command: subcommands, and one line + exit 2 on bad input.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <string>
#include <utility>

#include "actlab/actlab.h"
#include "common.h"
#include "dataset.h"
#include "train.h"

namespace {

int fail(const std::string& what, int code) {
  // One line, whatever the message held.
  std::string line = what;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << "actlab: error: " << line << '\n';
  return code;
}

int run(int argc, char** argv) {
  CLI::App app{"actlab — activation functions done right: the catalog, evaluation, training and diagnostics."};
  app.set_version_flag("--version", std::string("actlab ") + actlab::version());
  app.require_subcommand(1);
  app.fallthrough(false);
  actlab::cli::add_list(app);
  actlab::cli::add_info(app);
  actlab::cli::add_eval(app);
  actlab::cli::add_loss(app);
  actlab::cli::add_train(app);
  actlab::cli::add_check(app);
  actlab::cli::add_gain(app);
  actlab::cli::add_lab(app);
  actlab::cli::add_plot(app);
  actlab::cli::add_bench(app);
  std::string commands;
  bool known = false;
  const std::string first = argc > 1 ? argv[1] : "";
  const std::function<bool(const CLI::App*)> all = [](const CLI::App*) { return true; };
  for (const auto* sub : std::as_const(app).get_subcommands(all)) {
    commands += (commands.empty() ? "" : ", ") + sub->get_name();
    known = known || sub->get_name() == first;
  }
  if (argc < 2) return fail("a command is required (" + commands + "); see 'actlab --help'", 2);
  if (!first.empty() && first[0] != '-' && !known) {
    return fail("unknown command '" + first + "' (commands: " + commands + ")", 2);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive as "errors" with exit code 0; exit() prints
    // the help of the subcommand that was asked for.
    if (e.get_exit_code() == 0) return app.exit(e);
    // CLI11 takes "-inf" (unlike "-1") for an option: say how to pass it as a value.
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
      for (int i = 1; i < argc; ++i) {
        double v = 0;
        if (argv[i][0] == '-' && actlab::cli::parse_double(argv[i], &v)) {
          return fail(std::string(e.what()) + " (to give " + argv[i] +
                          " as a value, put -- before the values: actlab " + first + " ... -- " + argv[i] + ")",
                      2);
        }
      }
    }
    return fail(e.what(), 2);
  } catch (const actlab::cli::UsageError& e) {
    return fail(e.what(), 2);
  } catch (const actlab::Error& e) {
    return fail(e.what(), 2);
  } catch (const actlab::nn::SpecError& e) {
    return fail(e.what(), 2);
  } catch (const actlab::data::DataError& e) {
    return fail(e.what(), 2);
  } catch (const actlab::nn::CheckpointError& e) {
    return fail(e.what(), 2);
  } catch (const actlab::nn::Diverged& e) {
    return fail(e.what(), 1);
  } catch (const actlab::cli::Interrupted& e) {
    return fail(e.what(), 130);
  } catch (const actlab::cli::ExitCode& e) {
    return e.code;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what(), 1);
  } catch (...) {
    return fail("internal error", 1);
  }
}
