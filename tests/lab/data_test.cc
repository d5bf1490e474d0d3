// data_test.cc — synthetic sets, the CSV loader's errors, the bundled sets, splits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <string>

#include "dataset.h"

namespace actlab::data {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("actlab_test_" + name);
  std::ofstream(path) << text;
  return path.string();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(Synthetic, ShapesLabelsAndSeeds) {
  const Dataset s = make_spirals(300, 3, 0.05, 7);
  EXPECT_EQ(s.size(), 300u);
  EXPECT_EQ(s.features, 2u);
  EXPECT_EQ(s.classes, 3u);
  std::map<std::int64_t, int> count;
  for (const auto l : s.labels) ++count[l];
  EXPECT_EQ(count[0], 100);
  EXPECT_EQ(count[2], 100);
  EXPECT_EQ(make_spirals(300, 3, 0.05, 7).x, s.x) << "same seed, same bits";
  EXPECT_NE(make_spirals(300, 3, 0.05, 8).x, s.x);
  for (const Dataset& d : {make_circles(100, 0.05, 0.5, 1), make_moons(100, 0.1, 1), make_xor(100, 0.0, 1),
                           make_blobs(90, 3, 4, 1.0, 1)}) {
    EXPECT_EQ(d.x.size(), d.size() * d.features) << d.name;
    EXPECT_EQ(d.labels.size(), d.size()) << d.name;
    EXPECT_GE(d.classes, 2u) << d.name;
  }
  // xor without noise: the label is exactly the sign rule.
  const Dataset x = make_xor(200, 0.0, 3);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x.labels[i], (x.x[2 * i] > 0) != (x.x[2 * i + 1] > 0));
  const Dataset r = make_regression(50, 0.0, 2);
  EXPECT_FALSE(r.is_classification());
  EXPECT_NEAR(r.targets[0], std::sin(3 * r.x[0]) + 0.5 * r.x[1] * r.x[1] - r.x[2], 1e-15);
  EXPECT_THROW(make_spirals(10, 1, 0.1, 1), DataError);
  EXPECT_THROW(make_circles(10, 0.1, 1.5, 1), DataError);
}

TEST(Builtin, AllFourLoadWithTheirShapes) {
  struct Want {
    const char* name;
    std::size_t n, features, classes;
  };
  for (const Want w : {Want{"digits", 1797, 64, 10}, Want{"breast_cancer", 569, 30, 2}, Want{"iris", 150, 4, 3},
                       Want{"wine", 178, 13, 3}}) {
    const Dataset d = load_builtin(w.name);
    EXPECT_EQ(d.size(), w.n) << w.name;
    EXPECT_EQ(d.features, w.features) << w.name;
    EXPECT_EQ(d.classes, w.classes) << w.name;
    EXPECT_EQ(d.class_names.size(), w.classes) << w.name;
  }
  EXPECT_EQ(load_builtin("iris").class_names[0], "setosa");
  EXPECT_DOUBLE_EQ(load_builtin("iris").x[0], 5.1);
  EXPECT_EQ(load("digits").summary(), "digits: 1797 × 64, 10 classes");
  EXPECT_NE(error_of([] { (void)load("nope"); }).find("unknown data 'nope'"), std::string::npos);
}

TEST(Csv, HeaderLabelsAndTypes) {
  const auto p = write_temp("ok.csv", "a, b ,species\n1,2,cat\n3,4.5,dog\n5,6,cat\n");
  const Dataset d = load_csv(p);
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.features, 2u);
  EXPECT_EQ(d.feature_names[1], "b");
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(d.labels, (std::vector<std::int64_t>{0, 1, 0}));
  // Label by name and by index; numeric labels in numeric order; no header.
  const auto q = write_temp("num.csv", "10,1,2\n2,3,4\n10,5,6\n");
  const Dataset e = load_csv(q, {"0", false});
  EXPECT_EQ(e.class_names, (std::vector<std::string>{"2", "10"}));
  EXPECT_EQ(e.labels, (std::vector<std::int64_t>{1, 0, 1}));
  const auto r = write_temp("reg.csv", "a,b,c\n1,2,3\n3,4.5,6\n5,6,7\n");
  const Dataset f = load_csv(r, {"a", true});
  EXPECT_EQ(f.targets, (std::vector<double>{1, 3, 5}));
  EXPECT_EQ(f.feature_names, (std::vector<std::string>{"b", "c"}));
}

