"""actlab's Python module against PyTorch itself (torch.nn.functional, float32 and float64)."""

import math
import pathlib
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import actlab

torch.set_num_threads(1)
ROWS = {r["name"]: r for r in actlab.catalog}

# catalog row -> (actlab call, torch call), with non-default parameters where the row has some.
CASES = {
    "identity": ({}, lambda x: x * 1),
    "relu": ({}, F.relu),
    "relu6": ({}, F.relu6),
    "leaky_relu": ({"negative_slope": 0.2}, lambda x: F.leaky_relu(x, 0.2)),
    "prelu": ({"weight": 0.3}, lambda x: F.prelu(x, torch.tensor([0.3], dtype=x.dtype))),
    "rrelu": ({"lower": 0.1, "upper": 0.3}, lambda x: F.rrelu(x, 0.1, 0.3, training=False)),
    "elu": ({"alpha": 1.5}, lambda x: F.elu(x, 1.5)),
    "celu": ({"alpha": 0.7}, lambda x: F.celu(x, 0.7)),
    "selu": ({}, F.selu),
    "gelu": ({}, F.gelu),
    "gelu_tanh": ({}, lambda x: F.gelu(x, approximate="tanh")),
    "silu": ({}, F.silu),
    "mish": ({}, F.mish),
    "sigmoid": ({}, torch.sigmoid),
    "log_sigmoid": ({}, F.logsigmoid),
    "tanh": ({}, torch.tanh),
    "hardtanh": ({"min_val": -2.0, "max_val": 1.5}, lambda x: F.hardtanh(x, -2.0, 1.5)),
    "hardsigmoid": ({}, F.hardsigmoid),
    "hardswish": ({}, F.hardswish),
    "softplus": ({"beta": 2.0, "threshold": 10.0}, lambda x: F.softplus(x, 2.0, 10.0)),
    "softsign": ({}, F.softsign),
    "softshrink": ({"lambd": 0.5}, lambda x: F.softshrink(x, 0.5)),
    "hardshrink": ({"lambd": 0.5}, lambda x: F.hardshrink(x, 0.5)),
    "tanhshrink": ({}, F.tanhshrink),
    "threshold": ({"threshold": 0.5, "value": -1.0}, lambda x: F.threshold(x, 0.5, -1.0)),
    "relu_squared": ({}, lambda x: F.relu(x) ** 2),
}
# Rows PyTorch has no function for: checked against the reference in the C++ tests instead.
NOT_IN_TORCH = {"step", "swish", "gelu_sigmoid", "squareplus"}
# Deliberate differences at special inputs (docs/accuracy.md): NaN never turns into a number.
KNOWN_SPECIAL = {("softshrink", "nan")}


def test_every_catalog_row_is_covered():
    assert set(ROWS) == set(CASES) | NOT_IN_TORCH


