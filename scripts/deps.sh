#!/usr/bin/env bash
# Installs what caf-nsqd needs to build and test, from Debian bookworm's
# packages (and the nsqjs client from npm for the interop tests). Idempotent.
set -euo pipefail
packages=(g++ cmake ninja-build pkg-config libcaf-dev libboost-dev libboost-system-dev
  catch2 nlohmann-json3-dev libssl-dev zlib1g-dev
  libsnappy-dev libtomlplusplus-dev dpkg-dev # dpkg-dev: dpkg-shlibdeps for cpack -G DEB
  clang libclang-rt-14-dev) # clang + libFuzzer runtime for scripts/fuzz.sh
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
