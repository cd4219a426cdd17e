# shellcheck shell=bash
# Sourced by run.sh and test.sh: installs the Debian 12 packages athena-emu needs, only those
# missing, with a single `apt-get update` and only when something must be installed.

# What building athena-emu needs.
ATHENA_BUILD_DEPS=(
  build-essential cmake pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev libboost-regex1.81-dev
  libboost-url1.81-dev
  libsqlite3-dev libssl-dev doctest-dev
)
# What the test suite needs on top (boto3 + AWS CLI v2 from Debian, Node.js for the JS SDK).
ATHENA_TEST_DEPS=(python3 python3-boto3 awscli ca-certificates procps)
# The `asan` preset and the fuzzers (docs/hardening.md): clang 14, its compiler-rt runtimes
# (ASan, UBSan, libFuzzer: libclang-rt-14-dev), llvm-symbolizer for readable reports (llvm),
# clang-tidy-14 for scripts/tidy.sh.
ATHENA_ASAN_DEPS=(clang-14 libclang-rt-14-dev llvm clang-tidy-14)

athena_pkg_installed() {
  dpkg -s "$1" 2>/dev/null | grep -qx 'Status: install ok installed'
}

# athena_install_missing PKG... — installs the named packages that are not installed.
athena_install_missing() {
  local missing=() p
  for p in "$@"; do
    athena_pkg_installed "$p" || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "athena-emu: missing packages: ${missing[*]} (run as root, or install them)" >&2
    return 1
  fi
  echo "athena-emu: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # apt's chatter goes to a log, shown only when something fails.
  local log rc=0
  log=$(mktemp)
  if [ -z "${ATHENA_APT_UPDATED:-}" ]; then
    apt-get update -qq >"$log" 2>&1 || rc=$?
    ATHENA_APT_UPDATED=1
  fi
  if [ "$rc" -eq 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1 || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    cat "$log" >&2
    echo "athena-emu: apt-get failed (exit $rc)" >&2
  fi
  rm -f "$log"
  return "$rc"
}

# Node.js and npm: any node/npm on PATH will do (a nodesource nodejs bundles npm, and
# conflicts with Debian's npm package); otherwise Debian's nodejs 18 + npm.
athena_node_pkgs() {
  command -v node >/dev/null 2>&1 || athena_pkg_installed nodejs || echo nodejs
  command -v npm >/dev/null 2>&1 || athena_pkg_installed npm || echo npm
}
