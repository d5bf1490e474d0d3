// fuzz_csv.cc — the CSV loader: any bytes give a Dataset or one DataError naming file:line:column.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/actlab-fuzz-" + std::to_string(::getpid()) + ".csv";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  for (const bool regression : {false, true}) {
    try {
      actlab::data::CsvOptions o;
      o.regression = regression;
      const auto d = actlab::data::load_csv(path, o);
      (void)d.summary();
    } catch (const actlab::data::DataError&) {
    }
  }
  return 0;
}
