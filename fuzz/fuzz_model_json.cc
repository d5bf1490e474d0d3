// fuzz_model_json.cc — model files: any text gives a ModelSpec or one SpecError; small valid
// models are built and run forward.
#include <cstddef>
#include <cstdint>
#include <string>

#include "nn.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto spec = actlab::nn::ModelSpec::from_json(text, "fuzz.json");
    std::size_t params = 0, in = spec.inputs;
    for (const auto& l : spec.hidden) {
      params += (in + 1) * l.width;
      in = l.width;
    }
    params += (in + 1) * spec.outputs;
    if (params < 100000 && spec.inputs < 1000) {
      actlab::nn::Mlp m(spec);
      (void)m.forward(actlab::nn::Matrix::Ones(2, static_cast<Eigen::Index>(spec.inputs)), false);
    }
    (void)actlab::nn::ModelSpec::from_json(spec.to_json(), "again");
  } catch (const actlab::nn::SpecError&) {
  }
  return 0;
}
