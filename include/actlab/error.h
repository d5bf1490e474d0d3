// actlab/error.h — the one exception type libactlab throws.
#ifndef ACTLAB_ERROR_H_
#define ACTLAB_ERROR_H_

#include <stdexcept>
#include <string>

#include "actlab/export.h"

namespace actlab {
inline namespace v0 {

/** Thrown on bad input: unknown name, parameter out of range, length mismatch,
 *  malformed spec text. what() is one line, fit to show a user as it is. */
class ACTLAB_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what_arg) : std::runtime_error(what_arg) {}
};

}  // namespace v0
}  // namespace actlab

#endif  // ACTLAB_ERROR_H_