def moderate_inputs():
    """Where PyTorch's own float64 is accurate: away from the tails and from cancellation."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-5, 5, 1000)
    x = x[np.abs(x) > 1e-2]
    kinks = [0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -2.0, 3.0, -3.0, 6.0, 0.3]  # kinks of the rows above
    return np.concatenate([x, np.array(kinks)])


def torch_fwd_bwd(fn, x, g):
    t = torch.tensor(x, requires_grad=True)
    y = fn(t)
    y.backward(torch.tensor(g))
    return y.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_names_parameters_and_kinks_agree_with_torch(name, dtype):
    """Same function, same parameters, same value at every kink: agreement to PyTorch's own accuracy.
    (PyTorch is not correctly rounded: its float64 hardsigmoid' uses a float32 1/6, elu(-1e-30) is 0, the
    tails of gelu, sigmoid', tanh' and tanhshrink cancel. Accuracy is tested against mpmath below.)"""
    kw, fn = CASES[name]
    x = moderate_inputs().astype(dtype)
    if name == "hardswish":
        # PyTorch 1.13 is inconsistent with itself at ±3: its vectorized backward gives 1 and 0 there, its
        # scalar loop (short arrays, tails) 1.5 and -0.5. actlab always gives 1.5 and -0.5 (docs/python.md).
        x = x[np.abs(np.abs(x) - 3) > 0]
    g = np.random.default_rng(1).standard_normal(x.size).astype(dtype)
    y_t, dx_t = torch_fwd_bwd(fn, x.astype(np.float64), g.astype(np.float64))  # PyTorch's float32 is less accurate
    y = getattr(actlab, name)(x, **kw)
    dx = getattr(actlab, name + "_backward")(g, x, **kw)
    assert y.dtype == dtype and dx.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-6
    for ours, theirs, what in ((y, y_t, "forward"), (dx, dx_t, "backward")):
        bad = np.abs(ours - theirs) > tol * np.maximum(np.abs(theirs), 1e-3)
        assert not bad.any(), f"{name} {what}: x={x[bad][:5]} actlab={ours[bad][:5]} torch={theirs[bad][:5]}"


# ---------------------------------------------------------------- accuracy against mpmath

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools" / "golden"))
import gen_reference as _ref  # noqa: E402  (the mpmath definitions the C++ golden files come from)

MP_ROWS = {spec: (params, f) for spec, params, f, _ in _ref.ROWS if "(" not in spec}


def ulp_distance(a, b):
    """Distance in float32 units in the last place (monotone integer mapping)."""
    ai = a.astype(np.float32).view(np.int32).astype(np.int64)
    bi = b.astype(np.float32).view(np.int32).astype(np.int64)
    ai = np.where(ai < 0, np.int64(-(2**31)) - ai, ai)
    bi = np.where(bi < 0, np.int64(-(2**31)) - bi, bi)
    return np.abs(ai - bi)


def accuracy_points():
    rng = np.random.default_rng(11)
    mags = 10 ** rng.uniform(-8, 2, 120)
    x = np.concatenate([mags, -mags, [0.0, 1e-30, -1e-30, 30.0, -30.0, 88.0, -88.0, 1e4, -1e4]])
    return x.astype(np.float32)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_float32_within_the_documented_ulp_bound_of_the_correctly_rounded_result(name):
    params, f = MP_ROWS[name]
    x = accuracy_points()
    y = getattr(actlab, name)(x)
    exact = np.array([float(_ref.stable(lambda v=v: f(_ref.M(float(v)), {k: _ref.M(p) for k, p in params.items()})))
                      for v in x])
    d = ulp_distance(y, exact.astype(np.float32))  # float(mpf) is correctly rounded to double, then to float
    assert d.max() <= ROWS[name]["f32_ulp_forward"], f"{name}: {d.max()} ulp at x={x[d.argmax()]}"


@pytest.mark.parametrize("name", sorted(ROWS))
def test_float32_backward_matches_the_float64_kernels(name):
    """float32 backward within the bound of float64's (the float64 reference is checked against mpmath in C++)."""
    x = accuracy_points()
    g = np.ones_like(x)
    d32 = getattr(actlab, name + "_backward")(g, x)
    d64 = getattr(actlab, name + "_backward")(g.astype(np.float64), x.astype(np.float64))
    d = ulp_distance(d32, d64.astype(np.float32))
    assert d.max() <= ROWS[name]["f32_ulp_backward"], f"{name}: {d.max()} ulp at x={x[d.argmax()]}"


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_values_behave_like_torch(name, dtype):
    kw, fn = CASES[name]
    specials = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf, "0": 0.0, "-0": -0.0}
    for label, v in specials.items():
        if (name, label) in KNOWN_SPECIAL:
            continue
        x = np.array([v], dtype=dtype)
        ours = getattr(actlab, name)(x, **kw)[0]
        theirs = fn(torch.tensor(x))[0].item()
        assert math.isnan(ours) == math.isnan(theirs), f"{name}({label}): {ours} vs torch {theirs}"
        if not math.isnan(theirs):
            assert ours == theirs or abs(ours - theirs) <= 1e-6 * abs(theirs), f"{name}({label}): {ours} vs {theirs}"
            if theirs == 0:
                assert math.copysign(1, ours) == math.copysign(1, theirs), f"{name}({label}) sign of zero"


def test_torch_names_and_defaults():
    x = np.linspace(-4, 4, 101)
    assert np.allclose(actlab.gelu(x, approximate="tanh"), F.gelu(torch.tensor(x), approximate="tanh").numpy())
    assert np.allclose(actlab.softplus(x), F.softplus(torch.tensor(x)).numpy())  # beta=1, threshold=20
    assert np.allclose(actlab.leaky_relu(x), F.leaky_relu(torch.tensor(x)).numpy())  # 0.01
    assert np.allclose(actlab.logsigmoid(x), F.logsigmoid(torch.tensor(x)).numpy())
    assert "negative_slope=0.01" in str(__import__("inspect").signature(actlab.leaky_relu))
    assert "ulp" in actlab.gelu_tanh.__doc__


def test_shapes_strides_and_out():
    x = np.random.default_rng(3).standard_normal((4, 6, 5)).astype(np.float32)
    strided = x[:, ::2, :].transpose(2, 0, 1)
    assert np.array_equal(actlab.relu(strided), np.maximum(strided, 0))
    out = np.empty_like(x)
    r = actlab.tanh(x, out=out)
    assert r is out or np.shares_memory(r, out)
    assert np.allclose(out, np.tanh(x), atol=1e-6)
    y = x.copy()
    actlab.relu(y, inplace=True)
    assert np.array_equal(y, np.maximum(x, 0))


@pytest.mark.parametrize("kind,fn", [("softmax", F.softmax), ("log_softmax", F.log_softmax), ("softmin", F.softmin)])
@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_softmax_family_matches_torch(kind, fn, dim):
    x = np.random.default_rng(4).standard_normal((5, 7, 3)) * 10
    t = torch.tensor(x, requires_grad=True)
    y_t = fn(t / 0.5, dim=dim)
    g = np.random.default_rng(5).standard_normal(x.shape)
    y_t.backward(torch.tensor(g))
    y = getattr(actlab, kind)(x, dim=dim, temperature=0.5)
    assert np.allclose(y, y_t.detach().numpy(), rtol=1e-13, atol=1e-15)
    dx = getattr(actlab, kind + "_backward")(g, y, dim=dim, temperature=0.5)
    assert np.allclose(dx, t.grad.numpy(), rtol=1e-12, atol=1e-14)
    big = np.array([[1000.0, -1000.0, 0.0]], dtype=np.float32)
    assert np.allclose(actlab.softmax(big), F.softmax(torch.tensor(big), dim=-1).numpy())


