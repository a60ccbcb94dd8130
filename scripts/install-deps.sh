#!/usr/bin/env bash
# Installs every Debian package that eigenscope's build, tests and GUI need. Idempotent; root or sudo.
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ pkg-config libopenblas0-pthread
  libtorch-dev libeigen3-dev libgtest-dev nlohmann-json3-dev libcli11-dev libzip-dev libyaml-cpp-dev libpcre2-dev libicu-dev
  qt6-base-dev qt6-svg-dev qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev libgl1-mesa-dev
  xvfb xauth
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
echo "install-deps: done"
