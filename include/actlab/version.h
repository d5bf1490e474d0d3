// actlab/version.h — the library version, and the SIMD target the kernels run on.
#ifndef ACTLAB_VERSION_H_
#define ACTLAB_VERSION_H_

#include <string>
#include <string_view>
#include <vector>

#include "actlab/export.h"

/** major·10000 + minor·100 + patch. */
#define ACTLAB_VERSION 100

namespace actlab {
inline namespace v0 {
/** The version this header belongs to, "major.minor.patch". */
inline constexpr const char* kVersionString = "0.1.0";
/** The version the library was built as (may differ from the header's if mixed). */
ACTLAB_API const char* version() noexcept;

/** The SIMD target the kernels run on now: the best one for this CPU ("AVX3", "AVX2",
 *  "SSE4", ...), or the one set_max_simd_target() capped them at. */
ACTLAB_API const char* simd_target() noexcept;
/** The processor's name as it reports itself (x86: the CPUID brand string, spaces trimmed,
 *  as Linux's /proc/cpuinfo "model name" shows it), or "unknown". Speed figures are only
 *  comparable on the same processor; the benchmarks print it beside the SIMD target. */
ACTLAB_API std::string cpu_model();
/** Every SIMD target this build can run on this CPU, best first, whatever the cap. */
ACTLAB_API std::vector<std::string> simd_targets();
/** Caps the kernels at the named target (one of simd_targets(), any letter case): "AVX2"
 *  keeps an AVX-512 machine off its 512-bit units, or reproduces an AVX2 machine's speed;
 *  "best" or "" lifts the cap. Results stay within each kernel's stated accuracy on every
 *  target, though not bitwise the same across targets. Throws actlab::Error for any other
 *  name. Not for concurrent use with running kernels. */
ACTLAB_API void set_max_simd_target(std::string_view name);
}  // namespace v0
}  // namespace actlab

#endif  // ACTLAB_VERSION_H_
