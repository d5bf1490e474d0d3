// fuzz_number.cc — how `actlab eval` reads a number from its arguments and stdin.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  double v = 0;
  (void)actlab::cli::parse_double(std::string_view(reinterpret_cast<const char*>(data), size), &v);
  return 0;
}
