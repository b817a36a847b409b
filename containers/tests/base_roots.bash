#!/usr/bin/env bash
# The Debian 12 roots the container tests start from, made once per machine
# by scripts/install-deps.sh (which runs this on every `make test`: when both
# roots are there it returns at once and says nothing):
#   $PPROTECT_ROOTS_CACHE/bookworm-minbase.v1   debootstrap --variant=minbase:
#       imported as the debian:12-slim the Dockerfile's build stage starts
#       FROM, as no registry is reachable to pull it from
#   $PPROTECT_ROOTS_CACHE/bookworm-systemd.v1   minbase plus systemd, dbus:
#       what systemd-nspawn boots for containers/systemd/myapp.service
# Tests never write into them (they mount an overlay on top or copy them).
# A root is built in a temporary directory beside its final place and
# renamed when complete, under a lock, so a concurrent or interrupted build
# never leaves a half-made root where the tests look. Change the .vN suffix
# when the recipe changes: the new name is built on next use.
set -euo pipefail

cache=${PPROTECT_ROOTS_CACHE:-/var/cache/pprotect-tests}
roots=(bookworm-minbase.v1 bookworm-systemd.v1)

all_there() {
  local root
  for root in "${roots[@]}"; do
    [[ -d $cache/$root ]] || return 1
  done
}
all_there && exit 0

if [[ $(id -u) != 0 ]]; then
  echo "base_roots: debootstrap needs root" >&2
  exit 1
fi
command -v debootstrap >/dev/null || {
  echo "base_roots: debootstrap is not installed" >&2
  exit 1
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
all_there && exit 0 # another builder finished while we waited

# The mirror apt uses here (deb822 first, then the one-line format).
mirror=
if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [[ -z $mirror && -f /etc/apt/sources.list ]]; then
  mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
    /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

tmp=
unmount_under() { # dir: what debootstrap left mounted in a failed build
  local target
  findmnt -rn -o TARGET | { grep -F "$1/" || true; } | sort -r | while read -r target; do
    umount -l "$target" || true
  done
}
cleanup() {
  if [[ -n $tmp && -d $tmp ]]; then
    unmount_under "$tmp"
    rm -rf --one-file-system "$tmp"
  fi
}
trap cleanup EXIT
# Left by a builder that was killed: nobody else holds the lock.
for stale in "$cache"/.building.*; do
  [[ -d $stale ]] || continue
  unmount_under "$stale"
  rm -rf --one-file-system "$stale"
done

build_root() { # name include-list
  local name=$1 include=$2 started=$SECONDS
  [[ -d $cache/$name ]] && return 0
  echo "base_roots: building $cache/$name from $mirror (once per machine, 1-3 minutes)" >&2
  tmp=$(mktemp -d "$cache/.building.$name.XXXXXX")
  # The .debs are kept between the two roots: the second downloads only
  # what the first lacks.
  mkdir -p "$cache/debs"
  if ! debootstrap --variant=minbase ${include:+--include="$include"} --cache-dir="$cache/debs" \
    bookworm "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
    tail -20 "$tmp/debootstrap.log" >&2
    echo "base_roots: debootstrap failed for $name" >&2
    exit 1
  fi
  unmount_under "$tmp/root"
  rm -f "$tmp/root/var/cache/apt/archives/"*.deb
  mv "$tmp/root" "$cache/$name"
  rm -rf "$tmp"
  tmp=
  echo "base_roots: $name ready in $((SECONDS - started)) s" >&2
}

build_root bookworm-minbase.v1 ""
build_root bookworm-systemd.v1 systemd,systemd-sysv,dbus
