#!/usr/bin/python3
"""Polynomial coefficients for the SIMD kernels, from mpmath.

Writes src/core/kernels/coeffs.inc. Run: /usr/bin/python3 tools/coeffs/gen_coeffs.py

erfc: for t >= 0, erfc(t) = exp(-t²) · g(u) / (1 + 2t) with u = (t - K)/(t + K)
(after Shepherd & Laframboise's transform). g is smooth on u in [-1, (27-K)/(27+K)],
t in [0, 27] (erfc(27) underflows double); a Chebyshev fit of 22 terms in u has a max
relative error printed below.

tanhshrink: x - tanh(x) = x³ · h(x²) for |x| <= 1/4, with h the Taylor series.

expf: the float-lane exp of the softmax kernels, e^r = 1 + r + r²·q(r) on the reduced
argument |r| <= ln2/2 (plus a margin); q is a Chebyshev fit of degree 4 whose coefficients
are rounded to float, and the printed error is the relative error of 1 + r + r²·q(r) with
those float coefficients (about 1/20 of a float ulp, so the kernel's error is its roundings).

expf tables (AVX-512 and AVX2): e^z = 2^(n + j/16)·e^r with N = 16n + j =
round(16z/ln2) and |r| <= ln2/32 (plus a margin); 2^(j/16) = hi·(1 + lo) with hi the nearest
float and lo = 2^(j/16)/hi − 1 as a float, and e^r = 1 + r + r²·q(r), q a Chebyshev fit of two
terms with float coefficients; ln2/16 as two floats (AVX-512). AVX2's has 8 entries (one
vpermps per lookup): 2^(j/8), |r| <= ln2/16, q of three terms, ln2/8. Printed: the relative
error of 1 + r + r²·q(r) with those coefficients, and the worst of hi·(1 + lo) against 2^(j/16)
(2^(j/8)).

tanhf: the float-lane tanh for |x| < 0.75, tanh x = x + x³·p(x²); p is a Chebyshev fit of
7 terms on x² in [0, 0.5625] with float coefficients, printed error relative to tanh.

tanhshrinkf: x − tanh x = x³·(1/3 − s·p1(s)) on the same interval, p1 a fit of 7 terms with
float coefficients and its constant term in two floats, 1/3 as two floats; printed error
relative to x − tanh x.

tanhf and Φ tables (AVX-512): tanh, and h(a) = Φ(−a)·e^(a²/2) for the exact gelu, on
intervals of |x|: [0, 1/8), four per binade up to 8, then [8, 9.5] for tanh (it rounds to 1
from 9.011) and [8, 10), [10, 12), [12, 13] for h. On each, f(l + t) = c0 + t·q(t), c0 = f(l)
as two floats and q a Chebyshev fit of 6 terms (degree 5) with float coefficients; tanh's
[0, 1/8) is t + t·q(t). Printed: the worst error over all intervals in float ulps of f with
these coefficients, sampled (the kernels' roundings come on top).

tanhf table of 8 (AVX2: one vpermps per coefficient): |x| in [0, 3/4), then two intervals per
binade up to 4, then [4, 6) and [6, 9.5]. Interval 0: tanh x = x + x·q(x²), q(u) = u·r(u)
(its constant exactly 0: x·q is at most 15 % of x, and so are its roundings); the others: tanh(c + t) =
(hi + lo) + t·q(t) around the midpoint c (t = |x| − c is exact: c/2 <= |x| <= 2c), no
interval's results crossing a power of two but the first's. q of degree 7, float
coefficients. Printed: the worst error over all intervals in float ulps of tanh, sampled.

Φ table of 8 (AVX2: one vpermps per coefficient): h(a) = Φ(−a)·e^(a²/2) on [0, 1), two
intervals per binade up to 8, then [8, 13]. h(c + t) = hi + (lo + t·(q0_lo + q(t))) around
the midpoint c (t = a − c is exact for c/2 <= a <= 2c; below 1/4 the kernel carries its
rounding error t_lo into h through h′(c)), q of degree 8 with float coefficients, the rest of
its constant in q0_lo (rounded, it cost 0.4 ulp on [0, 1)). Interval 0 around 0 instead of 1/2
measured 1.53 ulp forward and 2.73 backward in the kernel (`actlab_bench_accuracy --simd
AVX2 --stride 16`), against 1.08 and 1.40: its t·q(t) reaches 3/4 of h there, and so do
their roundings. Printed: the worst error over all intervals in float ulps of h, sampled.

log1pf: the float-lane log1p of softplus, log1p(f) = f + f²·(−1/2 + f·p(f)) on
f in [√2/2 − 1, √2 − 1]; p a Chebyshev fit of 9 terms with float coefficients.

phif: the float-lane exact gelu's normal tail, Φ(−x) = e^(−x²/2)·g(u)/(x + 2) for x in
[0, 13] with u = (x − 2)/(x + 2); g a Chebyshev fit of 12 terms on u, float coefficients
but the constant (double), printed error relative to Φ(−x)·e^(x²/2)·(x + 2).

silu′, gelu_tanh′, gelu′ and mish′ near their zeros: g(t) = σ(t)(1 + t·σ(−t)), the
derivative of x·σ(kx) at t = kx, is 0 at t = r = −1.27846… (1 + r + e^r = 0), gelu_tanh′ at
x = −0.75246…, gelu′ at x = −0.75179…, mish′ at x = −1.19237…, and their two terms cancel
there. For |δ| <= 0.2, g = δ·p(δ), δ = t − r (r as two floats); p a Chebyshev fit of 7
terms, float coefficients but the constant (two floats), printed error relative to g/δ.
"""
import os
import struct

