#!/bin/bash
# `cpack` makes a .deb that installs on this Debian 12: its dependencies are
# satisfied here (dpkg --dry-run), its files are where install puts them,
# and the binaries it holds run and hand a secret to a child.
source "$(dirname "$0")/common.bash"
command -v cpack >/dev/null && command -v dpkg-deb >/dev/null || skip "cpack or dpkg-deb not installed"
[[ -f $PPROTECT_BUILD_DIR/CPackConfig.cmake ]] || fail "no CPackConfig.cmake in the build"

(cd "$WORK" && cpack -G DEB -B "$WORK/pkg" --config "$PPROTECT_BUILD_DIR/CPackConfig.cmake" >"$WORK/cpack.log" 2>&1) ||
  { cat "$WORK/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$WORK"/pkg/*.deb 2>/dev/null | head -1)
[[ -n $deb ]] || fail "cpack made no .deb"
pass "cpack made $(basename "$deb")"

info=$(dpkg-deb -I "$deb")
expect_contains "package name" "$info" "Package: pprotect"
expect_contains "architecture" "$info" "Architecture: $(dpkg --print-architecture)"
if is_static "$PPROTECT_BIN_DIR/pprotect-run"; then
  pass "static build: no shared-library dependencies needed"
else
  expect_contains "shared-library dependencies are declared" "$info" "libsodium"
fi
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/pprotect ./usr/bin/pprotect-run ./usr/share/man/man1/pprotect.1 \
  ./usr/share/man/man1/pprotect-run.1 ./usr/share/bash-completion/completions/pprotect \
  ./usr/share/bash-completion/completions/pprotect-run ./usr/share/zsh/vendor-completions/_pprotect \
  ./usr/share/zsh/vendor-completions/_pprotect-run; do
  expect_contains "the package holds $path" "$contents" " $path"
done
expect_contains "binaries are executable" "$(grep ' ./usr/bin/pprotect-run$' <<<"$contents")" "-rwxr-xr-x"

# Installable here: dependencies satisfied, no conflicts (nothing changes).
if set +e; out=$(dpkg --dry-run -i "$deb" 2>&1); rc=$?; set -e; ((rc == 0)); then
  pass "dpkg --dry-run -i accepts the package on this system"
else
  fail "dpkg --dry-run -i refuses the package: $out"
fi

# A real `dpkg -i` on this Debian system, in a throwaway copy of it: an
# overlay of / (upper layer on a tmpfs) in a private mount namespace, so the
# machine itself is never changed.
cat >"$WORK/in-overlay.sh" <<SCRIPT
set -eu
mount -t tmpfs tmpfs "$WORK/ovl"
mkdir -p "$WORK/ovl/upper" "$WORK/ovl/work" "$WORK/ovl/merged"
mount -t overlay overlay -o lowerdir=/,upperdir="$WORK/ovl/upper",workdir="$WORK/ovl/work" "$WORK/ovl/merged"
mount -t proc proc "$WORK/ovl/merged/proc"
mount --rbind /dev "$WORK/ovl/merged/dev"
mkdir -p "$WORK/ovl/merged/pprotect-test"
cp "$deb" "$FIXTURE_FILE" "$WORK/ovl/merged/pprotect-test/"
printf '%s\n' "$FIXTURE_PASSPHRASE" >"$WORK/ovl/merged/pprotect-test/passphrase"
chroot "$WORK/ovl/merged" /bin/sh -eu -c '
  dpkg -i /pprotect-test/$(basename "$deb") >/dev/null
  dpkg-query -W -f="\\\${Status}\n" pprotect
  command -v pprotect-run
  pprotect-run --file /pprotect-test/raw.yaml --domain ci -u $FIXTURE_USER \
    --passphrase-file /pprotect-test/passphrase --non-interactive -- /bin/sh -c "echo token=\\\$DEPLOY_TOKEN"
  pprotect list-domains --file /pprotect-test/raw.yaml 2>&1 | head -1
  dpkg -r pprotect >/dev/null
  echo removed
'
SCRIPT
mkdir -p "$WORK/ovl"
status_before=$(dpkg-query -W -f='${Status}' pprotect 2>/dev/null || true)
if [[ $(id -u) == 0 ]] && unshare --mount --propagation private true 2>/dev/null; then
  set +e
  out=$(unshare --mount --propagation private bash "$WORK/in-overlay.sh" 2>&1)
  rc=$?
  set -e
  if [[ $rc != 0 && $out == *"overlay"* && $out == *"mount"* ]]; then
    echo "note: overlay mounts are not available here; installed with --dry-run only: $out"
  else
    expect_eq "dpkg -i in an overlay of this system succeeds" "$rc" 0
    expect_contains "the package is installed" "$out" "install ok installed"
    expect_contains "pprotect-run is on the PATH" "$out" "/usr/bin/pprotect-run"
    expect_contains "the installed pprotect-run hands a secret to a child" "$out" "token=$FIXTURE_TOKEN"
    expect_contains "the installed pprotect lists domains" "$out" "ci"
    expect_contains "and the package removes cleanly" "$out" "removed"
  fi
else
  echo "note: not root or no mount namespaces; installed with --dry-run only"
fi
expect_eq "this machine's package database is unchanged" "$(dpkg-query -W -f='${Status}' pprotect 2>/dev/null || true)" \
  "$status_before"

# The packaged binaries run with this system's libraries.
dpkg-deb -x "$deb" "$WORK/root"
set +e
out=$("$WORK/root/usr/bin/pprotect-run" --file "$FIXTURE_FILE" --domain ci -u "$FIXTURE_USER" --non-interactive \
  --passphrase-file <(printf '%s' "$FIXTURE_PASSPHRASE") -- /bin/sh -c 'printf %s "$DEPLOY_TOKEN"')
rc=$?
set -e
expect_eq "the packaged pprotect-run hands a secret to a child" "$rc $out" "0 $FIXTURE_TOKEN"
set +e
out=$("$WORK/root/usr/bin/pprotect" list-domains --file "$FIXTURE_FILE" 2>&1)
rc=$?
set -e
expect_eq "the packaged pprotect runs" "$rc" 0
finish
