// report.h — an experiment's results as files: data, figures and a readable HTML page.
#ifndef ACTLAB_LAB_LAB_REPORT_H_
#define ACTLAB_LAB_LAB_REPORT_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace actlab::lab {

struct Figure {
  std::string stem;  ///< file name without extension, inside the experiment's directory
  std::string title;
  std::string explanation;  ///< what it shows and what to look for, in the seeds' terms
};

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

struct ExperimentReport {
  std::string name, title;
  std::string question;               ///< what the experiment asks, one paragraph
  std::string command;                ///< how to run it again
  std::vector<std::string> verdicts;  ///< short lines with numbers, also printed on the terminal
  std::vector<Figure> figures;
  std::vector<Table> tables;
  std::map<std::string, double> numbers;  ///< the measured quantities behind the verdicts (results.json)
  std::vector<std::string> notes;         ///< e.g. "gnuplot missing"
  std::string terminal_plot;              ///< the first figure as text, for the terminal verdict
  std::uint64_t seed = 1;
  double seconds = 0;
};

/** Writes <dir>/index.html and <dir>/results.json, atomically. */
void write_experiment(const ExperimentReport& r, const std::filesystem::path& dir, const std::string& versions);
/** An experiment's report as written earlier into `dir` (results.json), for the index; nullopt if none. */
std::optional<ExperimentReport> read_experiment(const std::filesystem::path& dir);

/** Writes <out>/index.html linking every experiment's page. */
void write_index(const std::vector<ExperimentReport>& reports, const std::filesystem::path& out,
                 const std::string& command, const std::string& versions);

}  // namespace actlab::lab

#endif  // ACTLAB_LAB_LAB_REPORT_H_
