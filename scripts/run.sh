#!/usr/bin/env bash
# Builds athena-emu (Release, into build/) and runs it with the given flags:
#   scripts/run.sh --port 4599 --clock manual ...
# On a bare Debian 12 run as root it first installs the missing build dependencies.
# Build output goes to stderr, so stdout carries only the emulator's own output.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
. scripts/deps.sh

exec 3>&1 1>&2
athena_install_missing "${ATHENA_BUILD_DEPS[@]}"
# A first configure leaves the tests out (no doctest needed); scripts/test.sh turns them on.
testing=()
[ -f build/CMakeCache.txt ] || testing=(-DBUILD_TESTING=OFF)
cmake --preset release "${testing[@]}" "$(athena_ccache_launcher)"
cmake --build build -j2 --target athena-emu
exec 1>&3 3>&-

exec build/athena-emu "$@"
