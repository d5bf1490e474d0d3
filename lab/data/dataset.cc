// dataset.cc — CSV files, the bundled data sets, splits and standardization.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <system_error>

#include "dataset.h"

namespace actlab::data {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

bool to_double(const std::string& s, double* out) {
  if (s.empty()) return false;
  const char* b = s.data() + (s[0] == '+' ? 1 : 0);
  const auto r = std::from_chars(b, s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(*out);
}

struct Cell {
  std::string text;
  std::size_t column;  // 1-based character column of the cell's start
};

std::vector<Cell> split_line(const std::string& line) {
  std::vector<Cell> cells;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    const std::string raw = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    cells.push_back({trim(raw), start + 1});
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return cells;
}

[[noreturn]] void fail_at(const std::string& path, std::size_t line, std::size_t column, const std::string& what) {
  throw DataError(path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what);
}

}  // namespace

std::string Dataset::summary() const {
  std::ostringstream s;
  s << name << ": " << size() << " × " << features;
  if (is_classification()) {
    s << ", " << classes << " classes";
  } else {
    s << ", regression";
  }
  return s.str();
}

Dataset load_csv(const std::string& path, const CsvOptions& options) {
  std::ifstream in(path);
  if (!in) throw DataError(path + ": cannot open (" + std::generic_category().message(errno) + ")");
  std::vector<std::vector<Cell>> rows;
  std::vector<std::size_t> line_of;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    if (line.find('\0') != std::string::npos) fail_at(path, line_no, 1, "binary data (a NUL byte) in a CSV file");
    rows.push_back(split_line(line));
    line_of.push_back(line_no);
  }
  if (rows.empty()) throw DataError(path + ": empty file (no rows)");
  const std::size_t width = rows[0].size();
  if (width < 2) fail_at(path, line_of[0], 1, "need at least one feature column and a label column");
  // Header: the first row has a cell that is not a number.
  bool header = false;
  for (const Cell& c : rows[0]) {
    double v = 0;
    header = header || !to_double(c.text, &v);
  }
  // A first row of only numbers could still be a label-text file's data row; the
  // label column is allowed to be text, so recheck without it below.
  std::vector<std::string> names;
  if (header) {
    for (const Cell& c : rows[0]) names.push_back(c.text);
  }
  std::size_t label_col = width - 1;
  if (!options.label.empty()) {
    std::size_t idx = 0;
    const auto r = std::from_chars(options.label.data(), options.label.data() + options.label.size(), idx);
    if (r.ec == std::errc() && r.ptr == options.label.data() + options.label.size()) {
      if (idx >= width) {
        throw DataError(path + ": label column " + options.label + " does not exist (the file has " +
                        std::to_string(width) + " columns, counted from 0)");
      }
      label_col = idx;
    } else {
      const auto it = std::find(names.begin(), names.end(), options.label);
      if (it == names.end()) {
        throw DataError(path + ": no column named '" + options.label + "'" +
                        (header ? "" : " (the file has no header row)"));
      }
      label_col = static_cast<std::size_t>(it - names.begin());
    }
  }
  if (header) {
    // A header that is all numbers except the label column is data, not a header.
    bool other_text = false;
    for (std::size_t i = 0; i < width; ++i) {
      double v = 0;
      if (i != label_col && !to_double(rows[0][i].text, &v)) other_text = true;
    }
    if (!other_text && options.label.empty()) header = false;
  }
  Dataset d;
  d.name = std::filesystem::path(path).stem().string();
  d.features = width - 1;
  for (std::size_t i = 0; i < width; ++i) {
    if (i != label_col) d.feature_names.push_back(header ? rows[0][i].text : indexed_name("x", d.feature_names.size()));
  }
  std::map<std::string, std::int64_t> class_ids;
  std::vector<std::string> raw_labels;
  for (std::size_t r = header ? 1 : 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != width) {
      fail_at(path, line_of[r], row.back().column,
              "expected " + std::to_string(width) + " columns, found " + std::to_string(row.size()));
    }
    for (std::size_t i = 0; i < width; ++i) {
      if (i == label_col) continue;
      double v = 0;
      if (!to_double(row[i].text, &v)) {
        fail_at(path, line_of[r], row[i].column, "'" + row[i].text + "' is not a finite number");
      }
      d.x.push_back(v);
    }
    const Cell& lab = row[label_col];
    if (lab.text.empty()) fail_at(path, line_of[r], lab.column, "empty label");
    if (options.regression) {
      double v = 0;
      if (!to_double(lab.text, &v)) {
        fail_at(path, line_of[r], lab.column, "target '" + lab.text + "' is not a finite number");
      }
      d.targets.push_back(v);
    } else {
      raw_labels.push_back(lab.text);
      class_ids.emplace(lab.text, 0);
    }
  }
  if (d.size() == 0) throw DataError(path + ": no data rows after the header");
  if (!options.regression) {
    if (class_ids.size() < 2) {
      throw DataError(path + ": only one class ('" + class_ids.begin()->first + "'); classification needs two or more");
    }
    // Integer labels keep their numeric order; text labels are sorted.
    std::vector<std::string> ordered;
    ordered.reserve(class_ids.size());
    for (const auto& [name, id] : class_ids) ordered.push_back(name);
    const bool numeric = std::all_of(ordered.begin(), ordered.end(), [](const std::string& s) {
      double v = 0;
      return to_double(s, &v);
    });
    if (numeric) {
      std::sort(ordered.begin(), ordered.end(),
                [](const std::string& a, const std::string& b) { return std::stod(a) < std::stod(b); });
    }
    for (std::size_t i = 0; i < ordered.size(); ++i) class_ids[ordered[i]] = static_cast<std::int64_t>(i);
    d.class_names = ordered;
    d.classes = ordered.size();
    for (const auto& s : raw_labels) d.labels.push_back(class_ids[s]);
  }
  return d;
}

