#!/usr/bin/python3
"""PyTorch's values for the softmax family and the losses, with gradients.

Writes tests/core/data/loss_golden.json: each case has the inputs, options,
PyTorch's output (float64) and the gradient of sum(output·upstream) (softmax
family) or of the loss (losses). Run with Debian's python3-torch:
  /usr/bin/python3 tools/golden/gen_loss_golden.py
"""
import json
import math
import os
import warnings

import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore")
SCRIPT = "tools/golden/gen_loss_golden.py"
torch.manual_seed(20261122)
torch.set_default_dtype(torch.float64)


def num(v):
    return v if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))


def flat(t):
    return [num(float(v)) for v in t.detach().reshape(-1).tolist()]


def softmax_cases():
    rows = {
        "random": torch.randn(4, 7) * 3,
        "seed_example": torch.tensor([[2.0, 1.0, 0.1]]),
        "one_huge": torch.tensor([[1e30, 0.0, -1e30, 5.0]]),
        "huge_negative": torch.tensor([[-1e30, -1e30 + 1e15, -1e30]]),
        "equal": torch.full((2, 9), 3.25),
        "neg_inf_entries": torch.tensor([[-math.inf, 1.0, 2.0, -math.inf]]),
        "dominant": torch.tensor([[100.0, 0.0, 0.0]]),
        "wide": torch.randn(2, 37),
    }
    out = []
    for name, x in rows.items():
        for fn in ["softmax", "log_softmax", "softmin"]:
            for temperature in [1.0, 0.5, 4.0]:
                xx = x.clone().requires_grad_(True)
                f = getattr(F, fn)
                y = f(xx / temperature, dim=-1)
                up = torch.linspace(-1, 1, y.numel()).reshape(y.shape)
                (y * up).sum().backward()
                out.append({"kind": fn, "name": name, "cols": x.shape[1], "temperature": temperature,
                            "x": flat(x), "y": flat(y), "upstream": flat(up),
                            "dx": flat(xx.grad) if torch.isfinite(xx.grad).all() else None})
    return out


def loss_cases():
    out = []
    x = torch.randn(5, 4) * 2
    t = torch.tensor([0, 3, -100, 1, 2])
    w = torch.tensor([1.0, 2.0, 0.5, 1.5])
    for kw in [{}, {"weight": w}, {"label_smoothing": 0.1}, {"weight": w, "label_smoothing": 0.2},
               {"reduction": "sum"}, {"reduction": "none"}, {"weight": w, "reduction": "none", "label_smoothing": 0.1},
               {"ignore_index": 1}]:
        xx = x.clone().requires_grad_(True)
        tt = torch.tensor([0, 3, 1, 1, 2]) if "ignore_index" in kw else t
        loss = F.cross_entropy(xx, tt, **kw)
        loss.sum().backward()
        out.append({"loss": "cross_entropy", "cols": 4, "x": flat(x), "target": tt.tolist(),
                    "weight": flat(kw["weight"]) if "weight" in kw else [],
                    "label_smoothing": kw.get("label_smoothing", 0.0), "ignore_index": kw.get("ignore_index", -100),
                    "reduction": kw.get("reduction", "mean"), "value": flat(loss), "grad": flat(xx.grad)})
    # Probability targets.
    p = torch.softmax(torch.randn(5, 4), dim=-1)
    for kw in [{}, {"label_smoothing": 0.1}, {"weight": w}]:
        xx = x.clone().requires_grad_(True)
        loss = F.cross_entropy(xx, p, **kw)
        loss.backward()
        out.append({"loss": "cross_entropy_probs", "cols": 4, "x": flat(x), "target": flat(p),
                    "weight": flat(kw["weight"]) if "weight" in kw else [],
                    "label_smoothing": kw.get("label_smoothing", 0.0), "reduction": "mean", "value": flat(loss),
                    "grad": flat(xx.grad)})
    # nll_loss on log-probabilities.
    lp = torch.log_softmax(x, dim=-1)
    for kw in [{}, {"weight": w}, {"reduction": "sum"}]:
        ll = lp.clone().requires_grad_(True)
        loss = F.nll_loss(ll, t, **kw)
        loss.backward()
        out.append({"loss": "nll_loss", "cols": 4, "x": flat(lp), "target": t.tolist(),
                    "weight": flat(kw["weight"]) if "weight" in kw else [], "ignore_index": -100,
                    "reduction": kw.get("reduction", "mean"), "value": flat(loss), "grad": flat(ll.grad)})
    # Binary losses.
    z = torch.tensor([-1e4, -30.0, -2.0, 0.0, 0.5, 3.0, 40.0, 1e4])
    y = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.3, 0.0, 1.0])
    pw = torch.tensor([3.0])
    for kw in [{}, {"pos_weight": pw}, {"reduction": "sum"}]:
        zz = z.clone().requires_grad_(True)
        loss = F.binary_cross_entropy_with_logits(zz, y, **kw)
        loss.backward()
        out.append({"loss": "bce_with_logits", "x": flat(z), "target": flat(y),
                    "pos_weight": flat(kw["pos_weight"]) if "pos_weight" in kw else [],
                    "reduction": kw.get("reduction", "mean"), "value": flat(loss), "grad": flat(zz.grad)})
    prob = torch.tensor([0.0, 1.0, 0.5, 1e-30, 0.999, 0.25])
    tgt = torch.tensor([1.0, 1.0, 0.0, 1.0, 0.0, 0.25])
    pp = prob.clone().requires_grad_(True)
    loss = F.binary_cross_entropy(pp, tgt)
    loss.backward()
    out.append({"loss": "bce", "x": flat(prob), "target": flat(tgt), "reduction": "mean", "value": flat(loss),
                "grad": flat(pp.grad)})
    a = torch.tensor([0.5, -1.0, 2.0, 3.0, -4.0, 0.0])
    b = torch.tensor([0.0, -1.0, 0.25, -1.0, 1.0, 0.0])
    for name, fn, extra in [("mse_loss", F.mse_loss, {}), ("l1_loss", F.l1_loss, {}),
                            ("huber_loss", F.huber_loss, {"delta": 1.5})]:
        for red in ["mean", "sum"]:
            aa = a.clone().requires_grad_(True)
            loss = fn(aa, b, reduction=red, **extra)
            loss.backward()
            out.append({"loss": name, "x": flat(a), "target": flat(b), "reduction": red,
                        "delta": extra.get("delta", 1.0), "value": flat(loss), "grad": flat(aa.grad)})
    return out


def main():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "core", "data", "loss_golden.json")
    doc = {"magic": "actlab-golden loss_golden", "format": 1, "generator": SCRIPT, "torch": torch.__version__,
           "softmax": softmax_cases(), "losses": loss_cases()}
    with open(path + ".tmp", "w") as fh:
        json.dump(doc, fh, indent=1)
    os.replace(path + ".tmp", path)
    print(f"wrote {len(doc['softmax'])} softmax and {len(doc['losses'])} loss cases to {path}")


if __name__ == "__main__":
    main()
