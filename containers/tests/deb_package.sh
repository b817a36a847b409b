#!/bin/bash
# `cpack` makes a .deb that installs on this Debian 12: its dependencies are
# satisfied here (dpkg --dry-run), its files are where install puts them,
# and the binaries it holds run and hand a secret to a child.
source "$(dirname "$0")/common.bash"
command -v cpack >/dev/null && command -v dpkg-deb >/dev/null || skip "cpack or dpkg-deb not installed"
[[ -f $PPROTECT_BUILD_DIR/CPackConfig.cmake ]] || { echo "FAIL: no CPackConfig.cmake in the build" >&2; exit 1; }

(cd "$WORK" && cpack -G DEB -B "$WORK/pkg" --config "$PPROTECT_BUILD_DIR/CPackConfig.cmake" >"$WORK/cpack.log" 2>&1) ||
  { cat "$WORK/cpack.log" >&2; echo "FAIL: cpack failed" >&2; exit 1; }
deb=$(ls "$WORK"/pkg/*.deb 2>/dev/null | head -1)
[[ -n $deb ]] || { echo "FAIL: cpack made no .deb" >&2; exit 1; }
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

# The packaged binaries run with this system's libraries.
dpkg-deb -x "$deb" "$WORK/root"
set +e
out=$("$WORK/root/usr/bin/pprotect-run" --file "$FIXTURE_FILE" --domain ci -u "$FIXTURE_USER" --non-interactive \
  --passphrase-file <(printf '%s' "$FIXTURE_PASSPHRASE") -- /bin/sh -c 'printf %s "$DEPLOY_TOKEN"')
rc=$?
set -e
expect_eq "the packaged pprotect-run hands a secret to a child" "0 $FIXTURE_TOKEN" "$rc $out"
set +e
out=$("$WORK/root/usr/bin/pprotect" list-domains --file "$FIXTURE_FILE" 2>&1)
rc=$?
set -e
expect_eq "the packaged pprotect runs" 0 "$rc"
finish
