// synthetic.cc — the toy data sets of the practice experiments, seeded.
#include <cmath>
#include <numbers>
#include <random>
#include <string>

#include "dataset.h"

namespace actlab::data {

std::string indexed_name(std::string_view prefix, std::size_t i) {
  std::string s(prefix);
  s.append(std::to_string(i));
  return s;
}

namespace {

Dataset classification(std::string name, std::size_t features, std::size_t classes) {
  Dataset d;
  d.name = std::move(name);
  d.features = features;
  d.classes = classes;
  for (std::size_t f = 0; f < features; ++f) d.feature_names.push_back(indexed_name("x", f));
  for (std::size_t c = 0; c < classes; ++c) d.class_names.push_back(std::to_string(c));
  return d;
}

void need(bool ok, const std::string& what) {
  if (!ok) throw DataError(what);
}

}  // namespace

Dataset make_spirals(std::size_t n, std::size_t arms, double noise, std::uint64_t seed) {
  need(n >= arms && arms >= 2, "spirals: need at least 2 arms and one point per arm");
  need(noise >= 0, "spirals: noise must be >= 0");
  Dataset d = classification(indexed_name("spirals:", arms), 2, arms);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> jitter(0.0, noise);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t arm = i % arms;
    const std::size_t step_along_arm = i / arms;  // whole steps: points alternate between arms
    const std::size_t points_per_arm = (n + arms - 1) / arms;
    const double t = static_cast<double>(step_along_arm) / static_cast<double>(points_per_arm);  // 0 .. 1 along the arm
    const double r = 0.1 + 0.9 * t;
    const double angle = 2 * std::numbers::pi * (1.25 * t + static_cast<double>(arm) / static_cast<double>(arms));
    d.x.push_back(r * std::cos(angle) + jitter(rng) * r);
    d.x.push_back(r * std::sin(angle) + jitter(rng) * r);
    d.labels.push_back(static_cast<std::int64_t>(arm));
  }
  return d;
}

Dataset make_circles(std::size_t n, double noise, double factor, std::uint64_t seed) {
  need(n >= 2, "circles: need at least 2 points");
  need(factor > 0 && factor < 1, "circles: factor must be in (0, 1)");
  Dataset d = classification("circles", 2, 2);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> angle(0.0, 2 * std::numbers::pi);
  std::normal_distribution<double> jitter(0.0, noise);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t c = static_cast<std::int64_t>(i % 2);
    const double r = c == 0 ? 1.0 : factor;
    const double a = angle(rng);
    d.x.push_back(r * std::cos(a) + jitter(rng));
    d.x.push_back(r * std::sin(a) + jitter(rng));
    d.labels.push_back(c);
  }
  return d;
}

Dataset make_moons(std::size_t n, double noise, std::uint64_t seed) {
  need(n >= 2, "moons: need at least 2 points");
  Dataset d = classification("moons", 2, 2);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> t(0.0, std::numbers::pi);
  std::normal_distribution<double> jitter(0.0, noise);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t c = static_cast<std::int64_t>(i % 2);
    const double a = t(rng);
    const double px = c == 0 ? std::cos(a) : 1 - std::cos(a);
    const double py = c == 0 ? std::sin(a) : 0.5 - std::sin(a);
    d.x.push_back(px + jitter(rng));
    d.x.push_back(py + jitter(rng));
    d.labels.push_back(c);
  }
  return d;
}

Dataset make_xor(std::size_t n, double noise, std::uint64_t seed) {
  need(n >= 4, "xor: need at least 4 points");
  Dataset d = classification("xor", 2, 2);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::normal_distribution<double> jitter(0.0, noise);
  for (std::size_t i = 0; i < n; ++i) {
    const double a = u(rng), b = u(rng);
    d.x.push_back(a + jitter(rng));
    d.x.push_back(b + jitter(rng));
    d.labels.push_back((a > 0) != (b > 0) ? 1 : 0);
  }
  return d;
}

Dataset make_blobs(std::size_t n, std::size_t centers, std::size_t features, double stddev, std::uint64_t seed) {
  need(centers >= 2 && features >= 1 && n >= centers, "blobs: need >= 2 centers, >= 1 feature, >= 1 point per center");
  Dataset d = classification("blobs", features, centers);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> where(-5.0, 5.0);
  std::normal_distribution<double> spread(0.0, stddev);
  std::vector<double> c(centers * features);
  for (auto& v : c) v = where(rng);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = i % centers;
    for (std::size_t f = 0; f < features; ++f) d.x.push_back(c[k * features + f] + spread(rng));
    d.labels.push_back(static_cast<std::int64_t>(k));
  }
  return d;
}

Dataset make_regression(std::size_t n, double noise, std::uint64_t seed) {
  need(n >= 2, "regression: need at least 2 points");
  Dataset d;
  d.name = "regression";
  d.features = 3;
  d.feature_names = {"x0", "x1", "x2"};
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::normal_distribution<double> jitter(0.0, noise);
  for (std::size_t i = 0; i < n; ++i) {
    const double a = u(rng), b = u(rng), c = u(rng);
    d.x.insert(d.x.end(), {a, b, c});
    d.targets.push_back(std::sin(3 * a) + 0.5 * b * b - c + jitter(rng));
  }
  return d;
}

}  // namespace actlab::data