const std::vector<std::string>& builtin_names() {
  static const std::vector<std::string> names = {"digits", "breast_cancer", "iris", "wine"};
  return names;
}

std::string data_dir() {
  if (const char* env = std::getenv("ACTLAB_DATA_DIR")) return env;
#ifdef ACTLAB_SOURCE_DATA_DIR
  if (std::filesystem::exists(ACTLAB_SOURCE_DATA_DIR "/digits.csv")) return ACTLAB_SOURCE_DATA_DIR;
#endif
#ifdef ACTLAB_INSTALL_DATA_DIR
  return ACTLAB_INSTALL_DATA_DIR;
#else
  return "data";
#endif
}

Dataset load_builtin(std::string_view name) {
  const std::string file = name == "wine" ? "wine_data.csv" : std::string(name) + ".csv";
  if (std::find(builtin_names().begin(), builtin_names().end(), name) == builtin_names().end()) {
    throw DataError("unknown data set '" + std::string(name) + "'");
  }
  const std::string path = data_dir() + "/" + file;
  std::ifstream in(path);
  if (!in) throw DataError(path + ": bundled data set not found (set ACTLAB_DATA_DIR to the project's data/ folder)");
  // scikit-learn's layout: an optional first line "rows,features,class names…", label last.
  std::string first;
  std::getline(in, first);
  std::vector<Cell> head = split_line(first);
  Dataset d;
  std::size_t expected_rows = 0;
  bool has_header = false;
  double a = 0, b = 0;
  // The header names the classes, so it holds text; data rows are all numbers.
  const bool named_classes = std::any_of(
      head.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(2, head.size())), head.end(), [](const Cell& c) {
        double v = 0;
        return !to_double(c.text, &v);
      });
  if (head.size() >= 3 && to_double(head[0].text, &a) && to_double(head[1].text, &b) && named_classes) {
    has_header = true;
    expected_rows = static_cast<std::size_t>(a);
    d.features = static_cast<std::size_t>(b);
    for (std::size_t i = 2; i < head.size(); ++i) d.class_names.push_back(head[i].text);
  } else {
    d.features = head.size() - 1;
  }
  in.clear();
  in.seekg(0);
  std::string line;
  std::size_t line_no = 0;
  if (has_header) {
    std::getline(in, line);
    ++line_no;
  }
  std::int64_t max_label = -1;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;
    const auto cells = split_line(line);
    if (cells.size() != d.features + 1) {
      fail_at(path, line_no, 1,
              "expected " + std::to_string(d.features + 1) + " columns, found " + std::to_string(cells.size()));
    }
    for (std::size_t i = 0; i < d.features; ++i) {
      double v = 0;
      if (!to_double(cells[i].text, &v)) fail_at(path, line_no, cells[i].column, "not a number");
      d.x.push_back(v);
    }
    double lab = 0;
    if (!to_double(cells.back().text, &lab) || lab < 0 || lab != std::floor(lab)) {
      fail_at(path, line_no, cells.back().column, "label is not a class index");
    }
    d.labels.push_back(static_cast<std::int64_t>(lab));
    max_label = std::max(max_label, static_cast<std::int64_t>(lab));
  }
  d.name = std::string(name);
  d.classes = static_cast<std::size_t>(max_label + 1);
  if (d.class_names.empty()) {
    for (std::size_t c = 0; c < d.classes; ++c) d.class_names.push_back(std::to_string(c));
  }
  for (std::size_t f = 0; f < d.features; ++f) d.feature_names.push_back(indexed_name("x", f));
  if (has_header && d.size() != expected_rows) {
    throw DataError(path + ": header promises " + std::to_string(expected_rows) + " rows, found " +
                    std::to_string(d.size()));
  }
  return d;
}

