#!/usr/bin/env bash
# Installs what actlab needs to build, test and benchmark, from Debian 12's
# packages. Idempotent: installs only what is missing; uses sudo only when not root.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libhwy-dev libeigen3-dev libboost-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libbenchmark-dev
  gnuplot-nox chromium clang libclang-rt-14-dev
  libtorch-dev libdnnl-dev ocl-icd-opencl-dev
  python3-mpmath python3-numpy python3-torch python3-dev pybind11-dev python3-pytest
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
