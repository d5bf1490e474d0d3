// resume_test.cc — Ctrl-C during `actlab train` saves a checkpoint and exits 130 with one
// line; --resume continues to a result bitwise identical to an uninterrupted run.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run_process.h"

namespace actlab {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(Cli, CtrlCSavesACheckpointAndResumeIsBitIdentical) {
  const auto dir = std::filesystem::temp_directory_path() / "actlab_cli_resume";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::vector<std::string> common = {"train",    "--data", "digits", "--model", "64-32-10",
                                           "--epochs", "150",    "--lr",   "1e-3",    "--json"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = common;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const auto whole = testing::run_process(ACTLAB_BIN, with({"--out", (dir / "whole").string()}));
  ASSERT_EQ(whole.status, 0) << whole.err;
  const std::string ck = (dir / "run.ckpt").string();
  const auto cut =
      testing::run_process(ACTLAB_BIN, with({"--checkpoint", ck, "--out", (dir / "cut").string()}), "", "", 400);
  if (cut.status == 0) GTEST_SKIP() << "training finished before the interrupt; nothing to resume";
  ASSERT_EQ(cut.status, 130) << cut.err;
  EXPECT_NE(cut.err.find("interrupted; resume with --checkpoint"), std::string::npos) << cut.err;
  EXPECT_EQ(std::count(cut.err.begin(), cut.err.end(), '\n'), 1) << cut.err;
  ASSERT_TRUE(std::filesystem::exists(ck));
  const auto resumed =
      testing::run_process(ACTLAB_BIN, with({"--checkpoint", ck, "--resume", "--out", (dir / "cut").string()}));
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  const auto a = nlohmann::json::parse(whole.out), b = nlohmann::json::parse(resumed.out);
  EXPECT_EQ(a["valid_loss"], b["valid_loss"]);
  EXPECT_EQ(a["train_loss"], b["train_loss"]);
  EXPECT_EQ(a["steps"], b["steps"]);
  // The whole per-epoch history matches, except the wall-clock column.
  const auto strip = [](const std::string& csv) {
    std::string out;
    std::istringstream in(csv);
    for (std::string line; std::getline(in, line);) out += line.substr(0, line.rfind(',')) + "\n";
    return out;
  };
  EXPECT_EQ(strip(slurp(dir / "whole" / "metrics.csv")), strip(slurp(dir / "cut" / "metrics.csv")));
  // A checkpoint with one byte changed is refused with one line.
  std::string bytes = slurp(ck);
  bytes[bytes.size() / 3] ^= 1;
  std::ofstream(ck, std::ios::binary) << bytes;
  const auto bad = testing::run_process(ACTLAB_BIN, with({"--checkpoint", ck, "--resume"}));
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("checksum mismatch"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace actlab

namespace actlab {
namespace {

// Ctrl-C during `actlab lab all`: exit 130, one line, and a report that links only pages that exist.
TEST(Cli, CtrlCDuringTheLabLeavesAConsistentReport) {
  const auto dir = std::filesystem::temp_directory_path() / "actlab_cli_lab_interrupt";
  std::filesystem::remove_all(dir);
  const auto r = testing::run_process(ACTLAB_BIN, {"lab", "all", "--out", dir.string()}, "", "", 2500);
  if (r.status == 0) GTEST_SKIP() << "the lab finished before the interrupt";
  ASSERT_EQ(r.status, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted; the report holds what finished"), std::string::npos) << r.err;
  const std::string index = slurp(dir / "index.html");
  ASSERT_FALSE(index.empty());
  std::size_t links = 0;
  for (std::size_t at = index.find("<a href=\""); at != std::string::npos; at = index.find("<a href=\"", at + 1)) {
    const std::size_t start = at + 9, end = index.find('"', start);
    const std::string target = index.substr(start, end - start);
    EXPECT_TRUE(std::filesystem::exists(dir / target)) << target;
    ++links;
  }
  EXPECT_GE(links, 1u);
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << "left behind: " << e.path();
  }
}

}  // namespace
}  // namespace actlab
