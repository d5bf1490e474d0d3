"""The example trains the seeds' minimal MLP on digits with actlab's kernels inside PyTorch."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))

import torch_mlp  # noqa: E402


def test_actlab_kernels_train_digits_inside_torch():
    assert torch_mlp.main("relu", epochs=5) > 0.93
