#!/usr/bin/python3
"""Independent high-precision values of every catalog row, from mpmath.

Writes tests/core/data/mpmath_reference.txt. Each function is written here
from its textbook definition in mpmath at 60 significant digits (more where the
definition cancels), *not* from actlab's tail-safe forms, and each derivative is
a central finite difference at high precision (mpmath.diff with a tiny step),
so neither checks the C++ code against itself.

Run with Debian's python3-mpmath:  /usr/bin/python3 tools/golden/gen_reference.py
"""
import math
import os
import random
import sys

import mpmath as mp

SCRIPT = "tools/golden/gen_reference.py"
FORMAT_VERSION = 1
mp.mp.dps = 60

M = mp.mpf
SQRT2 = mp.sqrt(2)
SELU_ALPHA = M("1.6732632423543772848170429916717")
SELU_SCALE = M("1.0507009873554804934193349852946")


def sig(t):
    return 1 / (1 + mp.exp(-t))


def cancel_dps(x, extra):
    """Working digits for a definition that loses `extra`·log10|x| digits."""
    if x == 0:
        return mp.mp.dps
    return mp.mp.dps + int(abs(extra * mp.log10(abs(x)))) + 10


# name -> (params dict, f(x, p), kinks(p)); definitions straight from the formulas.
def relu(x, p):
    return x if x > 0 else M(0)


def elu_like(x, alpha, scale, input_scale):
    return scale * (x if x > 0 else alpha * (mp.exp(x * input_scale) - 1))


def softplus(x, p):
    b, th = p["beta"], p["threshold"]
    return x if b * x > th else mp.log(1 + mp.exp(b * x)) / b


def squareplus(x, p):
    with mp.workdps(cancel_dps(x, 2)):
        return (x + mp.sqrt(x * x + p["b"])) / 2


def tanhshrink(x, p):
    with mp.workdps(cancel_dps(x, 2)):
        return x - mp.tanh(x)


def hardswish(x, p):
    return x * min(max(x + 3, M(0)), M(6)) / 6


ROWS = [
    # spec, params, f, kinks
    ("identity", {}, lambda x, p: x, []),
    ("step", {}, lambda x, p: M(1) if x >= 0 else M(0), [0]),
    ("relu", {}, relu, [0]),
    ("relu6", {}, lambda x, p: min(max(x, M(0)), M(6)), [0, 6]),
    ("leaky_relu", {"negative_slope": 0.01}, lambda x, p: x if x > 0 else p["negative_slope"] * x, [0]),
    ("leaky_relu(negative_slope=0.2)", {"negative_slope": 0.2}, lambda x, p: x if x > 0 else p["negative_slope"] * x, [0]),
    ("prelu", {"weight": 0.25}, lambda x, p: x if x > 0 else p["weight"] * x, [0]),
    ("rrelu", {"lower": 0.125, "upper": 1 / 3}, lambda x, p: x if x > 0 else (p["lower"] + p["upper"]) / 2 * x, [0]),
    ("elu", {"alpha": 1.0}, lambda x, p: elu_like(x, p["alpha"], 1, 1), [0]),
    ("elu(alpha=2)", {"alpha": 2.0}, lambda x, p: elu_like(x, p["alpha"], 1, 1), [0]),
    ("celu", {"alpha": 1.0}, lambda x, p: elu_like(x, p["alpha"], 1, 1 / p["alpha"]), [0]),
    ("celu(alpha=0.5)", {"alpha": 0.5}, lambda x, p: elu_like(x, p["alpha"], 1, 1 / p["alpha"]), [0]),
    ("selu", {}, lambda x, p: elu_like(x, SELU_ALPHA, SELU_SCALE, 1), [0]),
    ("gelu", {}, lambda x, p: x / 2 * mp.erfc(-x / SQRT2), []),
    ("gelu_tanh", {}, lambda x, p: x / 2 * (1 + mp.tanh(mp.sqrt(2 / mp.pi) * (x + M("0.044715") * x**3))), []),
    ("gelu_sigmoid", {}, lambda x, p: x * sig(M("1.702") * x), []),
    ("silu", {}, lambda x, p: x * sig(x), []),
    ("swish", {"beta": 1.0}, lambda x, p: x * sig(p["beta"] * x), []),
    ("swish(beta=1.5)", {"beta": 1.5}, lambda x, p: x * sig(p["beta"] * x), []),
    ("mish", {}, lambda x, p: x * mp.tanh(mp.log(1 + mp.exp(x))), []),
    ("sigmoid", {}, lambda x, p: sig(x), []),
    ("log_sigmoid", {}, lambda x, p: mp.log(sig(x)), []),
    ("tanh", {}, lambda x, p: mp.tanh(x), []),
    ("hardtanh", {"min_val": -1.0, "max_val": 1.0}, lambda x, p: min(max(x, M(p["min_val"])), M(p["max_val"])), [-1, 1]),
    ("hardtanh(min_val=-2, max_val=3)", {"min_val": -2.0, "max_val": 3.0},
     lambda x, p: min(max(x, M(p["min_val"])), M(p["max_val"])), [-2, 3]),
    ("hardsigmoid", {}, lambda x, p: min(max(x + 3, M(0)), M(6)) / 6, [-3, 3]),
    ("hardswish", {}, hardswish, [-3, 3]),
    ("softplus", {"beta": 1.0, "threshold": 20.0}, softplus, [20]),
    ("softplus(beta=2, threshold=10)", {"beta": 2.0, "threshold": 10.0}, softplus, [5]),
    ("softsign", {}, lambda x, p: x / (1 + abs(x)), []),
    ("squareplus", {"b": 4.0}, squareplus, []),
    ("squareplus(b=1)", {"b": 1.0}, squareplus, []),
    ("softshrink", {"lambd": 0.5}, lambda x, p: x - p["lambd"] if x > p["lambd"] else (x + p["lambd"] if x < -p["lambd"] else M(0)), [-0.5, 0.5]),
    ("hardshrink", {"lambd": 0.5}, lambda x, p: M(0) if -p["lambd"] <= x <= p["lambd"] else x, [-0.5, 0.5]),
    ("tanhshrink", {}, tanhshrink, []),
    ("threshold", {"threshold": 0.0, "value": 0.0}, lambda x, p: x if x > p["threshold"] else M(p["value"]), [0]),
    ("threshold(threshold=0.5, value=-1)", {"threshold": 0.5, "value": -1.0}, lambda x, p: x if x > p["threshold"] else M(p["value"]), [0.5]),
    ("relu_squared", {}, lambda x, p: relu(x, p) ** 2, [0]),
]


