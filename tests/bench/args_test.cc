// The benchmarks' number arguments (bench/common/args.h): a bad value is refused, never
// thrown or wrapped around.
#include "args.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using actlab::bench::parse_count;
using actlab::bench::parse_counts;

TEST(BenchArgs, CountsAreWholeDecimalNumbersInRange) {
  EXPECT_EQ(parse_count("1", 1, 10), 1u);
  EXPECT_EQ(parse_count("10", 1, 10), 10u);
  EXPECT_EQ(parse_count("2147483648", 1, std::uint64_t{1} << 31), std::uint64_t{1} << 31);
  for (const char* bad :
       {"", "0", "11", "-1", "+3", " 3", "3 ", "12x", "abc", "1e3", "0x10", "3.0", "99999999999999999999999"}) {
    EXPECT_FALSE(parse_count(bad, 1, 10).has_value()) << "'" << bad << "'";
  }
}

TEST(BenchArgs, ListsAreCommaSeparatedCounts) {
  EXPECT_EQ(parse_counts("4096,262144", 1, 1u << 30), (std::vector<std::uint64_t>{4096, 262144}));
  EXPECT_EQ(parse_counts("2", 1, 256), (std::vector<std::uint64_t>{2}));
  for (const char* bad : {"", ",", "1,", ",1", "1,,2", "1;2", "x", "1,0", "1,257"}) {
    EXPECT_FALSE(parse_counts(bad, 1, 256).has_value()) << "'" << bad << "'";
  }
}

}  // namespace
