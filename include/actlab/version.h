// actlab/version.h — the library version, as a number and as text, and the SIMD target in use.
#ifndef ACTLAB_VERSION_H_
#define ACTLAB_VERSION_H_

/** major·10000 + minor·100 + patch. */
#define ACTLAB_VERSION 100

namespace actlab {
inline namespace v0 {
/** The version this header belongs to, "major.minor.patch". */
inline constexpr const char* kVersionString = "0.1.0";
/** The version the library was built as (may differ from the header's if mixed). */
const char* version() noexcept;
/** The SIMD target the kernels run on, chosen for this CPU at run time ("AVX3", "AVX2", "SSE4", ...). */
const char* simd_target() noexcept;
}  // namespace v0
}  // namespace actlab

#endif  // ACTLAB_VERSION_H_
