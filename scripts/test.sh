#!/usr/bin/env bash
# Builds athena-emu and runs every test with CTest (unit + integration), then the same suite
# on the `asan` preset (ASan + UBSan, build-asan/) and each fuzz target for 30 s:
#   scripts/test.sh              # everything
#   scripts/test.sh -L unit      # extra arguments go to both ctest runs
#   ATHENA_TEST_ASAN=0 ATHENA_TEST_FUZZ=0 scripts/test.sh   # the normal build only
# ATHENA_TEST_FUZZ_SECONDS (default 30) is the time per fuzz target. See docs/hardening.md.
# On a bare Debian 12 run as root it first installs what is missing (compiler, libraries,
# python3-boto3, awscli, Node.js + npm, clang 14 for the sanitizer build), and `npm ci`s the
# JS tests when their node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
. scripts/deps.sh

t0=$SECONDS
# shellcheck disable=SC2207
node_pkgs=($(athena_node_pkgs))
# The container image test (label `container`) runs where ../shared/tools/container can build
# images with podman: as root, next to ../shared, and not itself inside a container.
container_pkgs=()
if [ -x ../shared/tools/container ] && [ "$(id -u)" -eq 0 ] && [ ! -e /run/.containerenv ] && [ ! -e /.dockerenv ]; then
  container_pkgs=(podman runc debootstrap)
fi
asan=${ATHENA_TEST_ASAN:-1}
fuzz=${ATHENA_TEST_FUZZ:-1}
fuzz_seconds=${ATHENA_TEST_FUZZ_SECONDS:-30}
asan_pkgs=()
if [ "$asan" != 0 ] || [ "$fuzz" != 0 ]; then
  asan_pkgs=("${ATHENA_ASAN_DEPS[@]}")
fi
athena_install_missing "${ATHENA_BUILD_DEPS[@]}" "${ATHENA_TEST_DEPS[@]}" "${node_pkgs[@]}" "${container_pkgs[@]}" \
  "${asan_pkgs[@]}"
echo "test.sh: dependencies ready ($((SECONDS - t0)) s)"

# Release like scripts/run.sh, unless build/ is already configured (keep its type: switching
# rebuilds everything) or ATHENA_BUILD_TYPE says otherwise.
build_type=()
if [ -n "${ATHENA_BUILD_TYPE:-}" ]; then
  build_type=(-DCMAKE_BUILD_TYPE="$ATHENA_BUILD_TYPE")
elif [ ! -f build/CMakeCache.txt ]; then
  build_type=(-DCMAKE_BUILD_TYPE=Release)
fi
t0=$SECONDS
cmake -S . -B build "${build_type[@]}"
cmake --build build -j2
echo "test.sh: build done ($((SECONDS - t0)) s)"

# npm ci when node_modules does not match package.json + package-lock.json + this node.
js=tests/integration/js
if [ -f "$js/package-lock.json" ]; then
  stamp_file=$js/node_modules/.athena-emu-stamp
  stamp=$(cat "$js/package.json" "$js/package-lock.json" | sha256sum | cut -d' ' -f1)-$(node --version)
  if [ ! -f "$stamp_file" ] || [ "$(cat "$stamp_file")" != "$stamp" ]; then
    t0=$SECONDS
    (cd "$js" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$stamp" > "$stamp_file"
    echo "test.sh: npm ci done ($((SECONDS - t0)) s)"
  fi
fi

t0=$SECONDS
ctest --test-dir build --output-on-failure --no-tests=error -j2 "$@"
echo "test.sh: tests done ($((SECONDS - t0)) s)"

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer (the `asan` preset, which
# also builds the fuzz targets). Left out there: the AWS CLI tests (`*_cli`: minutes of CLI
# start-ups under ASan, and no server path that boto3 does not take) and the second Python
# (`.debian`: the same requests from an older botocore).
if [ "$asan" != 0 ] || [ "$fuzz" != 0 ]; then
  t0=$SECONDS
  cmake --preset asan >/dev/null
  cmake --build --preset asan
  echo "test.sh: asan build done ($((SECONDS - t0)) s)"
fi
if [ "$asan" != 0 ]; then
  t0=$SECONDS
  # The second Python only: where Debian's is the only one (a bare Debian 12), it runs.
  exclude='_cli\.'
  if ctest --test-dir build-asan -N | grep -qE ' py\.[a-z0-9_]+\.(pyenv|path)$'; then
    exclude='_cli\.|\.debian$'
  fi
  ctest --test-dir build-asan --output-on-failure --no-tests=error -j2 -E "$exclude" "$@"
  echo "test.sh: asan tests done ($((SECONDS - t0)) s)"
fi
if [ "$fuzz" != 0 ]; then
  t0=$SECONDS
  scripts/fuzz.sh "$fuzz_seconds"
  echo "test.sh: fuzzing done ($((SECONDS - t0)) s)"
fi
