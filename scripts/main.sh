#!/usr/bin/env bash
# The main job: install, build, then show the catalog, what a few activations
# do at a few points, softmax and a loss on logits, and two short trainings.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release > /dev/null
actlab=build/release/cli/actlab
"$actlab" list
echo
"$actlab" info gelu
echo
"$actlab" eval sigmoid 3 --grad          # the seeds' σ'(3) ≈ 0.0452
"$actlab" eval gelu 1.5 -2 --grad
"$actlab" eval softmax 2 1 0.1           # [0.659, 0.242, 0.099]
"$actlab" loss cross_entropy --logits 2,1,0.1 --target 0
echo
"$actlab" train --data digits --model 64-128-128-10 --act relu --epochs 20 --lr 1e-3 --out out/train-digits
echo
"$actlab" train --data spirals --model 2-64-64-2 --act tanh --epochs 100 --out out/train-spirals
