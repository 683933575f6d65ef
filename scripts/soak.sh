#!/usr/bin/env bash
# Crash/soak harness (docs/reliability.md): producers and consumers on several
# topics and channels, random SIGKILL/SIGTERM restarts, a disk-full episode on
# a small tmpfs (when run as root), slow and vanishing consumers; fails unless
# every acknowledged message was delivered, nothing FINed came back outside a
# crash window, and RSS and threads stayed bounded.
# Usage: scripts/soak.sh [minutes]   (default 2; needs build/caf-nsqd and
#        tests/interop/node_modules, i.e. after scripts/test.sh's setup)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-2}
binary=${NSQD_BINARY:-$PWD/build/caf-nsqd}
[[ -x $binary ]] || { echo "soak: $binary not built" >&2; exit 1; }
data=$(mktemp -d /tmp/caf-nsqd-soak-XXXXXX)
tmpfs=0
# A 64 MiB tmpfs makes the disk-full episode possible (root only).
if [[ $(id -u) == 0 ]] && mount -t tmpfs -o size=64m caf-nsqd-soak "$data" 2>/dev/null; then
  tmpfs=1
fi
cleanup() {
  [[ $tmpfs == 1 ]] && umount "$data" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT
NODE_PATH=$PWD/tests/interop/node_modules NSQD_BINARY=$binary SOAK_DATA=$data SOAK_TMPFS=$tmpfs \
  SOAK_MEMORY_EPOCHS=${SOAK_MEMORY_EPOCHS:-1} \
  node scripts/soak/soak.js "$((minutes * 60))"
