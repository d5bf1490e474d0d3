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
