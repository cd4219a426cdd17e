# shellcheck shell=bash
# Sourced by run.sh and test.sh: installs the Debian 12 packages athena-emu needs, only those
# missing, with a single `apt-get update` and only when something must be installed.

# What building the server needs (scripts/run.sh; the container image installs the same).
ATHENA_BUILD_DEPS=(
  build-essential cmake pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev libboost-regex1.81-dev
  libboost-url1.81-dev
  libsqlite3-dev libssl-dev
)
# What scripts/test.sh needs on top: doctest for the unit tests, one Python with boto3 and one
# AWS CLI (on a bare Debian 12: Debian's python3-boto3 and awscli v2), Node.js for the JS SDK
# (athena_node_pkgs); pytest, pip, setuptools and wheel for the clients/python package's tests
# and its install test.
ATHENA_TEST_DEPS=(doctest-dev python3 python3-boto3 awscli ca-certificates procps
                  python3-pytest python3-pip python3-setuptools python3-wheel)
# What scripts/test.sh --full adds: the `asan` preset and the fuzzers (clang 14, its
# compiler-rt runtimes for ASan, UBSan and libFuzzer: libclang-rt-14-dev; llvm-symbolizer for
# readable reports: llvm) and the format check (clang-format-14). See docs/hardening.md.
ATHENA_ASAN_DEPS=(clang-14 libclang-rt-14-dev llvm)
# The browser test (tests/browser) drives Debian's Chromium; it skips where Chromium is absent.
ATHENA_FULL_DEPS=("${ATHENA_ASAN_DEPS[@]}" clang-format-14 chromium git)
# The container tests: podman, and name resolution on podman networks (aardvark-dns for the
# netavark backend, the dnsname plugin for CNI: which one podman uses depends on its history),
# and iptables, which netavark runs to publish ports (only Suggested by Debian: without it
# `podman run -p` fails with "netavark: No such file or directory").
ATHENA_CONTAINER_DEPS=(podman runc debootstrap netavark aardvark-dns golang-github-containernetworking-plugin-dnsname iptables)
# scripts/tidy.sh, when the tree has it, is the clang-tidy check.
[ -f "$(dirname "${BASH_SOURCE[0]}")/tidy.sh" ] && ATHENA_FULL_DEPS+=(clang-tidy-14)

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

# -DCMAKE_CXX_COMPILER_LAUNCHER for a configure: ccache when installed (a rebuild of unchanged
# files is then free, across build directories), else none (also clearing an old setting).
athena_ccache_launcher() {
  if command -v ccache >/dev/null 2>&1; then
    echo "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
  else
    echo "-DCMAKE_CXX_COMPILER_LAUNCHER="
  fi
}
