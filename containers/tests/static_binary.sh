#!/bin/bash
# PPROTECT_STATIC=ON gives binaries with no program interpreter and no shared
# library, that run in an empty root file system (no /etc, no /proc, no /dev,
# no libc) and read a protected file there without any user database.
source "$(dirname "$0")/common.bash"
find_static_bin_dir

for program in pprotect pprotect-run; do
  bin=$STATIC_BIN_DIR/$program
  if [[ ! -x $bin ]]; then
    fail "$bin not built"
    continue
  fi
  if is_static "$bin"; then pass "$program is fully static"; else fail "$program is dynamically linked"; fi
done

command -v chroot >/dev/null || skip "chroot not installed"
[[ $(id -u) == 0 ]] || skip "chroot needs root"
root=$WORK/root
mkdir -p "$root"
cp "$STATIC_BIN_DIR/pprotect" "$STATIC_BIN_DIR/pprotect-run" "$root/"
cp "$FIXTURE_FILE" "$root/protected.yaml"
make_passphrase_file "$root/passphrase"

set +e
out=$(chroot "$root" /pprotect list-domains --file /protected.yaml 2>&1)
rc=$?
set -e
expect_eq "pprotect runs in an empty root" "$rc" 0
expect_contains "and reads the protected file" "$out" "ci"

set +e
out=$(chroot "$root" /pprotect decrypt-domain ci --file /protected.yaml -u "$FIXTURE_USER" \
  --passphrase-file /passphrase --non-interactive --secret DEPLOY_TOKEN 2>&1)
rc=$?
set -e
expect_eq "pprotect decrypts there without /etc/passwd" "$rc" 0
expect_eq "to the stored value" "$out" "$FIXTURE_TOKEN"

# pprotect-run with the child being pprotect-run's own sibling binary: no
# shell exists in this root. A missing command is 127.
set +e
chroot "$root" /pprotect-run --file /protected.yaml --domain ci -u "$FIXTURE_USER" --passphrase-file /passphrase \
  --non-interactive -- /no-such-command 2>"$WORK/err"
rc=$?
set -e
expect_eq "pprotect-run in an empty root: a missing command is 127" "$rc" 127
set +e
chroot "$root" /pprotect-run --file /protected.yaml --domain ci -u "$FIXTURE_USER" --passphrase-file /passphrase \
  --non-interactive -- /pprotect list-domains --file /protected.yaml >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
expect_eq "pprotect-run starts a child in an empty root" "$rc" 0
expect_contains "whose output passes through" "$(cat "$WORK/out") $(cat "$WORK/err")" "ci"
finish
