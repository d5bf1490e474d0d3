#!/usr/bin/env bash
# The main job: install, build, then run every experiment of the seeds into one
# HTML report (actlab lab all) and say where it is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release > /dev/null
actlab=build/release/cli/actlab
"$actlab" lab all --out out/report
echo
echo "Open out/report/index.html in a browser; each experiment's PNG figures are beside its page."
