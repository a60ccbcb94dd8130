#!/usr/bin/env bash
# Gathers the non-torch build dependencies of eigenscope's headless build (core, CLI, tests, benchmarks) as Debian
# packages into DIR, for a GPU machine without package access: copy DIR there and run
# `bash scripts/gpu-check.sh DIR`. Run this where apt works (no root needed: apt-get download).
# Usage: bash scripts/bundle-deps.sh DIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash scripts/bundle-deps.sh DIR" >&2; exit 2; }
dir=$(mkdir -p "$1" && cd "$1" && pwd)
# Headers-only libraries, the static GoogleTest, the shared libraries of yaml-cpp and libzip with their -dev
# halves, zlib's pkg-config file (libzip.pc needs it) and pkgconf itself.
packages=(
  libeigen3-dev nlohmann-json3-dev libcli11-dev libgtest-dev
  libyaml-cpp-dev libyaml-cpp0.7 libzip-dev libzip4 zlib1g-dev
  pkgconf pkgconf-bin libpkgconf3
)
cd "$dir"
apt-get download "${packages[@]}"
echo "bundle-deps: $(ls "$dir"/*.deb | wc -l) packages in $dir"
