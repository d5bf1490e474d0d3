// text.h — numbers in the library's error messages (internal).
#ifndef ACTLAB_SRC_CORE_TEXT_H_
#define ACTLAB_SRC_CORE_TEXT_H_

#include <charconv>
#include <string>

namespace actlab::detail {

/** The shortest text that reads back as v (std::to_chars): 1e-09, 1.0000001, -0, inf, nan.
 *  std::to_string prints six decimals, which turned a probability of 1.0000001 into "input
 *  1.000000 ... is not a probability in [0, 1]" and a temperature of 1e-320 into 0.000000. */
inline std::string number_text(double v) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return {buf, res.ptr};
}

}  // namespace actlab::detail

#endif  // ACTLAB_SRC_CORE_TEXT_H_
