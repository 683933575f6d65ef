#!/usr/bin/env bash
# The sanitizer build compiles every library in unity batches of 8 files
# (CMakeLists.txt), and which files share a batch shifts whenever a file is
# added. So each source directory must compile as ONE translation unit: then
# every batching of it does. This checks that (syntax only, ~1 min): two
# files defining the same name in an anonymous namespace fail here, not in CI's
# sanitizer build 10 minutes later.
set -euo pipefail
cd "$(dirname "$0")/.."
CXX=${CXX:-c++}
status=0
unit=$(mktemp --suffix=.cpp)
trap 'rm -f "$unit"' EXIT
for dir in protocol storage actors net app app/nsqlookupd bench; do
  : >"$unit"
  for f in "$dir"/*.cpp; do echo "#include \"$PWD/$f\"" >>"$unit"; done
  if ! "$CXX" -std=c++17 -fsyntax-only -DBOOST_ASIO_NO_DEPRECATED -I"$PWD" "$unit"; then
    echo "check_unity: $dir/*.cpp do not compile as one unit (a name defined twice?)" >&2
    status=1
  fi
done
exit $status
