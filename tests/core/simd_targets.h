// simd_targets.h — the SIMD targets this test binary can force, for parameterized tests.
#ifndef ACTLAB_TESTS_CORE_SIMD_TARGETS_H_
#define ACTLAB_TESTS_CORE_SIMD_TARGETS_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernels.h"

namespace actlab::testing_targets {

/** Every target compiled in and supported by this CPU (Highway's bit), best first. */
inline std::vector<std::int64_t> all_targets() {
  std::vector<std::int64_t> bits;
  for (const auto& [bit, name] : detail::simd_targets()) bits.push_back(bit);
  return bits;
}

/** The test-name suffix for a target: AVX3, AVX2, SSE4, … */
inline std::string target_name(const ::testing::TestParamInfo<std::int64_t>& info) {
  for (const auto& [bit, name] : detail::simd_targets()) {
    if (bit == info.param) return name;
  }
  return "unknown";
}

}  // namespace actlab::testing_targets

#endif  // ACTLAB_TESTS_CORE_SIMD_TARGETS_H_
