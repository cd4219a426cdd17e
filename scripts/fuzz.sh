#!/usr/bin/env bash
# Open-ended fuzzing, for people: each libFuzzer target (tests/fuzz/) for a bounded time with a
# random seed, on a copy of its corpus. (CI runs fixed -seed/-runs instead: the fuzz.*.run
# CTest tests of scripts/test.sh --full.)
#   scripts/fuzz.sh                    # 60 s per target
#   scripts/fuzz.sh 600 fuzz_fixture   # one target, 10 minutes
# Builds the `fuzz` preset's targets first (build-asan/). Prints the executions of each target;
# exits 1 when a target finds a crash, a leak, a timeout or runs out of memory, keeps the input
# that did it in build-asan/fuzz-artifacts/<target>/ and prints how to reproduce it and turn it
# into a regression test. The committed corpus is never changed (the fuzzer grows a copy in a
# temp dir). See docs/hardening.md.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

seconds=${1:-60}
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(fuzz_http_request fuzz_aws_operation fuzz_fixture)
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "fuzz.sh: the time per target must be a whole number of seconds, got '$seconds'" >&2
  exit 2
fi

build=build-asan
. scripts/deps.sh
[ -f "$build/CMakeCache.txt" ] || cmake --preset fuzz "$(athena_ccache_launcher)" >/dev/null
cmake --build --preset fuzz >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/$t
  [ -x "$bin" ] || { echo "fuzz.sh: no fuzz target $t (known: fuzz_http_request fuzz_aws_operation fuzz_fixture)" >&2; exit 2; }
  cp -r "tests/fuzz/corpus/$t" "$tmp/$t"
  artifacts=$build/fuzz-artifacts/$t
  mkdir -p "$artifacts"
  log=$tmp/$t.log
  t0=$SECONDS
  rc=0
  # -timeout: one input may take 10 s (ASan, a slow machine); -rss_limit_mb: a leak or a
  # runaway allocation fails instead of swapping.
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="tests/fuzz/$t.dict" -artifact_prefix="$artifacts/" "$tmp/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  corpus=$(find "$tmp/$t" -type f | wc -l)
  echo "fuzz.sh: $t: ${execs:-?} executions in $((SECONDS - t0)) s, ${cov:-cov: ?}, corpus $corpus inputs, exit $rc"
  if [ "$rc" -ne 0 ]; then
    failed=1
    echo "---- $t: last lines of the fuzzer's output" >&2
    tail -n 60 "$log" >&2
    cp "$log" "$artifacts/fuzz.log"
    for f in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/slow-unit-*; do
      [ -e "$f" ] || continue
      cat >&2 <<EOT
fuzz.sh: $t: kept $f. To turn it into a regression test:
  1. reproduce it (the full report):   $bin $f
  2. fix the product (or, if the answer is one README documents, the target's oracle in
     tests/fuzz/fuzz_check.hpp or tests/fuzz/$t.cpp), and add a unit test of the behaviour
  3. keep the input:                   cp $f tests/fuzz/corpus/$t/regress-<what-it-was>
  4. check it replays clean:           ctest --preset fuzz -R 'fuzz\.$t\.'
  The CTest test fuzz.$t.corpus replays every file of tests/fuzz/corpus/$t/ from then on.
EOT
    done
  fi
done
exit "$failed"
