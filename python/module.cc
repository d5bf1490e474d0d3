// module.cc — the Python binding: NumPy arrays in, libactlab's kernels, NumPy arrays out.
// The PyTorch-named functions with keyword defaults are made in actlab/__init__.py from
// the catalog this module exports; here are the typed entry points they call.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <string>

#include "actlab/actlab.h"
#include "theory.h"

namespace py = pybind11;
using actlab::Activation;

namespace {

enum class Kind { kF32, kF64 };

Kind kind_of(const py::handle& h, const char* what) {
  if (!py::isinstance<py::array>(h)) {
    throw py::type_error(std::string(what) + " must be a numpy.ndarray of float32 or float64, not " +
                         std::string(py::str(h.get_type().attr("__name__"))));
  }
  const auto a = py::reinterpret_borrow<py::array>(h);
  if (a.dtype().is(py::dtype::of<float>())) return Kind::kF32;
  if (a.dtype().is(py::dtype::of<double>())) return Kind::kF64;
  throw py::type_error(std::string(what) + " must have dtype float32 or float64, not " +
                       std::string(py::str(a.dtype())));
}

template <typename T>
py::array_t<T, py::array::c_style> contiguous(const py::handle& h) {
  return py::array_t<T, py::array::c_style>::ensure(h);  // copies only when strided
}

// The output array: `out` if given (same dtype and shape, C-contiguous, writeable), else a new one.
template <typename T>
py::array_t<T, py::array::c_style> output_for(const py::array& like, const py::object& out) {
  if (out.is_none())
    return py::array_t<T, py::array::c_style>(std::vector<py::ssize_t>(like.shape(), like.shape() + like.ndim()));
  if (!py::isinstance<py::array_t<T>>(out) || !py::reinterpret_borrow<py::array>(out).dtype().is(py::dtype::of<T>())) {
    throw py::type_error("out must be a numpy.ndarray with the input's dtype");
  }
  auto o = py::reinterpret_borrow<py::array>(out);
  if (o.ndim() != like.ndim() || !std::equal(like.shape(), like.shape() + like.ndim(), o.shape())) {
    throw py::value_error("out has shape different from the input's");
  }
  if (!(o.flags() & py::array::c_style) || !o.writeable())
    throw py::value_error("out must be C-contiguous and writeable");
  return py::reinterpret_borrow<py::array_t<T, py::array::c_style>>(o);
}

template <typename T>
std::span<const T> cspan(const py::array_t<T, py::array::c_style>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}
template <typename T>
std::span<T> mspan(py::array_t<T, py::array::c_style>& a) {
  return {a.mutable_data(), static_cast<std::size_t>(a.size())};
}

template <typename T>
py::array forward_t(const Activation& act, const py::handle& x, const py::object& out) {
  auto xc = contiguous<T>(x);
  auto y = output_for<T>(xc, out);
  {
    py::gil_scoped_release nogil;
    act.forward(cspan(xc), mspan(y));
  }
  return y;
}

template <typename T>
py::array backward_t(const Activation& act, const py::handle& grad, const py::handle& x, const py::object& out) {
  auto xc = contiguous<T>(x);
  auto gc = contiguous<T>(grad);
  if (gc.ndim() != xc.ndim() || !std::equal(xc.shape(), xc.shape() + xc.ndim(), gc.shape())) {
    throw py::value_error("grad_output and input must have the same shape");
  }
  auto dx = output_for<T>(xc, out);
  {
    py::gil_scoped_release nogil;
    act.backward(cspan(xc), cspan(gc), mspan(dx));
  }
  return dx;
}

py::array forward(const std::string& spec, const py::handle& x, const py::object& out) {
  const Activation act = Activation::parse(spec);
  return kind_of(x, "input") == Kind::kF32 ? forward_t<float>(act, x, out) : forward_t<double>(act, x, out);
}

py::array backward(const std::string& spec, const py::handle& grad, const py::handle& x, const py::object& out) {
  const Activation act = Activation::parse(spec);
  const Kind k = kind_of(x, "input");
  if (kind_of(grad, "grad_output") != k) throw py::type_error("grad_output and input must have the same dtype");
  return k == Kind::kF32 ? backward_t<float>(act, grad, x, out) : backward_t<double>(act, grad, x, out);
}

actlab::SoftmaxKind softmax_of(const std::string& name) {
  const auto k = actlab::softmax_kind(name);
  if (!k) throw py::value_error("unknown softmax kind '" + name + "'");
  return *k;
}

template <typename T>
py::array softmax_t(actlab::SoftmaxKind kind, const py::handle& x, double temperature, const py::object& out) {
  auto xc = contiguous<T>(x);
  if (xc.ndim() == 0 || xc.shape(xc.ndim() - 1) == 0) throw py::value_error("softmax needs a non-empty last axis");
  auto y = output_for<T>(xc, out);
  const auto cols = static_cast<std::size_t>(xc.shape(xc.ndim() - 1));
  {
    py::gil_scoped_release nogil;
    actlab::softmax_forward(kind, cspan(xc), mspan(y), cols, {temperature, false});
  }
  return y;
}

template <typename T>
py::array softmax_backward_t(actlab::SoftmaxKind kind, const py::handle& dy, const py::handle& y, double temperature) {
  auto yc = contiguous<T>(y);
  auto gc = contiguous<T>(dy);
  if (gc.ndim() != yc.ndim() || !std::equal(yc.shape(), yc.shape() + yc.ndim(), gc.shape())) {
    throw py::value_error("grad_output and output must have the same shape");
  }
  if (yc.ndim() == 0 || yc.shape(yc.ndim() - 1) == 0) throw py::value_error("softmax needs a non-empty last axis");
  auto dx = output_for<T>(yc, py::none());
  const auto cols = static_cast<std::size_t>(yc.shape(yc.ndim() - 1));
  {
    py::gil_scoped_release nogil;
    actlab::softmax_backward(kind, cspan(yc), cspan(gc), mspan(dx), cols, {temperature, false});
  }
  return dx;
}

actlab::Reduction reduction_of(const std::string& r) {
  const auto red = actlab::reduction_from_string(r);
  if (!red) throw py::value_error("reduction must be 'mean', 'sum' or 'none', not '" + r + "'");
  return *red;
}

using F64 = py::array_t<double, py::array::c_style | py::array::forcecast>;

// Losses run in double (as PyTorch's reference does in float64); results: (loss, grad, per_sample).
py::tuple loss_result(double loss, F64 grad, F64 per) { return py::make_tuple(loss, grad, per); }

F64 like(const F64& a) { return F64(std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim())); }

