// plot.cc — gnuplot scripts with inline data, run through a pipe.
#include "plot.h"

#include <fmt/core.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "dataset.h"
#include "io.h"

namespace actlab::lab {
namespace {

std::string gp_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A label in gnuplot's enhanced text: '_' and '^' would become sub- and superscripts.
std::string label(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '_' || c == '^' || c == '{' || c == '}' || c == '@' || c == '&' || c == '~') out += "\\";
    out += c;
  }
  return gp_string(out);
}

std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.10g}", v) : "NaN"; }

std::string script(const PlotSpec& p, const std::string& terminal, const std::string& output, bool text = false) {
  // The dumb terminal shows labels as they are; images go through enhanced text.
  const auto lab = [text](const std::string& v) { return text ? gp_string(v) : label(v); };
  std::ostringstream s;
  for (std::size_t i = 0; i < p.series.size(); ++i) {
    s << "$d" << i << " << EOD\n";
    const auto& r = p.series[i];
    for (std::size_t k = 0; k < r.x.size() && k < r.y.size(); ++k) {
      // Log axes skip values they cannot show.
      const bool skip = (p.logy && !(r.y[k] > 0)) || (p.logx && !(r.x[k] > 0));
      s << num(r.x[k]) << " " << (skip ? "NaN" : num(r.y[k])) << "\n";
    }
    s << "EOD\n";
  }
  s << "set terminal " << terminal << "\n";
  if (!output.empty()) s << "set output " << gp_string(output) << "\n";
  s << "set title " << lab(p.title) << "\nset xlabel " << lab(p.xlabel) << "\nset ylabel " << lab(p.ylabel)
    << "\nset grid\nset key below\nset datafile missing 'NaN'\n";
  if (text) s << "set format y '%g'\nset format x '%g'\n";
  if (p.logx) s << "set logscale x\n" << (text ? "" : "set format x '10^{%L}'\n");
  if (p.logy) s << "set logscale y\n" << (text ? "" : "set format y '10^{%L}'\n");
  if (p.xmin < p.xmax) s << "set xrange [" << num(p.xmin) << ":" << num(p.xmax) << "]\n";
  if (p.ymin < p.ymax) s << "set yrange [" << num(p.ymin) << ":" << num(p.ymax) << "]\n";
  s << "plot ";
  for (std::size_t i = 0; i < p.series.size(); ++i) {
    s << (i ? ", " : "") << "$d" << i << " using 1:2 with " << p.series[i].style << " lw 2 title "
      << lab(p.series[i].title);
  }
  if (p.series.empty()) s << "NaN notitle";
  s << "\n";
  if (!output.empty()) s << "unset output\n";
  return s.str();
}

// Runs gnuplot on the script; returns its stdout, or nullopt-like "" with ok = false.
bool run_gnuplot(const std::string& text, std::string* out) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / fmt::format("actlab-plot-{}-{}.gp", ::getpid(), std::rand());
  {
    FILE* f = std::fopen(file.c_str(), "wb");
    if (f == nullptr) return false;
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  const std::string cmd = "gnuplot " + gp_string(file.string()) + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    std::filesystem::remove(file);
    return false;
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    if (out != nullptr) out->append(buf, n);
  }
  const int status = ::pclose(p);
  std::error_code ec;
  std::filesystem::remove(file, ec);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

bool gnuplot_available() {
  static const bool ok = [] {
    std::string out;
    return run_gnuplot("print 1\n", &out);
  }();
  return ok;
}

std::string plot(const PlotSpec& spec, const std::filesystem::path& stem) {
  std::string csv = "series,x,y\n";
  for (const auto& s : spec.series) {
    for (std::size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
      csv += gp_string(s.title) + "," + num(s.x[k]) + "," + num(s.y[k]) + "\n";
    }
  }
  data::write_atomically(stem.string() + ".csv", csv);
  if (!gnuplot_available()) return "gnuplot was not found: the data is in " + stem.string() + ".csv, no images drawn";
  for (const auto& [ext, terminal] :
       {std::pair<std::string, std::string>{".svg", "svg size 820,460 dynamic background '#ffffff'"},
        {".png", "png size 820,460"}}) {
    const std::string final_path = stem.string() + ext;
    const std::string tmp = final_path + ".tmp";
    if (!run_gnuplot(script(spec, terminal, tmp), nullptr)) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return "gnuplot failed drawing " + final_path;
    }
    std::filesystem::rename(tmp, final_path);
  }
  return "";
}

std::string plot_text(const PlotSpec& spec, int width, int height) {
  if (!gnuplot_available()) return "";
  PlotSpec p = spec;
  std::string out;
  if (!run_gnuplot(script(p, fmt::format("dumb size {},{}", width, height), "", true), &out)) return "";
  return out;
}

}  // namespace actlab::lab
