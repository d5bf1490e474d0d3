#!/usr/bin/env bash
# The whole test suite: install, build, and run every test in the release
# build and again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
ctest --preset release
bash scripts/build.sh debug
ctest --preset debug