void same_size(const F64& a, const F64& b, const char* what) {
  if (a.size() != b.size()) {
    throw py::value_error(std::string(what) + ": input has " + std::to_string(a.size()) + " values, target " +
                          std::to_string(b.size()));
  }
}

// Per-class weights (C values) or none.
std::vector<double> class_weights(const py::object& weight, std::size_t cols) {
  if (weight.is_none()) return {};
  const F64 wa = F64::ensure(weight);
  if (!wa || static_cast<std::size_t>(wa.size()) != cols) throw py::value_error("weight must have C values");
  return {wa.data(), wa.data() + wa.size()};
}

}  // namespace

PYBIND11_MODULE(_actlab, m) {
  m.doc() = "libactlab's kernels on NumPy arrays (see the actlab package for PyTorch-named functions)";
  py::register_exception<actlab::Error>(m, "ActlabError", PyExc_ValueError);
  m.attr("__version__") = actlab::version();

  m.def("catalog", [] {
    py::list rows;
    for (const auto& row : actlab::catalog()) {
      py::list params;
      for (const auto& p : row.param_list()) {
        params.append(py::dict(py::arg("name") = std::string(p.name), py::arg("default") = p.default_value,
                               py::arg("min") = p.min, py::arg("max") = p.max, py::arg("doc") = std::string(p.doc)));
      }
      py::list props;
      for (std::size_t i = 0; i < actlab::prop_names().size(); ++i) {
        if ((row.props & (1u << i)) != 0) props.append(std::string(actlab::prop_names()[i]));
      }
      const auto gain = Activation(row.id).torch_gain();
      rows.append(py::dict(
          py::arg("name") = std::string(row.name), py::arg("formula") = std::string(row.formula),
          py::arg("derivative") = std::string(row.derivative), py::arg("range") = std::string(row.range),
          py::arg("parameters") = params, py::arg("properties") = props, py::arg("note") = std::string(row.note),
          py::arg("f32_ulp_forward") = row.f32_ulp_forward, py::arg("f32_ulp_backward") = row.f32_ulp_backward,
          py::arg("torch_gain") = gain ? py::object(py::float_(*gain)) : py::object(py::none())));
    }
    return rows;
  });
  m.def("forward", &forward, py::arg("spec"), py::arg("input"), py::arg("out") = py::none(),
        "f(input) element-wise for a catalog spec such as 'leaky_relu(negative_slope=0.2)'");
  m.def("backward", &backward, py::arg("spec"), py::arg("grad_output"), py::arg("input"), py::arg("out") = py::none(),
        "f'(input)·grad_output element-wise");
  m.def(
      "softmax",
      [](const std::string& kind, const py::handle& x, double temperature, const py::object& out) {
        return kind_of(x, "input") == Kind::kF32 ? softmax_t<float>(softmax_of(kind), x, temperature, out)
                                                 : softmax_t<double>(softmax_of(kind), x, temperature, out);
      },
      py::arg("kind"), py::arg("input"), py::arg("temperature") = 1.0, py::arg("out") = py::none(),
      "softmax, log_softmax or softmin over the last axis");
  m.def(
      "softmax_backward",
      [](const std::string& kind, const py::handle& dy, const py::handle& y, double temperature) {
        const Kind k = kind_of(y, "output");
        if (kind_of(dy, "grad_output") != k) throw py::type_error("grad_output and output must have the same dtype");
        return k == Kind::kF32 ? softmax_backward_t<float>(softmax_of(kind), dy, y, temperature)
                               : softmax_backward_t<double>(softmax_of(kind), dy, y, temperature);
      },
      py::arg("kind"), py::arg("grad_output"), py::arg("output"), py::arg("temperature") = 1.0);
  m.def(
      "cross_entropy",
      [](F64 logits, const py::object& target, const py::object& weight, std::int64_t ignore_index,
         double label_smoothing, const std::string& reduction) {
        if (logits.ndim() != 2) throw py::value_error("cross_entropy: input must be (N, C)");
        const auto cols = static_cast<std::size_t>(logits.shape(1));
        F64 grad = like(logits);
        F64 per(std::vector<py::ssize_t>{logits.shape(0)});
        const std::vector<double> w = class_weights(weight, cols);
        actlab::CrossEntropyOptions o;
        o.weight = w;
        o.ignore_index = ignore_index;
        o.label_smoothing = label_smoothing;
        o.reduction = reduction_of(reduction);
        const auto t = py::reinterpret_borrow<py::array>(target);
        if (!py::isinstance<py::array>(target)) throw py::type_error("target must be a numpy.ndarray");
        double loss = 0;
        if (t.dtype().kind() == 'f') {
          const F64 tp = F64::ensure(target);
          same_size(logits, tp, "cross_entropy");
          py::gil_scoped_release nogil;
          loss = actlab::cross_entropy_probs({logits.data(), static_cast<std::size_t>(logits.size())},
                                             {tp.data(), static_cast<std::size_t>(tp.size())}, cols,
                                             {grad.mutable_data(), static_cast<std::size_t>(grad.size())}, o,
                                             {per.mutable_data(), static_cast<std::size_t>(per.size())});
        } else if (t.dtype().kind() == 'i' || t.dtype().kind() == 'u') {
          const auto ti = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(target);
          if (ti.size() != logits.shape(0)) throw py::value_error("target must have N class indices");
          py::gil_scoped_release nogil;
          loss = actlab::cross_entropy({logits.data(), static_cast<std::size_t>(logits.size())},
                                       {ti.data(), static_cast<std::size_t>(ti.size())}, cols,
                                       {grad.mutable_data(), static_cast<std::size_t>(grad.size())}, o,
                                       {per.mutable_data(), static_cast<std::size_t>(per.size())});
        } else {
          throw py::type_error("target must hold class indices (integers) or probabilities (floats)");
        }
        return loss_result(loss, grad, per);
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("ignore_index") = -100,
      py::arg("label_smoothing") = 0.0, py::arg("reduction") = "mean");
  m.def(
      "nll_loss",
      [](F64 logp, const py::array& target, const py::object& weight, std::int64_t ignore_index,
         const std::string& reduction) {
        if (logp.ndim() != 2) throw py::value_error("nll_loss: input must be (N, C)");
        const auto cols = static_cast<std::size_t>(logp.shape(1));
        const auto ti = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(target);
        if (!ti || ti.size() != logp.shape(0)) throw py::value_error("target must have N class indices");
        const std::vector<double> w = class_weights(weight, cols);
        actlab::CrossEntropyOptions o;
        o.weight = w;
        o.ignore_index = ignore_index;
        o.reduction = reduction_of(reduction);
        F64 grad = like(logp);
        F64 per(std::vector<py::ssize_t>{logp.shape(0)});
        const double loss = actlab::nll_loss({logp.data(), static_cast<std::size_t>(logp.size())},
                                             {ti.data(), static_cast<std::size_t>(ti.size())}, cols,
                                             {grad.mutable_data(), static_cast<std::size_t>(grad.size())}, o,
                                             {per.mutable_data(), static_cast<std::size_t>(per.size())});
        return loss_result(loss, grad, per);
      },
      py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("ignore_index") = -100,
      py::arg("reduction") = "mean");
  m.def(
      "binary",
      [](const std::string& which, F64 input, F64 target, const py::object& weight, const py::object& pos_weight,
         const std::string& reduction) {
        same_size(input, target, which.c_str());
        std::vector<double> w, pw;
        if (!weight.is_none()) {
          const F64 a = F64::ensure(weight);
          w.assign(a.data(), a.data() + a.size());
        }
        if (!pos_weight.is_none()) {
          const F64 a = F64::ensure(pos_weight);
          pw.assign(a.data(), a.data() + a.size());
        }
        actlab::BceOptions o;
        o.weight = w;
        o.pos_weight = pw;
        o.cols = input.ndim() > 0 ? static_cast<std::size_t>(input.shape(input.ndim() - 1)) : 1;
        o.reduction = reduction_of(reduction);
        F64 grad = like(input), per = like(input);
        const std::span<const double> in(input.data(), static_cast<std::size_t>(input.size()));
        const std::span<const double> tg(target.data(), static_cast<std::size_t>(target.size()));
        const std::span<double> g(grad.mutable_data(), static_cast<std::size_t>(grad.size()));
        const std::span<double> ps(per.mutable_data(), static_cast<std::size_t>(per.size()));
        const double loss =
            which == "bce_with_logits" ? actlab::bce_with_logits(in, tg, g, o, ps) : actlab::bce(in, tg, g, o, ps);
        return loss_result(loss, grad, per);
      },
      py::arg("which"), py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
      py::arg("pos_weight") = py::none(), py::arg("reduction") = "mean");
  m.def(
      "regression",
      [](const std::string& which, F64 input, F64 target, double delta, const std::string& reduction) {
        same_size(input, target, which.c_str());
        F64 grad = like(input), per = like(input);
        const std::span<const double> in(input.data(), static_cast<std::size_t>(input.size()));
        const std::span<const double> tg(target.data(), static_cast<std::size_t>(target.size()));
        const std::span<double> g(grad.mutable_data(), static_cast<std::size_t>(grad.size()));
        const std::span<double> ps(per.mutable_data(), static_cast<std::size_t>(per.size()));
        const auto red = reduction_of(reduction);
        double loss = 0;
        if (which == "mse") {
          loss = actlab::mse_loss(in, tg, g, red, ps);
        } else if (which == "l1") {
          loss = actlab::l1_loss(in, tg, g, red, ps);
        } else {
          loss = actlab::huber_loss(in, tg, g, delta, red, ps);
        }
        return loss_result(loss, grad, per);
      },
      py::arg("which"), py::arg("input"), py::arg("target"), py::arg("delta") = 1.0, py::arg("reduction") = "mean");
  m.def(
      "set_num_threads",
      [](int n) {
        if (n < 1) throw py::value_error("set_num_threads: n must be >= 1");
        actlab::set_num_threads(n);
      },
      py::arg("n"), "Threads used for large arrays (results are bitwise identical for any count)");
  m.def("get_num_threads", &actlab::num_threads);
  m.def(
      "torch_gain",
      [](const std::string& spec) -> py::object {
        const auto g = Activation::parse(spec).torch_gain();
        return g ? py::object(py::float_(*g)) : py::object(py::none());
      },
      py::arg("spec"));
  m.def(
      "variance_gain",
      [](const std::string& spec) {
        return actlab::theory::variance_gain(actlab::theory::from_activation(Activation::parse(spec)));
      },
      py::arg("spec"), "1/sqrt(E[f(z)^2]), z ~ N(0, 1): the variance-preserving gain");
}
