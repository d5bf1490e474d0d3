// crafted_rows.cc — rows built against the float-lane exp, to test softmax's 2-ulp
// contract where random rows do not reach (docs/accuracy.md, "Rows built against the exp").
//
// The float-lane softmax computes e = e^z·2^−b (or e^(z − m)) with an error that depends on
// z, and y = e·(1/s). A row whose largest terms all err one way and whose small output errs
// the other way adds the two. This picks, from dense scans of the exp on 16 lanes, the z's
// with the largest errors: of the stored e ("head") and of e plus the rounding error the
// sum takes ("sum"). Then it times no rows but searches two families, against long double:
//   1. [0, a × k, b, filler...]   a, b among the 40 largest head errors of each sign;
//   2. [a × k, f, b, filler...]   a among the 30 largest sum errors, b among the 60 largest
//      head errors, f swept in 300 steps of 0.02 so the output's mantissa covers its binade.
// Prints the worst distance, in floats, from the correctly rounded value (as the tests).
// Build against the release library (from the repository's root):
//   g++ -O2 -std=c++20 -march=native -Isrc/core -Iinclude tools/softmax/crafted_rows.cc
//       build/release/libactlab.a -lhwy -lhwy_contrib -lpthread -o /tmp/crafted_rows
// (one line). Exits 1 if some output is more than 2 floats off.
#include <actlab/softmax.h>
#include <actlab/threads.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <vector>

#include "hwy/highway.h"
#include "kernels/math-inl.h"

namespace {

namespace ak = actlab::kernels::HWY_NAMESPACE;
namespace hn = hwy::HWY_NAMESPACE;

double floats_off(float want, float got) {
  if (want == got) return 0;
  const float a = std::fabs(want);
  return std::fabs(static_cast<double>(want) - got) / (static_cast<double>(std::nextafter(a, INFINITY)) - a);
}

struct ExpError {
  double head;  // (stored e − exact)/exact, in units of 2^-24
  double sum;   // (e + its rounding error − exact)/exact, likewise
  float z;
};

// Every `step`-th float z in [lo, hi), with b = 0.
std::vector<ExpError> scan(float lo, float hi, int step) {
  const hn::ScalableTag<float> d;
  std::vector<float> in(hn::Lanes(d));
  std::vector<float> head(in.size());
  std::vector<float> tail(in.size());
  std::vector<ExpError> all;
  for (float z = lo; z < hi;) {
    for (auto& v : in) {
      v = z;
      for (int k = 0; k < step; ++k) z = std::nextafter(z, hi);
    }
    hn::Vec<decltype(d)> vh;
    hn::Vec<decltype(d)> vt;
#if HWY_TARGET <= HWY_AVX2 && HWY_ARCH_X86  // the library's exp on this target (softmax-inl.h)
    hn::Vec<decltype(d)> t;
    hn::Vec<decltype(d)> x;
    vh = ak::ExpTableBiased(d, hn::LoadU(d, in.data()), hn::Set(d, ak::ExpTableMagic<decltype(d)>(0.0f)), &t, &x);
    vt = hn::MulSub(x, t, hn::Sub(vh, t));
#else
    ak::ExpFloatLanesLeanBiased(d, hn::LoadU(d, in.data()), hn::Set(d, ak::kExpMagic), &vh, &vt);
#endif
    hn::StoreU(vh, d, head.data());
    hn::StoreU(vt, d, tail.data());
    for (std::size_t i = 0; i < in.size(); ++i) {
      const long double exact = std::exp(static_cast<long double>(in[i]));
      const long double h = head[i];
      all.push_back({static_cast<double>((h - exact) / exact * 0x1p24L),
                     static_cast<double>((h + tail[i] - exact) / exact * 0x1p24L), in[i]});
    }
  }
  return all;
}

// Softmax of one row, and its worst output against long double.
double row_worst(const std::vector<float>& row) {
  std::vector<float> y(row.size());
  actlab::softmax_forward(actlab::SoftmaxKind::kSoftmax, std::span<const float>(row), std::span<float>(y), row.size());
  const float m = *std::max_element(row.begin(), row.end());
  long double s = 0;
  for (const float v : row) s += std::exp(static_cast<long double>(v) - m);
  double worst = 0;
  for (std::size_t j = 0; j < row.size(); ++j) {
    const auto want = static_cast<float>(std::exp(static_cast<long double>(row[j]) - m) / s);
    worst = std::max(worst, floats_off(want, y[j]));
  }
  return worst;
}

}  // namespace

int main() {
  actlab::set_num_threads(1);
  constexpr std::size_t kCols = 16;
  // Family 1: the head errors near the max (a) and further down (b).
  auto near = scan(-0.35f, -0.0001f, 2);
  auto far = scan(-9.0f, -0.35f, 2);
  const auto by_head = [](const ExpError& x, const ExpError& y) { return x.head < y.head; };
  std::sort(near.begin(), near.end(), by_head);
  std::sort(far.begin(), far.end(), by_head);
  double worst1 = 0;
  long rows1 = 0;
  for (int sign = 0; sign < 2; ++sign) {
    for (std::size_t ia = 0; ia < 40; ++ia) {
      for (std::size_t ib = 0; ib < 40; ++ib) {
        const float a = sign != 0 ? near[near.size() - 1 - ia].z : near[ia].z;
        const float b = sign != 0 ? far[ib].z : far[far.size() - 1 - ib].z;
        for (std::size_t k = 0; k <= 14; ++k) {
          for (const float filler : {-60.0f, -100.0f}) {
            std::vector<float> row(kCols, filler);
            row[0] = 0.0f;
            for (std::size_t i = 1; i <= k; ++i) row[i] = a;
            if (k < 14) row[15] = b;
            worst1 = std::max(worst1, row_worst(row));
            ++rows1;
          }
        }
      }
    }
  }
  std::printf("family 1 (head errors, %ld rows): worst %.2f floats\n", rows1, worst1);
  // Family 2: the sum errors of the largest terms (a) against the head errors of b.
  std::sort(near.begin(), near.end(), [](const ExpError& x, const ExpError& y) { return x.sum < y.sum; });
  double worst2 = 0;
  long rows2 = 0;
  for (std::size_t ia = 0; ia < 30; ++ia) {
    for (std::size_t ib = 0; ib < 60; ++ib) {
      const float a = near[ia].z;                  // sum too small
      const float b = far[far.size() - 1 - ib].z;  // stored e too big
      for (std::size_t k = 1; k <= 13; ++k) {
        for (int f = 0; f < 300; ++f) {
          std::vector<float> row(kCols, -60.0f);
          for (std::size_t i = 0; i < k; ++i) row[i] = a;
          row[14] = -0.5f - 0.02f * static_cast<float>(f);
          row[15] = b;
          worst2 = std::max(worst2, row_worst(row));
          ++rows2;
        }
      }
    }
  }
  std::printf("family 2 (sum errors, %ld rows): worst %.2f floats\n", rows2, worst2);
  return worst1 > 2.0 || worst2 > 2.0 ? 1 : 0;
}