def test_losses_match_torch():
    rng = np.random.default_rng(6)
    logits = rng.standard_normal((8, 5)) * 3
    target = np.array([0, 4, 2, 2, 1, 3, -100, 0])
    weight = rng.uniform(0.5, 2, 5)
    tl, tt, tw = torch.tensor(logits, requires_grad=True), torch.tensor(target), torch.tensor(weight)
    for reduction in ("mean", "sum", "none"):
        for ls in (0.0, 0.1):
            ours = actlab.cross_entropy(logits, target, weight=weight, reduction=reduction, label_smoothing=ls)
            theirs = F.cross_entropy(tl, tt, weight=tw, reduction=reduction, label_smoothing=ls)
            assert np.allclose(ours, theirs.detach().numpy(), rtol=1e-12, atol=1e-14), (reduction, ls)
    loss = F.cross_entropy(tl, tt, weight=tw, label_smoothing=0.1)
    loss.backward()
    grad = actlab.cross_entropy_backward(logits, target, weight=weight, label_smoothing=0.1)
    assert np.allclose(grad, tl.grad.numpy(), rtol=1e-12, atol=1e-14)
    probs = rng.dirichlet(np.ones(5), 8)
    assert np.isclose(actlab.cross_entropy(logits, probs), F.cross_entropy(tl, torch.tensor(probs)).item(), rtol=1e-12)
    logp = F.log_softmax(torch.tensor(logits), dim=1)
    t2 = np.array([0, 4, 2, 2, 1, 3, 1, 0])
    assert np.isclose(actlab.nll_loss(logp.numpy(), t2, weight=weight),
                      F.nll_loss(logp, torch.tensor(t2), weight=tw).item(), rtol=1e-12)
    y = rng.integers(0, 2, (8, 5)).astype(np.float64)
    pw = rng.uniform(0.5, 3, 5)
    assert np.isclose(actlab.binary_cross_entropy_with_logits(logits, y, pos_weight=pw),
                      F.binary_cross_entropy_with_logits(torch.tensor(logits), torch.tensor(y),
                                                         pos_weight=torch.tensor(pw)).item(), rtol=1e-12)
    p = 1 / (1 + np.exp(-logits))
    assert np.isclose(actlab.binary_cross_entropy(p, y), F.binary_cross_entropy(torch.tensor(p), torch.tensor(y)).item(),
                      rtol=1e-12)
    for name, fn in (("mse_loss", F.mse_loss), ("l1_loss", F.l1_loss), ("huber_loss", F.huber_loss)):
        for reduction in ("mean", "sum", "none"):
            ours = getattr(actlab, name)(logits, y, reduction=reduction)
            theirs = fn(torch.tensor(logits), torch.tensor(y), reduction=reduction).numpy()
            assert np.allclose(ours, theirs, rtol=1e-12), (name, reduction)


def test_gains_match_torch():
    for name, param in (("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("selu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("conv2d", None)):
        assert actlab.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-15)
    assert actlab.variance_gain("relu") == pytest.approx(math.sqrt(2), rel=1e-12)


def test_bad_input_raises_type_and_value_errors():
    x = np.ones(4, dtype=np.float32)
    with pytest.raises(TypeError, match="numpy.ndarray"):
        actlab.relu([1.0, 2.0])
    with pytest.raises(TypeError, match="dtype float32 or float64"):
        actlab.relu(np.arange(4))
    with pytest.raises(TypeError, match="same dtype"):
        actlab.relu_backward(np.ones(4), x)
    with pytest.raises(ValueError, match="same shape"):
        actlab.relu_backward(np.ones(5, dtype=np.float32), x)
    with pytest.raises(ValueError, match="out of range"):
        actlab.elu(x, alpha=-1)
    with pytest.raises(TypeError, match="must be a number"):
        actlab.elu(x, alpha="big")
    with pytest.raises(TypeError, match="unexpected keyword"):
        actlab.relu(x, slope=2)
    with pytest.raises(ValueError, match="shape"):
        actlab.relu(x, out=np.empty(5, dtype=np.float32))
    with pytest.raises(TypeError, match="dtype"):
        actlab.relu(x, out=np.empty(4, dtype=np.float64))
    with pytest.raises(ValueError, match="reduction"):
        actlab.mse_loss(np.ones(3), np.ones(3), reduction="avg")
    with pytest.raises(ValueError, match="values"):
        actlab.mse_loss(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="approximate"):
        actlab.gelu(x, approximate="fast")
    with pytest.raises(ValueError):
        actlab.cross_entropy(np.ones((2, 3)), np.array([0, 7]))