TEST(Csv, EveryProblemIsOneLineWithFileLineAndColumn) {
  struct Bad {
    const char* file;
    const char* text;
    CsvOptions options;
    const char* message;
  };
  const std::vector<Bad> cases = {
      {"ragged.csv", "a,b,y\n1,2,0\n3,1\n", {}, ":3:3: expected 3 columns, found 2"},
      {"nonnum.csv", "a,b,y\n1,2,0\n3,x7,1\n", {}, ":3:3: 'x7' is not a finite number"},
      {"inf.csv", "a,b,y\n1,inf,0\n3,4,1\n", {}, ":2:3: 'inf' is not a finite number"},
      {"empty.csv", "", {}, "empty file"},
      {"blank.csv", "\n\n  \n", {}, "empty file"},
      {"header_only.csv", "a,b,y\n", {}, "no data rows"},
      {"one_class.csv", "a,y\n1,cat\n2,cat\n", {}, "only one class ('cat')"},
      {"nolabel.csv", "a,b,y\n1,2,0\n3,4,1\n", {"z", false}, "no column named 'z'"},
      {"badindex.csv", "1,2,0\n3,4,1\n", {"9", false}, "label column 9 does not exist"},
      {"emptylabel.csv", "a,y\n1,\n2,1\n", {}, ":2:3: empty label"},
      {"onecol.csv", "1\n2\n", {}, "need at least one feature column"},
      {"badtarget.csv", "a,y\n1,2\n2,x\n", {"", true}, "target 'x' is not a finite number"},
  };
  for (const Bad& c : cases) {
    const auto p = write_temp(c.file, c.text);
    const std::string msg = error_of([&] { (void)load_csv(p, c.options); });
    EXPECT_NE(msg.find(c.message), std::string::npos) << c.file << ": " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << c.file;
  }
  EXPECT_NE(error_of([] { (void)load_csv("/nonexistent/x.csv"); }).find("cannot open"), std::string::npos);
  const auto bin = write_temp("bin.csv", std::string("a,y\n1,\0\x01,0\n", 12));
  EXPECT_NE(error_of([&] { (void)load_csv(bin); }).find("binary data"), std::string::npos);
}

TEST(Split, StratifiedAndComplete) {
  const Dataset d = load_builtin("iris");
  const Split s = split(d, 0.2, 5);
  EXPECT_EQ(s.train.size() + s.valid.size(), 150u);
  EXPECT_EQ(s.valid.size(), 30u);
  std::map<std::int64_t, int> count;
  for (const auto l : s.valid.labels) ++count[l];
  for (int c = 0; c < 3; ++c) EXPECT_EQ(count[c], 10) << "each class keeps its share";
  EXPECT_EQ(split(d, 0.2, 5).valid.x, s.valid.x) << "same seed, same split";
  EXPECT_THROW(split(d, 0.0, 1), DataError);
}

TEST(Standardizer, ZeroMeanUnitVarianceFromTrainOnly) {
  Split s = split(load_builtin("wine"), 0.25, 3);
  const Standardizer z = Standardizer::fit(s.train);
  z.apply(s.train);
  z.apply(s.valid);
  for (std::size_t f = 0; f < s.train.features; ++f) {
    double m = 0, v = 0;
    for (std::size_t i = 0; i < s.train.size(); ++i) m += s.train.x[i * s.train.features + f];
    m /= static_cast<double>(s.train.size());
    for (std::size_t i = 0; i < s.train.size(); ++i) {
      const double c = s.train.x[i * s.train.features + f] - m;
      v += c * c;
    }
    EXPECT_NEAR(m, 0, 1e-12);
    EXPECT_NEAR(v / static_cast<double>(s.train.size()), 1, 1e-12);
  }
  // A constant feature stays finite.
  Dataset c = make_blobs(20, 2, 1, 1.0, 1);
  for (auto& v : c.x) v = 4.0;
  Standardizer::fit(c).apply(c);
  for (const double v : c.x) EXPECT_EQ(v, 0.0);
}

}  // namespace
}  // namespace actlab::data
