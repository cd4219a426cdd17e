#!/usr/bin/env bash
# clang-tidy over the emulator's own code (server/, state/, control/) with the checks of
# .clang-tidy: today readability-function-size, no function body over 80 lines.
#
#   scripts/tidy.sh [BUILD_DIR]      (default build/; configured here when it has no
#                                     compile_commands.json)
#
# Prints each violation as clang-tidy reports it and exits 1 when there is any; exits 2 when
# clang-tidy-14 is missing (scripts/deps.sh installs it with the asan dependencies). Runs one
# clang-tidy per core; about a minute on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD="${1:-build}"
TIDY="${CLANG_TIDY:-clang-tidy-14}"
command -v "$TIDY" >/dev/null || { echo "tidy.sh: $TIDY not found: apt-get install clang-tidy-14" >&2; exit 2; }
if [ ! -f "$BUILD/compile_commands.json" ]; then
    cmake -S . -B "$BUILD" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
fi
mapfile -t FILES < <(git ls-files -co --exclude-standard 'server/*.cpp' 'state/*.cpp' 'control/*.cpp')
[ "${#FILES[@]}" -gt 0 ] || { echo "tidy.sh: no sources found" >&2; exit 2; }
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
status=0
printf '%s\n' "${FILES[@]}" |
    xargs -P "$(nproc)" -n 2 "$TIDY" -p "$BUILD" --quiet >"$OUT" 2>/dev/null || status=$?
if grep -q 'error:\|warning:' "$OUT"; then
    grep -A3 'error:\|warning:' "$OUT"
    echo "tidy.sh: the findings above break .clang-tidy's rules" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "tidy.sh: clang-tidy failed (exit $status) without a finding; rerun one file by hand:" >&2
    echo "  $TIDY -p $BUILD ${FILES[0]}" >&2
    exit 1
fi
echo "tidy.sh: ${#FILES[@]} files, no findings"
