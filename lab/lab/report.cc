// report.cc — self-contained HTML (inline CSS, local images, no scripts, no network).
#include "report.h"

#include <fmt/core.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "dataset.h"
#include "io.h"

namespace actlab::lab {
namespace {

std::string esc(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

constexpr const char* kStyle = R"(<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}
code,pre{background:#f4f4f4;padding:.1em .3em;border-radius:3px;font-size:.92em}
pre{padding:.6em;overflow-x:auto}.meta{color:#666;font-size:.9em}
.verdict{background:#eef6ee;border-left:4px solid #3a3;padding:.5em 1em;margin:.3em 0}
.note{background:#fff6e0;border-left:4px solid #d90;padding:.5em 1em}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{color:#444}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}
</style>)";

std::string page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
         "</title>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" + kStyle +
         "</head><body>\n" + body + "</body></html>\n";
}

std::string table_html(const Table& t) {
  std::string s = "<h3>" + esc(t.title) + "</h3>\n<table><tr>";
  for (const auto& h : t.header) s += "<th>" + esc(h) + "</th>";
  s += "</tr>\n";
  for (const auto& row : t.rows) {
    s += "<tr>";
    for (const auto& c : row) s += "<td>" + esc(c) + "</td>";
    s += "</tr>\n";
  }
  return s + "</table>\n";
}

}  // namespace

void write_experiment(const ExperimentReport& r, const std::filesystem::path& dir, const std::string& versions) {
  std::string b = "<p><a href=\"../index.html\">← all experiments</a></p>\n<h1>" + esc(r.title) + "</h1>\n";
  b += "<p class=\"meta\">Command: <code>" + esc(r.command) + "</code><br>" + esc(versions) +
       fmt::format("<br>Seed {}; run time {:.1f} s</p>\n", r.seed, r.seconds);
  b += "<p>" + esc(r.question) + "</p>\n<h2>Verdict</h2>\n";
  for (const auto& v : r.verdicts) b += "<div class=\"verdict\">" + esc(v) + "</div>\n";
  for (const auto& n : r.notes) b += "<div class=\"note\">" + esc(n) + "</div>\n";
  if (!r.figures.empty()) b += "<h2>Figures</h2>\n";
  for (const auto& f : r.figures) {
    b += "<figure><img src=\"" + esc(f.stem) + ".svg\" alt=\"" + esc(f.title) + "\"><figcaption><b>" + esc(f.title) +
         ".</b> " + esc(f.explanation) + " <a href=\"" + esc(f.stem) + ".png\">PNG</a> · <a href=\"" + esc(f.stem) +
         ".csv\">data</a></figcaption></figure>\n";
  }
  if (!r.tables.empty()) b += "<h2>Tables</h2>\n";
  for (const auto& t : r.tables) b += table_html(t);
  b += "<p class=\"meta\">Measured numbers: <a href=\"results.json\">results.json</a></p>\n";
  data::write_atomically((dir / "index.html").string(), page(r.title, b));
  nlohmann::json numbers = nlohmann::json::object();
  for (const auto& [k, v] : r.numbers) numbers[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  const nlohmann::json j = {{"name", r.name},         {"title", r.title},   {"command", r.command},
                            {"verdicts", r.verdicts}, {"numbers", numbers}, {"seconds", r.seconds}};
  data::write_atomically((dir / "results.json").string(), j.dump(2) + "\n");
}

std::optional<ExperimentReport> read_experiment(const std::filesystem::path& dir) {
  try {
    const auto j = nlohmann::json::parse(data::read_file((dir / "results.json").string(), 1u << 24));
    ExperimentReport r;
    r.name = j.at("name").get<std::string>();
    r.title = j.at("title").get<std::string>();
    r.question = j.value("question", "");
    r.command = j.at("command").get<std::string>();
    r.verdicts = j.at("verdicts").get<std::vector<std::string>>();
    for (const auto& f : j.value("figures", nlohmann::json::array())) {
      r.figures.push_back({f.at("stem").get<std::string>(), f.at("title").get<std::string>(), ""});
    }
    r.seconds = j.value("seconds", 0.0);
    return r;
  } catch (const std::exception&) {
    return std::nullopt;  // absent or not ours: the index leaves it out
  }
}

void write_index(const std::vector<ExperimentReport>& reports, const std::filesystem::path& out,
                 const std::string& command, const std::string& versions) {
  std::string b = "<h1>actlab lab report</h1>\n<p class=\"meta\">Command: <code>" + esc(command) + "</code><br>" +
                  esc(versions) + "</p>\n";
  b += "<p>Each experiment below trains small networks to show one thing an activation function does to "
       "learning. Open one for its figures, what to look for in them, and the measured verdict.</p>\n";
  for (const auto& r : reports) {
    b += "<h2><a href=\"" + esc(r.name) + "/index.html\">" + esc(r.title) + "</a></h2>\n<p>" + esc(r.question) +
         "</p>\n";
    for (const auto& v : r.verdicts) b += "<div class=\"verdict\">" + esc(v) + "</div>\n";
    if (!r.figures.empty()) {
      b += "<p><a href=\"" + esc(r.name) + "/index.html\"><img src=\"" + esc(r.name) + "/" + esc(r.figures[0].stem) +
           ".svg\" alt=\"" + esc(r.figures[0].title) + "\" style=\"max-width:60%\"></a></p>\n";
    }
  }
  data::write_atomically((out / "index.html").string(), page("actlab lab report", b));
}

}  // namespace actlab::lab