import mpmath as mp

mp.mp.dps = 50
K = mp.mpf(4)
N_ERFC = 22


def g(u):
    t = K * (1 + u) / (1 - u)
    return (1 + 2 * t) * mp.erfc(t) * mp.exp(t * t)


def to_float32(v):
    return mp.mpf(struct.unpack("f", struct.pack("f", float(v)))[0])


def hexd(v):
    return float(v).hex()


def float_fit(fn, lo, hi, terms):
    """Chebyshev fit of `terms` terms on [lo, hi], coefficients rounded to float (Horner order)."""
    return [to_float32(c) for c in mp.chebyfit(fn, [lo, hi], terms)]


def horner(coeffs, x):
    p = mp.mpf(0)
    for c in coeffs:
        p = p * x + c
    return p


def worst_relative(approx, exact, xs):
    """max |approx(x)/exact(x) - 1| over the sample points (x = 0 skipped)."""
    return max(abs(approx(x) / exact(x) - 1) for x in xs if x != 0)


def float_array(name, coeffs, header):
    """coeffs.inc lines: the header comment lines, then `inline constexpr float name[]`."""
    return header + [f"inline constexpr float {name}[] = {{"] + \
        [f"    {hexd(c)}f,  // {mp.nstr(c, 12)}" for c in coeffs] + ["};", ""]


TAB_SMALL = mp.mpf(1) / 8
TAB_TERMS = 6


def exp_table(q, entries, radius, terms):
    """A table exp of `entries` entries: 2^(j/S) = hi·(1 + lo), e^r = 1 + r + r²·q(r) on
    |r| <= radius. Returns q's float coefficients, their relative error, hi, lo, the worst of
    hi·(1 + lo) against 2^(j/S), and ln2/S as two floats."""
    s = entries
    qc = float_fit(q, -radius, radius, terms)
    worst = worst_relative(lambda r: 1 + r + r * r * horner(qc, r), mp.exp,
                           [-radius + 2 * radius * i / 4000 for i in range(4001)])
    hi = [to_float32(mp.mpf(2) ** (mp.mpf(j) / s)) for j in range(s)]
    lo = [to_float32(mp.mpf(2) ** (mp.mpf(j) / s) / h - 1) for j, h in enumerate(hi)]
    tab_worst = max(abs(h * (1 + l) / mp.mpf(2) ** (mp.mpf(j) / s) - 1) for j, (h, l) in enumerate(zip(hi, lo)))
    ln2_hi = to_float32(mp.log(2) / s)
    return qc, worst, hi, lo, tab_worst, ln2_hi, to_float32(mp.log(2) / s - ln2_hi)


def exp_table_lines(s, target, radius, tab):
    """coeffs.inc lines for exp_table's result: kExpTab{s}Hi/Lo/Q and kLn2Over{s}Hi/Lo."""
    qc, worst, hi, lo, tab_worst, ln2_hi, ln2_lo = tab
    return float_array(f"kExpTab{s}Hi", hi, [
        f"// The {target} table exp (ExpTable, {s} entries): 2^(j/{s}) = kExpTab{s}Hi[j]·(1 + kExpTab{s}Lo[j]),",
        f"// within {mp.nstr(tab_worst, 3)} relative; e^r = 1 + r + r²·q(r) for |r| <= {mp.nstr(radius, 4)}, "
        f"q = kExpTab{s}Q",
        f"// (Horner), relative error {mp.nstr(worst, 3)} ({mp.nstr(worst / mp.mpf(2) ** -24, 3)} of a float",
        f"// half-ulp); ln2/{s} = kLn2Over{s}Hi + kLn2Over{s}Lo.",
        f"inline constexpr float kLn2Over{s}Hi = {hexd(ln2_hi)}f;",
        f"inline constexpr float kLn2Over{s}Lo = {hexd(ln2_lo)}f;"]) + \
        float_array(f"kExpTab{s}Lo", lo, []) + float_array(f"kExpTab{s}Q", qc, [])


