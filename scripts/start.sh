#!/usr/bin/env bash
# Installs what is missing, builds caf-nsqd (Release) and starts it with
# nsqd's defaults: TCP on 0.0.0.0:4150, data in ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
mkdir -p data
exec ./build/caf-nsqd --data-path=data "$@"
