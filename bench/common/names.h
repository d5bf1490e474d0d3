// names.h — the benchmarks' check of --fn names against the catalog.
#ifndef ACTLAB_BENCH_NAMES_H_
#define ACTLAB_BENCH_NAMES_H_

#include <cstdio>
#include <string>
#include <vector>

#include "actlab/catalog.h"

namespace actlab::bench {

/** False, after one line on stderr naming the first unknown activation, if any name is unknown. */
inline bool known_activations(const std::vector<std::string>& names, const char* program) {
  for (const auto& name : names) {
    if (actlab::find(name) == nullptr) {
      std::fprintf(stderr, "%s: unknown activation '%s'\n", program, name.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace actlab::bench

#endif  // ACTLAB_BENCH_NAMES_H_
