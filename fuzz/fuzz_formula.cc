// fuzz_formula.cc — the custom-formula parser: any text gives a Formula or one FormulaError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formula.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto f = actlab::lab::Formula::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    for (const double x : {-3.0, 0.0, 0.5, 1e300}) {
      (void)f.eval(x);
      (void)f.derivative(x);
    }
  } catch (const actlab::lab::FormulaError&) {
  }
  return 0;
}
