#!/usr/bin/env bash
# Builds the Debian package from a build tree (`cpack -G DEB`) and checks what
# it installs: both binaries (runnable from the unpacked tree), the systemd
# units, the sample configs as conffiles, Depends: from dpkg-shlibdeps, and the
# embedding library (headers, static libraries, find_package(caf-nsqd) files).
# Usage: check_deb.sh <build dir>
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log" >&2; fail "cpack -G DEB failed"; }
deb=$(ls "$work"/out/caf-nsqd_*.deb 2>/dev/null | head -n1)
[[ -n $deb ]] || fail "no caf-nsqd_*.deb produced"
echo "package: $(basename "$deb")"

dpkg-deb -c "$deb" | awk '{print $NF}' >"$work/contents"
for path in ./usr/bin/caf-nsqd ./usr/bin/caf-nsqlookupd \
  ./usr/lib/systemd/system/caf-nsqd.service ./usr/lib/systemd/system/caf-nsqlookupd.service \
  ./etc/caf-nsqd/caf-nsqd.cfg ./etc/caf-nsqd/caf-nsqlookupd.cfg \
  ./usr/share/doc/caf-nsqd/examples/caf-nsqd.cfg.example \
  ./usr/share/doc/caf-nsqd/examples/caf-nsqlookupd.cfg.example; do
  grep -qxF "$path" "$work/contents" || fail "$path missing from the package"
done
for path in ./usr/include/caf-nsqd/actors/embedded_broker.hpp \
  ./usr/include/caf-nsqd/actors/messages.hpp ./usr/include/caf-nsqd/protocol/settings.hpp \
  ./usr/include/caf-nsqd/storage/metadata.hpp; do
  grep -qxF "$path" "$work/contents" || fail "$path missing from the package"
done
for file in caf-nsqdConfig.cmake caf-nsqdConfigVersion.cmake caf-nsqd-targets.cmake \
  FindCAF.cmake libnsq_embedded.a libnsq_actors.a libnsq_storage.a libnsq_protocol.a; do
  grep -qE "^\./usr/lib/(.*/)?$file\$" "$work/contents" || fail "$file missing from the package"
done

dpkg-deb -I "$deb" >"$work/info"
grep -q '^ Package: caf-nsqd$' "$work/info" || fail "wrong package name"
grep -q '^ Depends:.*libcaf' "$work/info" || fail "Depends: lacks CAF: $(grep Depends "$work/info")"
dpkg-deb -e "$deb" "$work/control"
grep -qxF /etc/caf-nsqd/caf-nsqd.cfg "$work/control/conffiles" || fail "config not a conffile"

# The packaged binaries run, and accept the packaged configuration files.
dpkg-deb -x "$deb" "$work/root"
"$work/root/usr/bin/caf-nsqd" --version | grep -q '^nsqd v1.3.0' || fail "caf-nsqd --version"
"$work/root/usr/bin/caf-nsqlookupd" --version | grep -q '^nsqlookupd v1.3.0' ||
  fail "caf-nsqlookupd --version"
for unit in caf-nsqd caf-nsqlookupd; do
  grep -q "^ExecStart=/usr/bin/$unit --config=/etc/caf-nsqd/$unit.cfg" \
    "$work/root/usr/lib/systemd/system/$unit.service" || fail "$unit.service ExecStart"
done

# Each binary starts with its packaged config file (listeners moved to free
# loopback ports by flags, which override the file) and stops on SIGTERM.
starts_with_config() { # <binary> <config> <extra flags...>
  local bin=$1 cfg=$2
  shift 2
  "$bin" --config="$cfg" --tcp-address=127.0.0.1:0 --http-address=127.0.0.1:0 "$@" \
    2>"$work/run.log" &
  local pid=$! i
  for i in $(seq 100); do
    grep -q 'TCP: listening on 127.0.0.1:' "$work/run.log" && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  grep -q 'TCP: listening on 127.0.0.1:' "$work/run.log" ||
    { kill -9 $pid 2>/dev/null; cat "$work/run.log" >&2; fail "$(basename "$bin") did not start with $cfg"; }
  kill -TERM $pid
  wait $pid || fail "$(basename "$bin") exited non-zero after SIGTERM"
}
mkdir "$work/data"
starts_with_config "$work/root/usr/bin/caf-nsqd" "$work/root/etc/caf-nsqd/caf-nsqd.cfg" \
  --data-path="$work/data" --https-address=
starts_with_config "$work/root/usr/bin/caf-nsqlookupd" "$work/root/etc/caf-nsqd/caf-nsqlookupd.cfg"
echo "packaging: OK"
