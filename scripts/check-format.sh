#!/usr/bin/env bash
# Fails when a C++ source of the tree is not as .clang-format lays it out,
# naming the files; `scripts/check-format.sh --fix` rewrites them. Run by
# `make test` (CTest "format: clang-format"), so CI fails on drift.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "FAIL: clang-format is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files -co --exclude-standard '*.cpp' '*.hpp' | grep -v node_modules)
else
  mapfile -t files < <(find sys store policy launcher tests bench -name '*.cpp' -o -name '*.hpp')
fi
# Files deleted in the work tree but not yet in the index are gone.
existing=()
for file in "${files[@]}"; do
  [[ -f $file ]] && existing+=("$file")
done
files=("${existing[@]}")
if [[ ${1:-} == --fix ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
drifted=()
for file in "${files[@]}"; do
  clang-format --dry-run --Werror "$file" >/dev/null 2>&1 || drifted+=("$file")
done
if ((${#drifted[@]} > 0)); then
  echo "FAIL: not formatted as .clang-format says (scripts/check-format.sh --fix): ${drifted[*]}" >&2
  exit 1
fi
echo "ok: ${#files[@]} files formatted"
