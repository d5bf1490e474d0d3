"""actlab: activation functions done right, on NumPy arrays.

Every catalog activation is a function with PyTorch's name and keyword defaults
(``actlab.gelu(x, approximate="none")``, ``actlab.softplus(x, beta=1, threshold=20)``,
``actlab.leaky_relu(x, negative_slope=0.01)``) and a ``*_backward(grad_output, input, ...)``
twin; the softmax family and the losses follow ``torch.nn.functional``. Arrays are float32
or float64 of any shape and stride (contiguous ones are used in place, others copied);
``out=`` writes into an existing array; the GIL is released while a kernel runs.
"""

import inspect as _inspect

import numpy as _np

from . import _actlab
from ._actlab import ActlabError, get_num_threads, set_num_threads, variance_gain  # noqa: F401

__version__ = _actlab.__version__
catalog = _actlab.catalog()
_rows = {r["name"]: r for r in catalog}

__all__ = ["catalog", "calculate_gain", "variance_gain", "ActlabError", "set_num_threads", "get_num_threads"]


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, _np.floating, _np.integer)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    return float(value)


def _spec(row, values):
    if not values:
        return row
    return row + "(" + ", ".join(f"{k}={float(v)!r}" for k, v in values) + ")"


def _doc(row, torch_name, note=""):
    r = _rows[row]
    params = ", ".join(f"{p['name']}={p['default']:g}" for p in r["parameters"])
    return (
        f"{torch_name}(input{', ' + params if params else ''}, out=None): {r['formula']}\n\n"
        f"derivative: {r['derivative']}\nrange: {r['range']}\n"
        f"accuracy: float32 within {r['f32_ulp_forward']:g} ulp (backward {r['f32_ulp_backward']:g} ulp) of the "
        f"correctly rounded result; float64 to a few ulp.\n{r['note']}\n{note}"
    )