def table_bounds(last):
    """The table kernels' intervals: [0, 1/8), four per binade up to 8, then `last`."""
    bounds = [(mp.mpf(0), TAB_SMALL)]
    for e in range(-3, 3):
        for j in range(4):
            bounds.append((mp.mpf(2)**e * (1 + mp.mpf(j) / 4), mp.mpf(2)**e * (1 + mp.mpf(j + 1) / 4)))
    return bounds + last


def interval_table(f, df, bounds, odd_small):
    """Per interval (left, c0, q): f(l + t) = c0 + t·q(t), q a TAB_TERMS Chebyshev fit with
    float coefficients (Horner order); with odd_small, interval 0 is f(t) = t + t·q(t)
    (c0 = 0). Also the worst error over all intervals in float ulps of f, sampled."""
    rows = []
    worst = mp.mpf(0)
    for k, (left, right) in enumerate(bounds):
        width = right - left
        if k == 0 and odd_small:
            c0 = mp.mpf(0)

            def fn(t):
                return f(t) / t - 1 if t != 0 else mp.mpf(0)
        else:
            c0 = f(left)

            def fn(t, left=left, c0=c0):
                return (f(left + t) - c0) / t if t != 0 else df(left)
        q = float_fit(fn, 0, width, TAB_TERMS)
        for i in range(1, 401):
            t = width * i / 400
            exact = f(left + t)
            approx = (t if k == 0 and odd_small else c0) + t * horner(q, t)
            worst = max(worst, abs(approx - exact) / mp.mpf(2)**(mp.floor(mp.log(exact, 2)) - 23))
        rows.append((left, right, c0, q))
    return rows, worst


def interval_table_lines(prefix, rows, header):
    """coeffs.inc lines for a table kernel: 32-entry arrays (unused entries repeat the last):
    {prefix}Hi, {prefix}Lo (c0 as two floats), {prefix}Q[TAB_TERMS] (q, highest degree first)."""
    pad = rows + [rows[-1]] * (32 - len(rows))
    hi = [mp.mpf(float(to_float32(r[2]))) for r in pad]
    lo = [to_float32(r[2] - h) for r, h in zip(pad, hi)]

    def values(vs):
        return "{" + ", ".join(f"{hexd(v)}f" for v in vs) + "}"

    lines = header + ["// Interval left ends: " + " ".join(mp.nstr(r[0], 6) for r in rows) +
                      f" (the last ends at {mp.nstr(rows[-1][1], 3)})."]
    lines.append(f"alignas(64) inline constexpr float {prefix}Hi[32] = {values(hi)};")
    lines.append(f"alignas(64) inline constexpr float {prefix}Lo[32] = {values(lo)};")
    lines.append(f"alignas(64) inline constexpr float {prefix}Q[{TAB_TERMS}][32] = {{")
    lines += [f"    {values([r[3][j] for r in pad])}," for j in range(TAB_TERMS)]
    return lines + ["};", ""]


TAB8_TERMS = 8


def float_step(v, steps):
    """The float `steps` floats above (below, for steps < 0) the float v > 0."""
    bits = struct.unpack("<I", struct.pack("<f", float(v)))[0]
    return mp.mpf(struct.unpack("<f", struct.pack("<I", bits + steps))[0])


def nearly_float_point(f, df, mid, span=4096):
    """A float c near mid whose f(c) lies nearest a float (Gal's accurate table points): f(c) =
    hi + lo with |lo| a tiny share of an ulp of hi, so the kernel can leave lo out. 2·span + 1
    candidates, `stride` floats apart so that f moves by about 1/4096 of an ulp of f(mid)
    from one to the next (where f is flat, one float of c moves it by far less)."""
    ulp_f = mp.mpf(2)**(mp.floor(mp.log(f(mid), 2)) - 23)
    ulp_c = mp.mpf(2)**(mp.floor(mp.log(mid, 2)) - 23)
    stride = max(1, int(ulp_f / (4096 * df(mid) * ulp_c)))
    best = None
    for i in range(-span, span + 1):
        c = float_step(mid, i * stride)
        v = f(c)
        hi = to_float32(v)
        share = abs(v - hi) / mp.mpf(2)**(mp.floor(mp.log(hi, 2)) - 23)
        if best is None or share < best[0]:
            best = (share, c)
    return best[1]


