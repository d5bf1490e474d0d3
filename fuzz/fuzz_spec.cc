// fuzz_spec.cc — the activation spec parser: any text gives an Activation or actlab::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "actlab/activation.h"
#include "actlab/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto act = actlab::Activation::parse(text);
    (void)act.eval(0.5);
    (void)actlab::Activation::parse(act.to_string());  // what we print parses back
  } catch (const actlab::Error&) {
  }
  return 0;
}
