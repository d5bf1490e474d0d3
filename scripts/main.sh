#!/usr/bin/env bash
# The main job: install, build, then show the catalog and what a few
# activations do at a few points.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release > /dev/null
actlab=build/release/cli/actlab
"$actlab" list
echo
"$actlab" info gelu
echo
"$actlab" eval sigmoid 3 --grad
"$actlab" eval gelu 1.5 -2 --grad
"$actlab" eval gelu_tanh 1.5 --grad