def tanh_table8():
    """The AVX2 tanh table (see the docstring): rows (c, hi, lo, q) and the worst error in
    float ulps of tanh, sampled."""
    m = mp.mpf
    bounds = [(m(0), m(3) / 4), (m(3) / 4, m(1)), (m(1), m(3) / 2), (m(3) / 2, m(2)), (m(2), m(3)),
              (m(3), m(4)), (m(4), m(6)), (m(6), m("9.5"))]
    rows = []
    worst = m(0)
    for k, (left, right) in enumerate(bounds):
        if k == 0:
            c = m(0)

            def fn(u):  # (tanh √u/√u − 1)/u
                return m(-1) / 3 if u == 0 else (mp.tanh(mp.sqrt(u)) / mp.sqrt(u) - 1) / u
            q = float_fit(fn, 0, right * right, TAB8_TERMS - 1) + [m(0)]
        else:
            c = nearly_float_point(mp.tanh, lambda v: 1 - mp.tanh(v)**2, (left + right) / 2)

            def fn(t, c=c):
                return 1 - mp.tanh(c)**2 if t == 0 else (mp.tanh(c + t) - mp.tanh(c)) / t
            q = float_fit(fn, left - c, right - c, TAB8_TERMS)
        hi = to_float32(mp.tanh(c))
        lo = mp.tanh(c) - hi  # a tiny share of an ulp: left out (kTanhTab8LoWorst)
        for i in range(1, 801):
            a = left + (right - left) * i / 800
            t = a - c
            approx = (a if k == 0 else hi) + t * horner(q, t * t if k == 0 else t)
            exact = mp.tanh(a)
            worst = max(worst, abs(approx - exact) / mp.mpf(2)**(mp.floor(mp.log(exact, 2)) - 23))
        rows.append((c, hi, lo, q))
    return rows, worst


PHI8_TERMS = 9


def phi_table8(mills, dmills):
    """The AVX2 table of h(a) = Φ(−a)·e^(a²/2) (see the docstring): rows (c, hi, lo, q0_lo, q)
    and the worst error in float ulps of h, sampled."""
    m = mp.mpf
    bounds = [(m(0), m(1)), (m(1), m(3) / 2), (m(3) / 2, m(2)), (m(2), m(3)), (m(3), m(4)), (m(4), m(6)),
              (m(6), m(8)), (m(8), m(13))]
    rows = []
    worst = m(0)
    for k, (left, right) in enumerate(bounds):
        c = (left + right) / 2
        h0 = mills(c)

        def fn(t, c=c, h0=h0):
            return dmills(c) if t == 0 else (mills(c + t) - h0) / t
        raw = mp.chebyfit(fn, [left - c, right - c], PHI8_TERMS)
        q = [to_float32(v) for v in raw]
        q0_lo = to_float32(raw[-1] - q[-1])
        hi = to_float32(h0)
        lo = to_float32(h0 - hi)
        for i in range(801):
            a = left + (right - left) * i / 800
            t = a - c
            approx = hi + (lo + t * (q0_lo + horner(q, t)))
            exact = mills(a)
            worst = max(worst, abs(approx - exact) / mp.mpf(2)**(mp.floor(mp.log(exact, 2)) - 23))
        rows.append((c, hi, lo, q0_lo, q))
    return rows, worst


def near_zero_fit(name, fn, guess, what, var, window=mp.mpf("0.2"), terms=7):
    """A derivative with an interior zero r, as δ·p(δ) for |δ| <= window, δ = var − r.

    Returns the coeffs.inc lines (r as two floats, the window, p in Horner order) and the
    relative error of p with float coefficients."""
    root = mp.findroot(fn, guess)

    def p(dl):
        return mp.diff(fn, root) if dl == 0 else fn(root + dl) / dl

    raw = mp.chebyfit(p, [-window, window], terms)
    # Float coefficients, but the constant (p at the zero, the slope) in two floats: its
    # rounding alone was most of the error (0.84 of a half-ulp for mish′, 0.02 without).
    c0_hi = to_float32(raw[-1])
    c0_lo = to_float32(raw[-1] - c0_hi)
    coeffs = [to_float32(c) for c in raw[:-1]] + [c0_hi]
    worst = worst_relative(lambda dl: horner(coeffs, dl) + c0_lo, p,
                           [-window + 2 * window * i / 800 for i in range(801)])
    hi = to_float32(root)
    lines = float_array(f"{name}P", coeffs, [
        f"// {what} = δ·p(δ), δ = {var} − r, for |δ| <= {float(window)} around its zero r (float lanes),",
        f"// p in Horner order plus {name}P0Lo, the rest of its constant; relative error with",
        f"// these float coefficients {mp.nstr(worst, 3)} ({mp.nstr(worst / mp.mpf(2) ** -24, 3)} of a float half-ulp).",
        f"// r = {mp.nstr(root, 20)} as two floats:",
        f"inline constexpr float {name}RootHi = {hexd(hi)}f;",
        f"inline constexpr float {name}RootLo = {hexd(to_float32(root - hi))}f;",
        f"inline constexpr float {name}Window = {float(window)}f;",
        f"inline constexpr float {name}P0Lo = {hexd(c0_lo)}f;"])
    return lines, worst


