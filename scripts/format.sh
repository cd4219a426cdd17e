#!/usr/bin/env bash
# clang-format (version 14, as Debian 12 ships it) over every C++ file git knows, with the
# repository's .clang-format:
#   scripts/format.sh           # reformat the files in place
#   scripts/format.sh --check   # change nothing; list the files that differ and exit 1 if any
# scripts/test.sh --full runs the check (scripts/deps.sh installs clang-format-14).
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "format.sh: unknown argument '$1' (use no argument to reformat, --check to check)" >&2; exit 2 ;;
esac

cf=${CLANG_FORMAT:-}
if [ -z "$cf" ]; then
  for c in clang-format-14 clang-format; do
    if command -v "$c" >/dev/null 2>&1; then cf=$c; break; fi
  done
fi
if [ -z "$cf" ]; then
  echo "format.sh: clang-format-14 not found: apt-get install clang-format-14 (scripts/test.sh --full installs it)" >&2
  exit 2
fi
if ! "$cf" --version | grep -q 'version 14\.'; then
  echo "format.sh: warning: $("$cf" --version) is not clang-format 14; its output may differ from CI's" >&2
fi

mapfile -t files < <(git ls-files -- '*.cpp' '*.hpp' '*.h' '*.cc')
if [ "${#files[@]}" -eq 0 ]; then
  echo "format.sh: git lists no C++ files (is git installed, and is this a clone?)" >&2
  exit 2
fi
if [ "$check" = 0 ]; then
  "$cf" -i --style=file "${files[@]}"
  echo "format.sh: formatted ${#files[@]} files"
  exit 0
fi
drift=()
for f in "${files[@]}"; do
  if ! "$cf" --style=file "$f" | cmp -s - "$f"; then drift+=("$f"); fi
done
if [ "${#drift[@]}" -gt 0 ]; then
  echo "format.sh: ${#drift[@]} of ${#files[@]} files differ from .clang-format:" >&2
  printf '  %s\n' "${drift[@]}" >&2
  echo "format.sh: run scripts/format.sh to reformat them (see the diff with: $cf --style=file FILE | diff FILE -)" >&2
  exit 1
fi
echo "format.sh: ${#files[@]} files follow .clang-format"
