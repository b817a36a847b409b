#!/usr/bin/env bash
# Installs the Debian packages pprotect needs to build and test, and only the
# missing ones, so `make run` / `make test` cost nothing once set up.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost1.81-dev libboost-filesystem1.81-dev
  libsodium-dev libyaml-dev libyaml-cpp-dev
  catch2 libcli11-dev nlohmann-json3-dev
  # Tests: terminals, PID 1 boxes, peers for the launcher benchmark.
  tmux util-linux busybox-static tini dumb-init hyperfine python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
