// dataset.h — the lab's data: synthetic sets, CSV files and the bundled real sets.
//
// A Dataset is a row-major (n × features) matrix of doubles with either class
// labels (classification) or a target per row (regression). Every generator
// takes a seed; the same seed gives the same bits on the same machine.
#ifndef ACTLAB_LAB_DATA_DATASET_H_
#define ACTLAB_LAB_DATA_DATASET_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace actlab::data {

/** Bad data or a bad spec: what() is one line, "file:line:column: what" for files. */
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Dataset {
  std::string name;
  std::size_t features = 0;
  std::vector<double> x;             // (n, features), row-major
  std::vector<std::int64_t> labels;  // (n,) classification: 0 .. classes-1
  std::vector<double> targets;       // (n,) regression
  std::size_t classes = 0;           // 0 for regression
  std::vector<std::string> feature_names;
  std::vector<std::string> class_names;

  std::size_t size() const { return features == 0 ? 0 : x.size() / features; }
  bool is_classification() const { return classes > 0; }
  /** One line: "digits: 1797 × 64, 10 classes". */
  std::string summary() const;
};

/** prefix followed by i ("x3"); appends, which also sidesteps GCC 12's -Wrestrict false positive. */
std::string indexed_name(std::string_view prefix, std::size_t i);

/** k interleaved spiral arms in 2-D, one class per arm (k >= 2). */
Dataset make_spirals(std::size_t n, std::size_t arms, double noise, std::uint64_t seed);
/** Two concentric circles (outer class 0, inner class 1), radius ratio `factor` in (0, 1). */
Dataset make_circles(std::size_t n, double noise, double factor, std::uint64_t seed);
/** Two interleaving half moons. */
Dataset make_moons(std::size_t n, double noise, std::uint64_t seed);
/** XOR of the signs of two uniform coordinates in [-1, 1]. */
Dataset make_xor(std::size_t n, double noise, std::uint64_t seed);
/** `centers` Gaussian blobs in `features` dimensions, spread `stddev`. */
Dataset make_blobs(std::size_t n, std::size_t centers, std::size_t features, double stddev, std::uint64_t seed);
/** Regression: y = sin(3·x0) + 0.5·x1² − x2 + noise, x ~ U(-1, 1)³. */
Dataset make_regression(std::size_t n, double noise, std::uint64_t seed);

struct CsvOptions {
  /** Label column by name (needs a header) or 0-based index; empty = the last column. */
  std::string label;
  /** true: the label is a number to regress on; false: class names or integers. */
  bool regression = false;
};

/** Reads a CSV file: comma-separated, an optional header row (detected: a row with a
 *  non-numeric cell that is not the label), numeric features. Throws
 *  DataError "file:line:column: what" on ragged rows, non-numeric cells, a
 *  missing label column, an empty file or a single class. */
Dataset load_csv(const std::string& path, const CsvOptions& options = {});

/** The names of the bundled real data sets. */
const std::vector<std::string>& builtin_names();
/** A bundled set by name ("digits", "breast_cancer", "iris", "wine"), read from the data directory. */
Dataset load_builtin(std::string_view name);
/** Where bundled data is read from: $ACTLAB_DATA_DIR, else the source tree's data/, else the install prefix. */
std::string data_dir();

/** A data set by spec: a bundled name, a synthetic one ("spirals", "spirals:5" for 5 arms, 2 by default,
 *  "circles", "moons", "xor", "blobs", "regression"), or a path to a .csv file. */
Dataset load(std::string_view spec, std::size_t synthetic_n = 1000, double noise = 0.1, std::uint64_t seed = 1,
             const CsvOptions& csv = {});

struct Split {
  Dataset train;
  Dataset valid;
};
/** Shuffled split keeping each class's share in both parts (stratified) for classification. */
Split split(const Dataset& d, double valid_fraction, std::uint64_t seed);

/** Feature means and standard deviations of `fit` (std 0 is treated as 1). */
struct Standardizer {
  std::vector<double> mean, stddev;
  static Standardizer fit(const Dataset& d);
  void apply(Dataset& d) const;
};

}  // namespace actlab::data

#endif  // ACTLAB_LAB_DATA_DATASET_H_
