"""actlab's kernels inside a PyTorch model: the seeds' minimal MLP (64-128-128-10) on digits.

    PYTHONPATH=build/release/python /usr/bin/python3 python/examples/torch_mlp.py

A torch.autograd.Function wraps actlab's forward and backward for the hidden activation;
everything else (Linear layers, Adam, cross-entropy) is PyTorch.
"""

import pathlib
import sys

import numpy as np
import torch

import actlab


class ActlabActivation(torch.autograd.Function):
    """y = f(x) with actlab's kernel; dx = f'(x)·dy with actlab's backward kernel."""

    @staticmethod
    def forward(ctx, x, name):
        ctx.save_for_backward(x)
        ctx.name = name
        return torch.from_numpy(getattr(actlab, name)(x.detach().contiguous().numpy()))

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved_tensors
        dx = getattr(actlab, ctx.name + "_backward")(dy.contiguous().numpy(), x.detach().contiguous().numpy())
        return torch.from_numpy(dx), None


class Activation(torch.nn.Module):
    def __init__(self, name):
        super().__init__()
        self.name = name

    def forward(self, x):
        return ActlabActivation.apply(x, self.name)


def main(act="relu", epochs=30):
    root = pathlib.Path(__file__).resolve().parents[2]
    data = np.loadtxt(root / "data" / "digits.csv", delimiter=",")
    x, y = data[:, :-1].astype(np.float32), data[:, -1].astype(np.int64)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    split = int(0.8 * len(x))
    mean, std = x[:split].mean(0), x[:split].std(0) + 1e-6
    x = (x - mean) / std
    xt, yt, xv, yv = map(torch.from_numpy, (x[:split], y[:split], x[split:], y[split:]))
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), Activation(act), torch.nn.Linear(128, 128),
                                Activation(act), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, epochs + 1):
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        with torch.no_grad():
            acc = (model(xv).argmax(1) == yv).float().mean().item()
        if epoch % 10 == 0 or epoch == epochs:
            print(f"epoch {epoch:3d}  loss {loss.item():.4f}  validation accuracy {acc:.3f}")
    return acc


if __name__ == "__main__":
    main(*(sys.argv[1:2] or ["relu"]))
