"""actlab's Python module against torch.nn.functional: time per call at 4 Ki and 16 Mi float32 elements.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/python_vs_torch.py [--threads N]

Not a test: ratios measured in one run on this machine; both libraries use the same thread count.
"""

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

import actlab

PAIRS = [("relu", F.relu), ("leaky_relu", F.leaky_relu), ("elu", F.elu), ("gelu", F.gelu), ("silu", F.silu),
         ("mish", F.mish), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("softplus", F.softplus),
         ("hardswish", F.hardswish)]


def best(fn, min_seconds=0.05, repeats=5):
    fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 > min_seconds / repeats:
            break
        n *= 2
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) / n)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    actlab.set_num_threads(args.threads)
    print(f"float32, {args.threads} thread(s) for both; each call allocates its result")
    print(f"{'function':<12}{'size':>10}{'actlab us':>12}{'torch us':>12}{'ratio':>8}")
    for size in (4096, 16 << 20):
        x = np.random.default_rng(0).standard_normal(size).astype(np.float32)
        xt = torch.from_numpy(x)
        for name, fn in PAIRS:
            ours = best(lambda: getattr(actlab, name)(x))
            theirs = best(lambda: fn(xt))
            print(f"{name:<12}{size:>10}{1e6 * ours:>12.1f}{1e6 * theirs:>12.1f}{theirs / ours:>8.2f}")


if __name__ == "__main__":
    main()
