#!/usr/bin/env bash
# The embedding library as a user gets it: `cmake --install --component dev`
# into a temporary prefix, then examples/embedded.cpp built out of tree by a
# three-line CMake project (find_package(caf-nsqd), caf-nsqd::embedded) that
# sees only the prefix, and run.
# Usage: check_install.sh <build dir> <source dir>
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$work/log" >&2 2>/dev/null || true; exit 1; }

cmake --install "$build" --component dev --prefix "$work/prefix" >"$work/log" 2>&1 ||
  fail "cmake --install failed"
for f in include/caf-nsqd/actors/embedded_broker.hpp include/caf-nsqd/actors/messages.hpp \
  include/caf-nsqd/protocol/settings.hpp include/caf-nsqd/storage/metadata.hpp; do
  [[ -f $work/prefix/$f ]] || fail "$f not installed"
done
config=$(find "$work/prefix" -name caf-nsqdConfig.cmake)
[[ -n $config ]] || fail "caf-nsqdConfig.cmake not installed"
[[ -z $(find "$work/prefix" -path '*/bin/*') ]] || fail "the dev component installs binaries"

mkdir "$work/user"
cp "$src/examples/embedded.cpp" "$work/user/"
cat >"$work/user/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(embedder LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(caf-nsqd 0.1 REQUIRED)
add_executable(embedder embedded.cpp)
target_link_libraries(embedder PRIVATE caf-nsqd::embedded)
CMAKE
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$work/user" -B "$work/user/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" "${launcher[@]}" >"$work/log" 2>&1 ||
  fail "configuring the user's project failed"
grep -qF "$src" "$work/user/build/build.ninja" && fail "the user's build refers to the source tree"
timeout 500 cmake --build "$work/user/build" -j2 >"$work/log" 2>&1 ||
  fail "building the user's project failed"
timeout 60 "$work/user/build/embedder" --count=2 >"$work/log" 2>&1 || fail "the program failed"
grep -qx "audit got: order #2" "$work/log" || fail "the program did not consume"
grep -qx bye "$work/log" || fail "the program did not stop cleanly"
echo "installed library: OK"
