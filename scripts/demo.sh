#!/usr/bin/env bash
# The demo of `make run`: placeholder until pprotect-run lands.
set -euo pipefail
bin=${1:-build/bin}
"$bin/pprotect" version || true