def points(kinks):
    """Inputs: a grid, tails to 1e4, tiny and subnormal values, both sides of every kink, random values."""
    pts = set()
    for i in range(-80, 81):
        pts.add(i / 8)  # -10 .. 10 by 1/8
    for t in [11, 15, 17.5, 20, 25, 30, 40, 50, 80, 87.5, 100, 200, 300, 500, 700, 740, 745, 1000, 3000, 1e4]:
        pts.update([t, -t])
    for t in [5e-324, 1e-320, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-200, 1e-100, 1e-30, 1e-16, 1e-10, 1e-7,
              1e-5, 1e-3, 0.03, 0.0625, 0.07]:
        pts.update([t, -t])
    for k in kinks:
        k = float(k)
        pts.update([k, math.nextafter(k, math.inf), math.nextafter(k, -math.inf), k + 1e-9, k - 1e-9, k + 1e-3, k - 1e-3])
    rng = random.Random(20261121)
    for _ in range(40):
        mag = 10 ** rng.uniform(-6, 2.5)
        pts.add(rng.choice([-1, 1]) * mag)
    pts.add(0.0)
    return sorted(pts)


def stable(fn):
    """fn() evaluated at rising precision until two precisions agree to 30 digits.

    The definitions above cancel in some tails (1 + tanh(u) for u << 0); instead of
    rewriting them into tail-safe forms (which would mirror the C++), precision is
    raised until the value stops moving. A zero result is confirmed up to 1280
    digits, enough to see any value a double can hold.
    """
    dps = 60
    with mp.workdps(dps):
        prev = fn()
    while dps < 40000:
        dps *= 2
        with mp.workdps(dps):
            cur = fn()
        if abs(cur) < M("1e-340") and abs(prev) < M("1e-340"):
            # Below half the smallest subnormal: rounds to a zero either way.
            if dps >= 1280:
                return cur
        elif not mp.isfinite(cur) or abs(cur - prev) <= M("1e-30") * abs(cur):
            return cur
        prev = cur
    raise RuntimeError(f"no stable value: {mp.nstr(prev, 20)} vs {mp.nstr(cur, 20)}")


def near_kink(x, kinks):
    return any(abs(x - float(k)) <= 1e-12 * max(1.0, abs(float(k))) for k in kinks)


def fmt(v):
    """A double as Python's float.hex (exact, keeps the sign of zero), or inf/nan."""
    return float(v).hex() if mp.isfinite(v) else ("nan" if mp.isnan(v) else ("inf" if v > 0 else "-inf"))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "tests", "core", "data", "mpmath_reference.txt")
    lines = [
        "# actlab-golden mpmath_reference",
        f"# format {FORMAT_VERSION}; generated by {SCRIPT} with mpmath {mp.__version__} at {mp.mp.dps} digits",
        "# spec <TAB> x <TAB> f(x) <TAB> f'(x) ('-' where x is on a kink); values are float.hex of the",
        "# correctly rounded double of the 60-digit result.",
    ]
    for spec, params, f, kinks in ROWS:
        p = {k: M(v) for k, v in params.items()}
        for x in points(kinks):
            xm = M(x)
            y = stable(lambda: f(xm, p))
            if near_kink(x, kinks):
                dy = "-"
            else:
                h = max(abs(xm), M(1)) * M("1e-22")
                # Keep the difference on one side of any kink closer than the step.
                for k in kinks:
                    if abs(xm - k) < 4 * h:
                        h = abs(xm - k) / 4
                dy = fmt(stable(lambda: mp.diff(lambda t: f(t, p), xm, h=h * M(10) ** (20 - mp.mp.dps // 3))))
            if os.environ.get("GEN_DEBUG"):
                print(spec, x, file=sys.stderr)
            lines.append(f"{spec}\t{float(x).hex()}\t{fmt(y)}\t{dy}")
    with open(out + ".tmp", "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(out + ".tmp", out)
    print(f"wrote {len(lines) - 4} values for {len(ROWS)} rows to {out}")


if __name__ == "__main__":
    main()
