// plot.h — figures through gnuplot: SVG for the report, PNG for viewing, and
// compact text plots for the terminal. The data always goes to a CSV beside them.
#ifndef ACTLAB_LAB_LAB_PLOT_H_
#define ACTLAB_LAB_LAB_PLOT_H_

#include <filesystem>
#include <string>
#include <vector>

namespace actlab::lab {

struct Series {
  std::string title;
  std::vector<double> x, y;
  std::string style = "lines";  ///< gnuplot "with …": lines, linespoints, points, boxes
};

struct PlotSpec {
  std::string title, xlabel, ylabel;
  bool logx = false, logy = false;
  double xmin = 0, xmax = 0, ymin = 0, ymax = 0;  ///< a range is used when min < max
  std::vector<Series> series;
};

/** True when `gnuplot` runs. */
bool gnuplot_available();

/** Writes <stem>.csv (the data), then <stem>.svg and <stem>.png through gnuplot, each
 *  atomically. Returns "" on success, or why the images were not drawn (no gnuplot). */
std::string plot(const PlotSpec& spec, const std::filesystem::path& stem);

/** A text plot (gnuplot's dumb terminal), or "" without gnuplot. */
std::string plot_text(const PlotSpec& spec, int width = 78, int height = 20);

}  // namespace actlab::lab

#endif  // ACTLAB_LAB_LAB_PLOT_H_
