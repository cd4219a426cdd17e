#!/usr/bin/env bash
# The test loop. Two modes:
#
#   scripts/test.sh             # everyday: build/ (Release, g++), then unit + integration tests
#                               # with one Python (the first python3 on PATH), one AWS CLI and
#                               # the JS SDK: `ctest -LE full`. A few minutes on a warm build.
#   scripts/test.sh --full      # CI (.ci/run): all of the above, plus the `full` tests (the
#                               # second Python, the second AWS CLI, the container image), the
#                               # ASan+UBSan build (`asan` preset, build-asan/) and its suite,
#                               # the corpus replays and the deterministic fuzz runs (`fuzz`
#                               # test preset), scripts/format.sh --check and scripts/tidy.sh
#                               # (when the tree has it).
#   scripts/test.sh -L unit     # CTest arguments select tests: without --full exactly those run,
#   scripts/test.sh -R py.test_admin   # in build/ only (no sanitizer build, no fuzzing); with
#                               # --full they go to each ctest run.
#
# On a bare Debian 12 run as root it first installs what the mode needs (scripts/deps.sh), and
# `npm ci`s every directory under clients/ and tests/ with a package.json + package-lock.json
# whose node_modules is missing or was installed from another lock file or Node. It uses ccache
# when installed. Every stage prints its time; the last line is a one-line summary, and the
# exit status is non-zero when any stage failed. See README.md ("Tests") and docs/hardening.md.
set -uo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
. scripts/deps.sh

full=0
ctest_args=()
for a in "$@"; do
  case "$a" in
    --full) full=1 ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) ctest_args+=("$a") ;;
  esac
done

started=$SECONDS
summary=()
failed=()
# stage NAME COMMAND...: runs it, records its time and outcome; returns its status.
stage() {
  local name=$1 t0=$SECONDS rc=0
  shift
  echo "test.sh: ---- $name"
  "$@" || rc=$?
  local took=$((SECONDS - t0))
  if [ "$rc" -eq 0 ]; then
    summary+=("$name ${took}s")
    echo "test.sh: $name done (${took} s)"
  else
    summary+=("$name FAILED(${rc}) ${took}s")
    failed+=("$name")
    echo "test.sh: $name FAILED (exit $rc, ${took} s)" >&2
  fi
  return "$rc"
}
finish() {
  local total=$((SECONDS - started)) mode=fast
  [ "$full" = 1 ] && mode=full
  if [ "${#failed[@]}" -eq 0 ]; then
    echo "test.sh: PASS ($mode, $((total / 60)) m $((total % 60)) s): ${summary[*]}"
    exit 0
  fi
  echo "test.sh: FAIL ($mode, $((total / 60)) m $((total % 60)) s): failed: ${failed[*]}; ${summary[*]}"
  exit 1
}

# ---- dependencies -------------------------------------------------------------------------
deps() {
  local pkgs=("${ATHENA_BUILD_DEPS[@]}" "${ATHENA_TEST_DEPS[@]}")
  # shellcheck disable=SC2207
  pkgs+=($(athena_node_pkgs))
  if [ "$full" = 1 ]; then
    pkgs+=("${ATHENA_FULL_DEPS[@]}")
    # The container image test runs where ../shared/tools/container can build images with
    # podman: as root, next to ../shared, and not itself inside a container.
    if [ -x ../shared/tools/container ] && [ "$(id -u)" -eq 0 ] && [ ! -e /run/.containerenv ] && [ ! -e /.dockerenv ]; then
      pkgs+=("${ATHENA_CONTAINER_DEPS[@]}")
    fi
  fi
  athena_install_missing "${pkgs[@]}"
}
stage deps deps || finish

# ---- build/ (Release) ---------------------------------------------------------------------
# Configured once (the configure step probes every Python and AWS CLI: seconds each); after
# that `cmake --build` re-runs it by itself when a CMakeLists.txt changes.
configured() {  # configured BUILD_DIR LAUNCHER_ARG OTHER_CACHE_LINE...
  local dir=$1 launcher=${2#-DCMAKE_CXX_COMPILER_LAUNCHER=} line
  shift 2
  [ -f "$dir/CMakeCache.txt" ] || return 1
  grep -qx "CMAKE_CXX_COMPILER_LAUNCHER:[A-Z]*=$launcher" "$dir/CMakeCache.txt" || return 1
  for line in "$@"; do grep -qx "$line" "$dir/CMakeCache.txt" || return 1; done
}
build_release() {
  local launcher
  launcher=$(athena_ccache_launcher)
  if ! configured build "$launcher" 'BUILD_TESTING:BOOL=ON' 'CMAKE_BUILD_TYPE:STRING=Release'; then
    cmake --preset release -DBUILD_TESTING=ON "$launcher" >/dev/null || return
  fi
  cmake --build --preset release
}
stage build build_release || finish

# ---- npm ci: every package.json + package-lock.json under clients/ and tests/ ------------------
# Skipped where node_modules was installed from the same package.json, lock file and Node.
npm_ci() {
  local lock dir stamp stamp_file rc=0
  while IFS= read -r lock; do
    dir=$(dirname "$lock")
    [ -f "$dir/package.json" ] || continue
    stamp_file=$dir/node_modules/.athena-emu-stamp
    stamp=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)-$(node --version)
    if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then continue; fi
    echo "test.sh: npm ci in $dir"
    if (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error); then
      echo "$stamp" >"$stamp_file"
    else
      echo "test.sh: npm ci failed in $dir" >&2
      rc=1
    fi
  done < <(find clients tests -name package-lock.json -not -path '*/node_modules/*' 2>/dev/null | sort)
  return "$rc"
}
stage "npm ci" npm_ci || finish

# ---- the tests in build/ ------------------------------------------------------------------
if [ "$full" = 1 ]; then
  stage tests ctest --preset release "${ctest_args[@]}"
elif [ "${#ctest_args[@]}" -gt 0 ]; then
  stage tests ctest --preset release "${ctest_args[@]}"
else
  stage tests ctest --preset release -LE full
fi
[ "$full" = 1 ] || finish

# ---- --full: ASan + UBSan, fuzzing, format, tidy ------------------------------------------
build_asan() {
  local launcher
  launcher=$(athena_ccache_launcher)
  if ! configured build-asan "$launcher" 'ATHENA_SANITIZE:BOOL=ON' 'ATHENA_FUZZ:BOOL=ON'; then
    cmake --preset asan "$launcher" >/dev/null || return
  fi
  cmake --build --preset asan
}
if stage "asan build" build_asan; then
  stage "asan tests" ctest --preset asan "${ctest_args[@]}"
  stage "fuzz (corpus + deterministic runs)" ctest --preset fuzz "${ctest_args[@]}"
fi
stage "format check" scripts/format.sh --check
if [ -f scripts/tidy.sh ]; then
  stage tidy bash scripts/tidy.sh
fi
finish
