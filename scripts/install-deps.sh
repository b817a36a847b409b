#!/usr/bin/env bash
# Installs the Debian packages pprotect needs to build and test, and only the
# missing ones, so `make run` / `make test` cost nothing once set up.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost1.81-dev libboost-filesystem1.81-dev
  libsodium-dev libyaml-dev libyaml-cpp-dev
  catch2 libcli11-dev nlohmann-json3-dev
  # Tests: terminals, PID 1 boxes, peers for the launcher benchmark, and the
  # tools the test scripts call that a minimal Debian (debootstrap minbase)
  # lacks: ps and pgrep (procps), col (bsdextrautils), groff for the man pages.
  tmux util-linux busybox-static tini dumb-init hyperfine python3 procps bsdextrautils groff-base
  # containers/ tests: YAML of the examples, unit checks, completions,
  # packaging (CPack's .deb needs file(1)).
  python3-yaml systemd zsh dpkg-dev file
)
# make fuzz: clang and its libFuzzer runtime.
if [ -n "${PPROTECT_DEPS_FUZZ:-}" ]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# containers/mcp: the official MCP TypeScript SDK for the MCP client test,
# pinned by package-lock.json (npm ci), only when the lock changed.
if ! command -v npm >/dev/null; then
  echo "install-deps: installing nodejs npm" >&2
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
mcp_dir="$(cd "$(dirname "$0")/.." && pwd)/containers/mcp"
if [ ! -f "$mcp_dir/node_modules/.package-lock.json" ] ||
  [ "$mcp_dir/package-lock.json" -nt "$mcp_dir/node_modules/.package-lock.json" ]; then
  echo "install-deps: npm ci in containers/mcp" >&2
  (cd "$mcp_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