Dataset load(std::string_view spec, std::size_t n, double noise, std::uint64_t seed, const CsvOptions& csv) {
  const std::string s(spec);
  if (std::find(builtin_names().begin(), builtin_names().end(), s) != builtin_names().end()) return load_builtin(s);
  const auto colon = s.find(':');
  const std::string kind = s.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : s.substr(colon + 1);
  std::size_t k = 0;
  if (!arg.empty()) {
    const auto r = std::from_chars(arg.data(), arg.data() + arg.size(), k);
    if (r.ec != std::errc() || r.ptr != arg.data() + arg.size()) {
      throw DataError("data '" + s + "': '" + arg + "' after ':' is not a whole number");
    }
  }
  if (kind == "spirals") return make_spirals(n, arg.empty() ? 2 : k, noise, seed);
  if (kind == "blobs") return make_blobs(n, arg.empty() ? 3 : k, 2, 1.0, seed);
  if (!arg.empty() && kind != s) throw DataError("data '" + s + "': only spirals and blobs take ':N'");
  if (kind == "circles") return make_circles(n, noise, 0.5, seed);
  if (kind == "moons") return make_moons(n, noise, seed);
  if (kind == "xor") return make_xor(n, noise, seed);
  if (kind == "regression") return make_regression(n, noise, seed);
  if (s.size() > 4 && s.substr(s.size() - 4) == ".csv") return load_csv(s, csv);
  throw DataError("unknown data '" + s +
                  "' (bundled: digits, breast_cancer, iris, wine; synthetic: spirals[:k], "
                  "circles, moons, xor, blobs[:k], regression; or a .csv file)");
}

Split split(const Dataset& d, double valid_fraction, std::uint64_t seed) {
  if (!(valid_fraction > 0 && valid_fraction < 1)) throw DataError("validation fraction must be in (0, 1)");
  const std::size_t n = d.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<bool> to_valid(n, false);
  if (d.is_classification()) {
    // Per class, the first ⌊share⌋ (rounded) of its shuffled members go to validation.
    std::vector<std::size_t> count(d.classes, 0), taken(d.classes, 0);
    for (const auto l : d.labels) ++count[static_cast<std::size_t>(l)];
    for (const std::size_t i : order) {
      const auto c = static_cast<std::size_t>(d.labels[i]);
      const auto want = static_cast<std::size_t>(std::llround(valid_fraction * static_cast<double>(count[c])));
      if (taken[c] < want) {
        to_valid[i] = true;
        ++taken[c];
      }
    }
  } else {
    const auto want = static_cast<std::size_t>(std::llround(valid_fraction * static_cast<double>(n)));
    for (std::size_t k = 0; k < want; ++k) to_valid[order[k]] = true;
  }
  Split out;
  for (Dataset* part : {&out.train, &out.valid}) {
    part->name = d.name;
    part->features = d.features;
    part->classes = d.classes;
    part->feature_names = d.feature_names;
    part->class_names = d.class_names;
  }
  for (const std::size_t i : order) {
    Dataset& part = to_valid[i] ? out.valid : out.train;
    part.x.insert(part.x.end(), d.x.begin() + static_cast<std::ptrdiff_t>(i * d.features),
                  d.x.begin() + static_cast<std::ptrdiff_t>((i + 1) * d.features));
    if (d.is_classification()) {
      part.labels.push_back(d.labels[i]);
    } else {
      part.targets.push_back(d.targets[i]);
    }
  }
  if (out.train.size() == 0 || out.valid.size() == 0) throw DataError(d.name + ": too few rows to split");
  return out;
}

Standardizer Standardizer::fit(const Dataset& d) {
  Standardizer s;
  s.mean.assign(d.features, 0.0);
  s.stddev.assign(d.features, 0.0);
  const std::size_t n = d.size();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t f = 0; f < d.features; ++f) s.mean[f] += d.x[i * d.features + f];
  }
  for (auto& m : s.mean) m /= static_cast<double>(std::max<std::size_t>(n, 1));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t f = 0; f < d.features; ++f) {
      const double c = d.x[i * d.features + f] - s.mean[f];
      s.stddev[f] += c * c;
    }
  }
  for (auto& v : s.stddev) {
    v = std::sqrt(v / static_cast<double>(std::max<std::size_t>(n, 1)));
    if (v == 0) v = 1;  // a constant feature stays constant (0 after centring)
  }
  return s;
}

void Standardizer::apply(Dataset& d) const {
  for (std::size_t i = 0; i < d.size(); ++i) {
    for (std::size_t f = 0; f < d.features; ++f) {
      double& v = d.x[i * d.features + f];
      v = (v - mean[f]) / stddev[f];
    }
  }
}

}  // namespace actlab::data