def main():
    lo, hi = mp.mpf(-1), (27 - K) / (27 + K)
    coeffs, err = mp.chebyfit(g, [lo, hi], N_ERFC, error=True)
    # Relative error of the double-rounded polynomial, sampled.
    worst = mp.mpf(0)
    for i in range(2001):
        u = lo + (hi - lo) * i / 2000
        p = mp.mpf(0)
        for c in coeffs:
            p = p * u + mp.mpf(float(c))
        worst = max(worst, abs(p / g(u) - 1))
    # tanhshrink: x - tanh x = sum_k a_k x^(2k+1), k >= 1.
    taylor = mp.taylor(lambda x: x - mp.tanh(x), 0, 25)
    h = [taylor[2 * k + 3] for k in range(11)]  # x^3, x^5, ... x^23
    # expf: q(r) = (e^r - 1 - r)/r² on [-R, R], Chebyshev fit of degree 4, float coefficients.
    R = mp.mpf("0.3466")  # ln2/2 = 0.34657...

    def q(r):
        return mp.mpf(1) / 2 if r == 0 else (mp.exp(r) - 1 - r) / (r * r)

    qc = float_fit(q, -R, R, 5)
    expf_worst = worst_relative(lambda r: 1 + r + r * r * horner(qc, r), mp.exp,
                                [-R + 2 * R * i / 4000 for i in range(4001)])
    # The table exps: AVX-512's 16 entries, q of degree 1 on |r| <= ln2/32 + margin; AVX2's
    # 8 entries (one vpermps each), q of degree 2 on |r| <= ln2/16 + margin.
    R16 = mp.mpf("0.02170")  # ln2/32 = 0.021660...
    exp16 = exp_table(q, 16, R16, 2)
    R8 = mp.mpf("0.04335")  # ln2/16 = 0.043321...
    exp8 = exp_table(q, 8, R8, 3)
    # tanhf: p(s) = (tanh √s − √s)/s^(3/2) on [0, T²], float coefficients.
    T = mp.mpf("0.75")

    def tp(s):
        if s == 0:
            return -mp.mpf(1) / 3
        x = mp.sqrt(s)
        return (mp.tanh(x) - x) / x**3

    tc = float_fit(tp, 0, T * T, 7)
    tanhf_worst = worst_relative(lambda x: x + x**3 * horner(tc, x * x), mp.tanh,
                                 [T * i / 4000 for i in range(1, 4001)])
    # tanhshrinkf: x − tanh x = x³·(1/3 − s·p1(s)), s = x², on the same [0, T²]; 1/3 is
    # split as hi + lo floats in the kernel, so only p1's terms (a fifth of the sum at most)
    # carry float-rounded coefficients.
    def tsp1(s):
        if s == 0:
            return mp.mpf(2) / 15
        return (mp.mpf(1) / 3 + tp(s)) / s

    ts_raw = mp.chebyfit(tsp1, [0, T * T], 7)
    tsc = [to_float32(c) for c in ts_raw]
    ts_c0_lo = to_float32(ts_raw[-1] - tsc[-1])  # p1's constant term as hi + lo
    third_hi = to_float32(mp.mpf(1) / 3)
    third_lo = to_float32(mp.mpf(1) / 3 - third_hi)
    tsf_worst = worst_relative(
        lambda x: x**3 * ((third_hi + third_lo) - x * x * (horner(tsc, x * x) + ts_c0_lo)),
        lambda x: x - mp.tanh(x), [T * i / 4000 for i in range(1, 4001)])
    # log1pf: p(f) = (log1p f − f + f²/2)/f³ on [√2/2 − 1, √2 − 1], float coefficients.
    llo, lhi = mp.sqrt(2) / 2 - 1, mp.sqrt(2) - 1

    def lp(f):
        if abs(f) < mp.mpf(10) ** -12:
            return mp.mpf(1) / 3
        return (mp.log1p(f) - f + f * f / 2) / f**3

    lc = float_fit(lp, llo, lhi, 9)
    log1pf_worst = worst_relative(lambda f: f - f * f / 2 + f**3 * horner(lc, f), mp.log1p,
                                  [llo + (lhi - llo) * i / 4000 for i in range(4001)])
    tanh_limit = mp.mpf("9.5")
    tanh_rows, tanh_tab_worst = interval_table(mp.tanh, lambda x: 1 - mp.tanh(x)**2,
                                               table_bounds([(mp.mpf(8), tanh_limit)]), True)

    tanh8_rows, tanh8_worst = tanh_table8()

    def mills(a):  # Φ(−a)·e^(a²/2)
        return mp.ncdf(-a) * mp.exp(a * a / 2)

    def dmills(a):
        return a * mills(a) - 1 / mp.sqrt(2 * mp.pi)

    phi8_rows, phi8_worst = phi_table8(mills, dmills)
    phi_rows, phi_tab_worst = interval_table(mills, dmills,
                                             table_bounds([(mp.mpf(8), mp.mpf(10)), (mp.mpf(10), mp.mpf(12)),
                                                           (mp.mpf(12), mp.mpf(13))]), False)
    # phif: g(u) = Φ(−x)·e^(x²/2)·(x + 2), x = 2(1 + u)/(1 − u), on x in [0, 13].
    def phi_g(u):
        x = 2 * (1 + u) / (1 - u)
        return mp.ncdf(-x) * mp.exp(x * x / 2) * (x + 2)

    plo, phi_hi = mp.mpf(-1), mp.mpf(11) / 15
    praw = mp.chebyfit(phi_g, [plo, phi_hi], 12)
    pc = [to_float32(c) for c in praw[:-1]]  # u^11 … u^1 in float
    pc0 = mp.mpf(float(praw[-1]))  # the constant in double: the kernel adds it as two floats
    phif_worst = worst_relative(lambda u: horner(pc + [pc0], u), phi_g,
                                [plo + (phi_hi - plo) * i / 4000 for i in range(4001)])
    # The x·gate derivatives near their zeros.
    def sig(t):
        return 1 / (1 + mp.exp(-t))

    def silu_df(t):
        return sig(t) * (1 + t * sig(-t))

    def gelu_tanh_df(x):
        k, a = 2 * mp.sqrt(2 / mp.pi), mp.mpf("0.044715")
        t = k * (x + a * x**3)
        return sig(t) * (1 + x * k * (1 + 3 * a * x * x) * sig(-t))

    def gelu_df(x):
        return mp.ncdf(x) + x * mp.npdf(x)

    def mish_df(x):
        t = mp.tanh(mp.log1p(mp.exp(x)))
        return t + x * sig(x) * (1 - t * t)

    silu_lines, silu_worst = near_zero_fit("kSiluDf", silu_df, mp.mpf("-1.28"), "σ(t)(1 + t·σ(−t))", "t")
    mish_lines, mish_worst = near_zero_fit("kMishDf", mish_df, mp.mpf("-1.19"), "mish′(x)", "x")
    gelu_lines, gelu_worst = near_zero_fit("kGeluDf", gelu_df, mp.mpf("-0.75"), "Φ(x) + x·φ(x)", "x")
    gtanh_lines, gtanh_worst = near_zero_fit("kGeluTanhDf", gelu_tanh_df, mp.mpf("-0.75"), "gelu_tanh′(x)", "x")
    out = os.path.join(os.path.dirname(__file__), "..", "..", "src", "core", "kernels", "coeffs.inc")
    lines = [
        "// coeffs.inc — generated by tools/coeffs/gen_coeffs.py with mpmath "
        f"{mp.__version__}; do not edit.",
        "",
        f"// erfc(t) = exp(-t²)·g(u)/(1+2t), u = (t - {float(K):g})/(t + {float(K):g}), t in [0, 27];",
        f"// g in Horner order (highest degree first), {N_ERFC} terms.",
        f"// Chebyshev fit error {mp.nstr(err, 3)}; relative error after rounding to double {mp.nstr(worst, 3)}.",
        f"inline constexpr double kErfcK = {hexd(K)};",
        "inline constexpr double kErfcG[] = {",
    ]
    lines += [f"    {hexd(c)},  // {mp.nstr(c, 20)}" for c in coeffs]
    lines += ["};", "",
              "// (x - tanh x)/x³ = h(x²) for |x| <= 1/4, Horner order (highest degree first);",
              "// the next term is below 1e-19 relative there.",
              "inline constexpr double kTanhshrinkH[] = {"]
    lines += [f"    {hexd(c)},  // {mp.nstr(c, 20)}" for c in reversed(h)]
    lines += ["};", ""]
    # Constants as hi + lo pairs (hi = nearest double, lo = the rest), for the
    # compensated exp arguments of gelu_tanh and gelu_sigmoid.
    lines.append("// Constants split as hi + lo: hi is the nearest double, lo the remainder.")
    for name, value in [("kGeluTanhA", mp.mpf("0.044715")), ("kTwoSqrt2OverPi", 2 * mp.sqrt(2 / mp.pi)),
                        ("kGeluSigmoidK", mp.mpf("1.702")),
                        ("kGeluTanh3A", 3 * mp.mpf("0.044715"))]:
        hi = mp.mpf(float(value))
        lines.append(f"inline constexpr double {name}Hi = {hexd(hi)};  // {mp.nstr(value, 25)}")
        lines.append(f"inline constexpr double {name}Lo = {hexd(value - hi)};")
    lines.append("")
    lines += float_array("kExpfQ", qc, [
        "// e^r = 1 + r + r²·q(r) for |r| <= 0.3466 (float lanes), q in Horner order;",
        f"// relative error of the polynomial with these float coefficients {mp.nstr(expf_worst, 3)}",
        f"// ({mp.nstr(expf_worst / mp.mpf(2) ** -24, 3)} of a float half-ulp)."])
    lines += exp_table_lines(16, "AVX-512", R16, exp16)
    lines += exp_table_lines(8, "AVX2", R8, exp8)
    lines += float_array("kTanhfP", tc, [
        f"// tanh x = x + x³·p(x²) for |x| < {mp.nstr(T, 3)} (float lanes), p in Horner order;",
        f"// relative error with these float coefficients {mp.nstr(tanhf_worst, 3)}",
        f"// ({mp.nstr(tanhf_worst / mp.mpf(2) ** -24, 3)} of a float half-ulp).",
        f"inline constexpr float kTanhfLimit = {float(T)}f;"])
    lines += float_array("kTanhshrinkfP1", tsc, [
        f"// x − tanh x = x³·(1/3 − s·p1(s)), s = x², |x| < {mp.nstr(T, 3)} (float lanes), p1 in Horner",
        "// order plus kTanhshrinkfP1Lo on its constant term, 1/3 as kTanhshrinkfThirdHi + Lo;",
        f"// relative error with these float coefficients {mp.nstr(tsf_worst, 3)}",
        f"// ({mp.nstr(tsf_worst / mp.mpf(2) ** -24, 3)} of a float half-ulp; 0.275 with p1 of six float terms).",
        f"inline constexpr float kTanhshrinkfThirdHi = {hexd(third_hi)}f;",
        f"inline constexpr float kTanhshrinkfThirdLo = {hexd(third_lo)}f;",
        f"inline constexpr float kTanhshrinkfP1Lo = {hexd(ts_c0_lo)}f;"])
    lines += interval_table_lines("kTanhTab", tanh_rows, [
        "// tanh on 26 intervals (AVX-512 table kernel, TableArgument): interval 0 is |x| < 1/8,",
        "// then four per binade up to 8 and [8, 9.5] (|x| is clamped at 9.5: tanh rounds to 1 from",
        "// 9.011 on); tanh(l + t) = (hi + lo) + t·q(t), t = |x| − l; interval 0: t + t·q(t).",
        f"// q of degree {TAB_TERMS - 1}, float coefficients: {mp.nstr(tanh_tab_worst, 3)} float ulp of tanh at worst (sampled).",
        f"inline constexpr float kTanhTabLimit = {float(tanh_limit)}f;"])
    lines += [
        "// tanh on 8 intervals (AVX2 table kernel, TanhTable8): |x| in [0, 3/4), two per binade up to",
        "// 4, [4, 6), [6, 9.5]; interval k is max(0, min(7, (bits of |x|) >> 22 − 252)).",
        "// Interval 0: tanh x = x + x·q(x²); the others: tanh(c + t) = hi + t·q(t), t = |x| − c,",
        "// c (kTanhTab8C) a float near the interval's midpoint whose tanh lies nearest a float",
        "// (of 8193 tried), hi (kTanhTab8Hi): tanh c − hi is at most "
        f"{mp.nstr(max(abs(r[2]) / mp.mpf(2)**(mp.floor(mp.log(r[1], 2)) - 23) for r in tanh8_rows[1:]), 3)} ulp of hi,",
        f"// left out. q of degree {TAB8_TERMS - 1} (Horner order), float coefficients: "
        f"{mp.nstr(tanh8_worst, 3)} float ulp",
        "// of tanh at worst (sampled).",
        *(f"alignas(32) inline constexpr float kTanhTab8{name}[8] = {{" +
          ", ".join(f"{hexd(r[col])}f" for r in tanh8_rows) + "};"
          for col, name in enumerate(["C", "Hi"])),
        f"alignas(32) inline constexpr float kTanhTab8Q[{TAB8_TERMS}][8] = {{"]
    lines += ["    {" + ", ".join(f"{hexd(r[3][j])}f" for r in tanh8_rows) + "}," for j in range(TAB8_TERMS)]
    lines += ["};", ""]
    lines += interval_table_lines("kPhiTab", phi_rows, [
        "// h(a) = Φ(−a)·e^(a²/2) for a in [0, 13] on 28 intervals (AVX-512 exact gelu): as kTanhTab up",
        "// to 8, then [8, 10), [10, 12), [12, 13]; h(l + t) = (hi + lo) + t·q(t) on every interval.",
        f"// q of degree {TAB_TERMS - 1}, float coefficients: {mp.nstr(phi_tab_worst, 3)} float ulp of h at worst (sampled)."])
    lines += [
        "// h(a) = Φ(−a)·e^(a²/2) for a in [0, 13] on 8 intervals (AVX2 exact gelu, one vpermps per",
        "// coefficient): [0, 1), two per binade up to 8, then [8, 13]; interval k is",
        "// max(0, min(7, (bits of a) >> 22 − 253)). h(c + t) = hi + (lo + t·(q0_lo + q(t))), t = a − c",
        "// (c the midpoint; t is exact from a = 1/4 on), q of degree "
        f"{PHI8_TERMS - 1} (Horner order) with float coefficients and",
        f"// its constant's rest in q0_lo: {mp.nstr(phi8_worst, 3)} float ulp of h at worst (sampled).",
        *(f"alignas(32) inline constexpr float kPhiTab8{name}[8] = {{" +
          ", ".join(f"{hexd(r[col])}f" for r in phi8_rows) + "};"
          for col, name in enumerate(["C", "Hi", "Lo", "Q0Lo"])),
        f"alignas(32) inline constexpr float kPhiTab8Q[{PHI8_TERMS}][8] = {{"]
    lines += ["    {" + ", ".join(f"{hexd(r[4][j])}f" for r in phi8_rows) + "}," for j in range(PHI8_TERMS)]
    lines += ["};", ""]
    lines += float_array("kLog1pfP", lc, [
        "// log1p f = f + f²·(−1/2 + f·p(f)) for f in [√2/2 − 1, √2 − 1] (float lanes), Horner order;",
        f"// relative error with these float coefficients {mp.nstr(log1pf_worst, 3)}",
        f"// ({mp.nstr(log1pf_worst / mp.mpf(2) ** -24, 3)} of a float half-ulp)."])
    lines += float_array("kPhifG", pc, [
        "// Φ(−x) = e^(−x²/2)·g(u)/(x + 2), u = (x − 2)/(x + 2), x in [0, 13] (float lanes):",
        "// g(u) = kPhifG0 + u·p(u), p in Horner order with float coefficients, kPhifG0 a double",
        "// (two floats in the kernel); relative error of g with these coefficients",
        f"// {mp.nstr(phif_worst, 3)} ({mp.nstr(phif_worst / mp.mpf(2) ** -24, 3)} of a float half-ulp).",
        f"inline constexpr double kPhifG0 = {hexd(pc0)};  // {mp.nstr(pc0, 17)}"])
    lines += silu_lines + gtanh_lines + gelu_lines + mish_lines
    with open(out + ".tmp", "w") as fh:
        fh.write("\n".join(lines))
    os.replace(out + ".tmp", out)
    print(f"erfc fit error {mp.nstr(err, 3)}, after rounding {mp.nstr(worst, 3)}; "
          f"expf polynomial {mp.nstr(expf_worst, 3)}; expf table {mp.nstr(exp16[1], 3)}, "
          f"{mp.nstr(exp16[4], 3)}; expf table of 8 {mp.nstr(exp8[1], 3)}, {mp.nstr(exp8[4], 3)}; "
          f"tanhf {mp.nstr(tanhf_worst, 3)}; tanhshrinkf {mp.nstr(tsf_worst, 3)}; "
          f"tanhf table {mp.nstr(tanh_tab_worst, 3)} ulp; tanhf table of 8 {mp.nstr(tanh8_worst, 3)} ulp; "
          f"Φ table {mp.nstr(phi_tab_worst, 3)} ulp; Φ table of 8 {mp.nstr(phi8_worst, 3)} ulp; log1pf {mp.nstr(log1pf_worst, 3)}; "
          f"phif {mp.nstr(phif_worst, 3)}; silu′ {mp.nstr(silu_worst, 3)}; "
          f"gelu_tanh′ {mp.nstr(gtanh_worst, 3)}; "
          f"gelu′ {mp.nstr(gelu_worst, 3)}; "
          f"mish′ {mp.nstr(mish_worst, 3)}; wrote {out}")


if __name__ == "__main__":
    main()
