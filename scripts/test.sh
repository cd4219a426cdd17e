#!/usr/bin/env bash
# Builds athena-emu and runs every test with CTest (unit + integration):
#   scripts/test.sh              # everything
#   scripts/test.sh -L unit      # extra arguments go to ctest
# On a bare Debian 12 run as root it first installs what is missing (compiler, libraries,
# python3-boto3, awscli, Node.js + npm), and `npm ci`s the JS tests when their
# node_modules is missing or older than the lock file.
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
athena_install_missing "${ATHENA_BUILD_DEPS[@]}" "${ATHENA_TEST_DEPS[@]}" "${node_pkgs[@]}" "${container_pkgs[@]}"
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

ctest --test-dir build --output-on-failure --no-tests=error -j2 "$@"
