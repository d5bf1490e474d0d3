// lint.h — the Quick Checks: mistakes a model spec makes before it trains.
// Each finding has a stable code, a severity, a message with numbers and a fix.
#ifndef ACTLAB_LAB_NN_LINT_H_
#define ACTLAB_LAB_NN_LINT_H_

#include <string>
#include <vector>

#include "spec.h"

namespace actlab::nn {

struct Finding {
  std::string code;      ///< stable: AL101 … (see docs/diagnostics.md)
  std::string name;      ///< short slug: double-softmax, linear-hidden, …
  std::string severity;  ///< error (will not train as intended) | warning
  std::string message;
  std::string fix;
};

struct LintOptions {
  bool multilabel = false;  ///< targets are several independent labels per row
  std::size_t deep = 5;     ///< hidden layers from which saturating functions are flagged
};

/** Every finding for the spec, in code order; empty for a well-formed model. */
std::vector<Finding> lint(const ModelSpec& spec, const LintOptions& options = {});

}  // namespace actlab::nn

#endif  // ACTLAB_LAB_NN_LINT_H_