def _define(torch_name, row, renames=None, extra=None):
    """Makes torch_name(input, <params with defaults>, out=None) and torch_name_backward."""
    renames = renames or {}
    params = [(renames.get(p["name"], p["name"]), p["name"], p["default"]) for p in _rows[row]["parameters"]]

    def forward(input, *args, out=None, inplace=False, **kwargs):
        spec = _spec(row, _bind(torch_name, params, args, kwargs))
        if inplace:
            out = input
        return _actlab.forward(spec, input, out)

    def backward(grad_output, input, *args, out=None, **kwargs):
        spec = _spec(row, _bind(torch_name, params, args, kwargs))
        return _actlab.backward(spec, grad_output, input, out)

    sig = [_inspect.Parameter("input", _inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    sig += [_inspect.Parameter(n, _inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d) for n, _, d in params]
    forward.__signature__ = _inspect.Signature(
        sig + [_inspect.Parameter("out", _inspect.Parameter.KEYWORD_ONLY, default=None),
               _inspect.Parameter("inplace", _inspect.Parameter.KEYWORD_ONLY, default=False)])
    backward.__signature__ = _inspect.Signature(
        [_inspect.Parameter("grad_output", _inspect.Parameter.POSITIONAL_OR_KEYWORD)] + sig
        + [_inspect.Parameter("out", _inspect.Parameter.KEYWORD_ONLY, default=None)])
    forward.__name__, backward.__name__ = torch_name, torch_name + "_backward"
    forward.__doc__ = _doc(row, torch_name)
    backward.__doc__ = f"{torch_name}_backward(grad_output, input, ...): f'(input)·grad_output for {torch_name}."
    globals()[torch_name] = forward
    globals()[torch_name + "_backward"] = backward
    __all__.extend([torch_name, torch_name + "_backward"])


def _bind(name, params, args, kwargs):
    if len(args) > len(params):
        raise TypeError(f"{name}() takes {len(params) + 1} positional arguments but {len(args) + 1} were given")
    values = {}
    for (pub, _, _), v in zip(params, args):
        values[pub] = v
    for k, v in kwargs.items():
        if k not in [p[0] for p in params]:
            raise TypeError(f"{name}() got an unexpected keyword argument '{k}'")
        if k in values:
            raise TypeError(f"{name}() got multiple values for argument '{k}'")
        values[k] = v
    return [(internal, _number(pub, values[pub])) for pub, internal, _ in params if pub in values]


# Every catalog row under its own name ...
for _name in _rows:
    _define(_name, _name)
# ... and PyTorch's names where they differ.
_define("logsigmoid", "log_sigmoid")


def gelu(input, approximate="none", *, out=None):
    """gelu(input, approximate='none'|'tanh', out=None): x·Φ(x), or PyTorch's tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', not {approximate!r}")
    return _actlab.forward("gelu" if approximate == "none" else "gelu_tanh", input, out)


def gelu_backward(grad_output, input, approximate="none", *, out=None):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', not {approximate!r}")
    return _actlab.backward("gelu" if approximate == "none" else "gelu_tanh", grad_output, input, out)


_rrelu_eval = globals()["rrelu"]


def rrelu(input, lower=0.125, upper=1.0 / 3.0, training=False, *, out=None):
    """rrelu(input, lower=1/8, upper=1/3, training=False): in eval the slope is (lower+upper)/2.
    Random slopes (training=True) belong to a training framework; actlab's lab draws them."""
    if training:
        raise ValueError("actlab.rrelu computes the deterministic (eval) form; training=True is not supported")
    return _rrelu_eval(input, lower, upper, out=out)


# ---------------------------------------------------------------- softmax family

def _last_axis(x, dim):
    if not isinstance(x, _np.ndarray):
        raise TypeError(f"input must be a numpy.ndarray, not {type(x).__name__}")
    if x.ndim == 0:
        raise ValueError("softmax needs at least one dimension")
    return _np.moveaxis(x, dim, -1)


def _softmax(kind):
    def f(input, dim=-1, temperature=1.0, *, out=None):
        moved = _last_axis(input, dim)
        y = _actlab.softmax(kind, moved, float(temperature))
        y = _np.moveaxis(y, -1, dim)
        if out is not None:
            out[...] = y
            return out
        return _np.ascontiguousarray(y)

    def b(grad_output, output, dim=-1, temperature=1.0):
        g = _actlab.softmax_backward(kind, _last_axis(grad_output, dim), _last_axis(output, dim), float(temperature))
        return _np.ascontiguousarray(_np.moveaxis(g, -1, dim))

    f.__name__, b.__name__ = kind, kind + "_backward"
    f.__doc__ = f"{kind}(input, dim=-1, temperature=1.0): {kind} of input/temperature along dim, stable for any logits."
    b.__doc__ = f"{kind}_backward(grad_output, output, dim=-1): the vector-Jacobian product from the forward output."
    globals()[kind], globals()[kind + "_backward"] = f, b
    __all__.extend([kind, kind + "_backward"])


for _k in ("softmax", "log_softmax", "softmin"):
    _softmax(_k)


# ---------------------------------------------------------------- losses (float64, fused with their gradient)

def _check_array(x, what):
    if not isinstance(x, _np.ndarray):
        raise TypeError(f"{what} must be a numpy.ndarray, not {type(x).__name__}")
    return x


def _loss_out(result, reduction, shape, grad):
    loss, g, per = result
    if grad:
        return g.reshape(shape)
    if reduction == "none":
        return per.reshape(shape[:1] if len(shape) == 2 and per.size == shape[0] else shape)
    return loss


def _ce(input, target, weight, ignore_index, reduction, label_smoothing, grad):
    _check_array(input, "input")
    _check_array(target, "target")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    t = target if target.ndim >= 1 else target.reshape(1)
    if t.dtype.kind == "f" and input.ndim == 1:
        t = t.reshape(1, -1)
    r = _actlab.cross_entropy(x, t, weight, int(ignore_index), float(label_smoothing), reduction)
    return _loss_out(r, reduction, x.shape, grad)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """cross_entropy on logits (N, C) with class indices (N,) or probabilities (N, C): PyTorch's semantics."""
    return _ce(input, target, weight, ignore_index, reduction, label_smoothing, False)


def cross_entropy_backward(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """dL/dinput of cross_entropy (for reduction 'mean' or 'sum')."""
    return _ce(input, target, weight, ignore_index, reduction, label_smoothing, True)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """nll_loss on log-probabilities (N, C) with class indices (N,)."""
    _check_array(input, "input")
    return _loss_out(_actlab.nll_loss(input, _check_array(target, "target"), weight, int(ignore_index), reduction),
                     reduction, input.shape, False)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """Binary cross-entropy on logits, stable for any logit."""
    _check_array(input, "input")
    r = _actlab.binary("bce_with_logits", input, _check_array(target, "target"), weight, pos_weight, reduction)
    return _loss_out(r, reduction, input.shape, False)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """Binary cross-entropy on probabilities, with PyTorch's log clamp at -100."""
    _check_array(input, "input")
    r = _actlab.binary("bce", input, _check_array(target, "target"), weight, None, reduction)
    return _loss_out(r, reduction, input.shape, False)


def mse_loss(input, target, reduction="mean"):
    _check_array(input, "input")
    return _loss_out(_actlab.regression("mse", input, _check_array(target, "target"), 1.0, reduction), reduction,
                     input.shape, False)


def l1_loss(input, target, reduction="mean"):
    _check_array(input, "input")
    return _loss_out(_actlab.regression("l1", input, _check_array(target, "target"), 1.0, reduction), reduction,
                     input.shape, False)


def huber_loss(input, target, reduction="mean", delta=1.0):
    _check_array(input, "input")
    return _loss_out(_actlab.regression("huber", input, _check_array(target, "target"), float(delta), reduction),
                     reduction, input.shape, False)


__all__ += ["gelu", "gelu_backward", "rrelu", "cross_entropy", "cross_entropy_backward", "nll_loss",
            "binary_cross_entropy_with_logits", "binary_cross_entropy", "mse_loss", "l1_loss", "huber_loss"]


def calculate_gain(nonlinearity, param=None):
    """torch.nn.init.calculate_gain: linear/conv/sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1+slope²)), selu 3/4."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                        "conv_transpose3d", "sigmoid"):
        return 1.0
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else _number("param", param)
        return _actlab.torch_gain(f"leaky_relu(negative_slope={slope!r})")
    if nonlinearity in ("tanh", "relu", "selu"):
        return _actlab.torch_gain(nonlinearity)
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")
