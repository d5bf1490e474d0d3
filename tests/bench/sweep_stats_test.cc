// The accuracy sweep's statistics (bench/accuracy/sweep_stats.h): the block pass that the
// sweep runs (account) gives exactly what the element-by-element rules (account_exact)
// give, whatever the block size and the order the blocks are merged in.
#include "sweep_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace {

using actlab::bench::sweep::account;
using actlab::bench::sweep::account_exact;
using actlab::bench::sweep::kMismatch;
using actlab::bench::sweep::Stats;
using actlab::bench::sweep::ulp_error;

constexpr float kInf = std::numeric_limits<float>::infinity();

void expect_same(const Stats& a, const Stats& b) {
  EXPECT_EQ(a.worst, b.worst);
  EXPECT_EQ(std::bit_cast<std::uint32_t>(a.worst_x), std::bit_cast<std::uint32_t>(b.worst_x));
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.not_rounded, b.not_rounded);
  EXPECT_EQ(a.tail, b.tail);
  EXPECT_EQ(std::bit_cast<std::uint32_t>(a.tail_x), std::bit_cast<std::uint32_t>(b.tail_x));
}

// Inputs x, exact values and results a few ulps off, with tail failures (0, the wrong
// sign) and ties of the worst error at inputs of both signs.
struct Case {
  std::vector<float> x, got;
  std::vector<double> ref;
};
Case random_case(std::size_t n, unsigned seed, bool specials) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> mag(-40.0, 40.0);
  std::uniform_int_distribution<int> off(-3, 3);
  std::uniform_int_distribution<int> kind(0, 99);
  Case c;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = std::ldexp(mag(rng) > 0 ? 1.2345 : -1.2345, static_cast<int>(mag(rng)));
    auto g = static_cast<float>(r);
    g = std::bit_cast<float>(std::bit_cast<std::int32_t>(g) + off(rng));
    const int k = kind(rng);
    if (k == 0) g = 0.0f;  // a tail failure
    if (k == 1) g = -g;    // another
    if (k == 2) g = std::nextafter(static_cast<float>(r), 0.0f);
    c.x.push_back(static_cast<float>(i % 2 == 0 ? -static_cast<double>(i) : static_cast<double>(i)) * 0.25f);
    c.ref.push_back(r);
    c.got.push_back(g);
  }
  if (specials) {
    const auto add = [&c](float x, double r, float g) {
      c.x.push_back(x);
      c.ref.push_back(r);
      c.got.push_back(g);
    };
    add(1e30f, std::nan(""), std::nanf(""));                    // NaN against NaN: exact
    add(2e30f, 1.0, std::nanf(""));                             // a mismatch
    add(3e30f, std::numeric_limits<double>::infinity(), kInf);  // exact
    add(4e30f, 3.5e38, 3.4028235e38f);                          // the exact value rounds to inf: a mismatch
  }
  return c;
}

TEST(SweepStats, BlockPassEqualsElementRulesForEveryBlockSize) {
  for (const bool specials : {false, true}) {
    const Case c = random_case(5000, 7, specials);
    Stats exact;
    account_exact(exact, c.x.data(), c.ref.data(), c.got.data(), c.x.size());
    EXPECT_GT(exact.tail, 0u);
    EXPECT_GT(exact.not_rounded, 0u);
    EXPECT_EQ(exact.worst >= kMismatch, specials);
    for (const std::size_t block : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{5004}}) {
      Stats fast;
      for (std::size_t i = 0; i < c.x.size(); i += block) {
        const std::size_t n = std::min(block, c.x.size() - i);
        account(fast, c.x.data() + i, c.ref.data() + i, c.got.data() + i, n);
      }
      SCOPED_TRACE(block);
      expect_same(fast, exact);
    }
  }
}

TEST(SweepStats, MergeOrderDoesNotChangeTheNamedInputs) {
  const Case c = random_case(3000, 11, false);
  constexpr std::size_t kPart = 1000;
  Stats parts[3];
  for (std::size_t p = 0; p < 3; ++p) {
    account(parts[p], c.x.data() + p * kPart, c.ref.data() + p * kPart, c.got.data() + p * kPart, kPart);
  }
  Stats forward, backward;
  for (const Stats& part : parts) forward.merge(part);
  for (std::size_t p = 3; p-- > 0;) backward.merge(parts[p]);
  expect_same(forward, backward);
  Stats whole;
  account_exact(whole, c.x.data(), c.ref.data(), c.got.data(), c.x.size());
  expect_same(forward, whole);
}

TEST(SweepStats, UlpsAndTailsOnHandPickedValues) {
  // 1.5 ulp: 1 + 1.5·2^-23 against 1
  EXPECT_EQ(ulp_error(1.0 + 1.5 * 0x1p-23, 1.0f), 1.5);
  // the ulp of the correctly rounded float: just below 2 it rounds to 2 (ulp 2^-22)
  EXPECT_EQ(ulp_error(2.0 - 0x1p-26, 2.0f), 0.0625);
  // subnormal range: ulp 2^-149
  EXPECT_EQ(ulp_error(3 * 0x1p-149, 0.0f), 3.0);
  // the tie of worst errors names the input nearest 0, the negative one first
  const float x[4] = {5.0f, -2.0f, 2.0f, 0.5f};
  const double ref[4] = {1.0 + 0x1p-22, 1.0 + 0x1p-22, 1.0 + 0x1p-22, 1.0};
  const float got[4] = {1.0f, 1.0f, 1.0f, 1.0f};
  Stats s;
  account(s, x, ref, got, 4);
  EXPECT_EQ(s.worst, 2.0);
  EXPECT_EQ(s.worst_x, -2.0f);
  EXPECT_EQ(s.not_rounded, 3u);
  // an exact value beyond the float range rounds to inf: FLT_MAX is a mismatch, inf exact
  const float ox[2] = {1e30f, 2e30f};
  const double oref[2] = {3.5e38, -3.5e38};
  const float ogot[2] = {3.4028235e38f, -kInf};
  Stats o;
  account(o, ox, oref, ogot, 1);  // alone in its block: no other special value to take it there
  account(o, ox + 1, oref + 1, ogot + 1, 1);
  EXPECT_EQ(o.worst, kMismatch);
  EXPECT_EQ(o.worst_x, 1e30f);
  EXPECT_EQ(o.not_rounded, 1u);
  // tail failures: 0 or the wrong sign where |exact| >= 2^-149; below it, none
  const float tx[4] = {-90.0f, -88.0f, -100.0f, -200.0f};
  const double tref[4] = {1e-39, -1e-38, 0x1p-150, 1e-40};
  const float tgot[4] = {0.0f, 1e-38f, 0.0f, 1e-40f};
  Stats t;
  account(t, tx, tref, tgot, 4);
  EXPECT_EQ(t.tail, 2u);
  EXPECT_EQ(t.tail_x, -88.0f);
}

}  // namespace
