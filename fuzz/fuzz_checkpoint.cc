// fuzz_checkpoint.cc — the checkpoint loader: any bytes resume or give one CheckpointError.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "train.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace actlab;
  // The same data and model as `actlab train --data xor --n 64 --model 2-4-2 --batch 16` (the corpus seed).
  static const data::Split split = data::split(data::load("xor", 64, 0.1, 1), 0.2, 2);
  static const std::string path = "/tmp/actlab-fuzz-" + std::to_string(::getpid()) + ".ckpt";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  nn::ModelSpec spec = nn::ModelSpec::parse("2-4-2", "relu");
  spec.seed = 3;
  nn::Mlp model(spec);
  nn::TrainOptions o;
  o.epochs = 1;
  o.batch = 16;
  nn::Trainer t(model, split.train, split.valid, o);
  try {
    t.load_checkpoint(path);
    t.run();
  } catch (const nn::CheckpointError&) {
  }
  return 0;
}
