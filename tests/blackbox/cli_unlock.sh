#!/usr/bin/env bash
# pprotect unlock / unlock --status / lock, and --use-keyring, in a session
# keyring of the test's own: after unlock a command needs no passphrase
# anywhere; the key lives for --ttl; lock revokes it; it serves one file and
# one custodian; a key stale after set-key-custodian-passphrase is ignored
# with one warning; without --use-keyring nothing is read from the keyring;
# unlock itself never uses the keyring; --status escapes what it lists; where
# the kernel refuses keyrings unlock, --status and lock exit 1 in one line and
# other commands work as without the keyring.
source "$(dirname "$0")/keyring_common.bash"
source "$(dirname "$0")/cli_common.bash"
unset PPROTECT_PASSPHRASE_COMMAND

# The reference's raw fixture: alice@example.com (fast) and ci@example.com
# (raw) both own "dev" (API_KEY=key123).
cp "$PPROTECT_FIXTURES/raw.yaml" protected.yaml
ALICE=alice@example.com
CI=ci@example.com
printf 'alice passphrase\n' >"$SCRATCH/alice"
printf 'P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P\n' >"$SCRATCH/ci"
MARKING="touch '$SCRATCH/helper-ran'; echo Pwrong"

# api_key what ARGS...: decrypt-domain dev's API_KEY, never prompting (stdin
# is empty); sets RC, OUT, ERR.
api_key() {
  local what=$1
  shift
  run '' decrypt-domain dev --secret API_KEY --non-interactive "$@"
  [ -z "$what" ] || expect_eq "$what" "$RC $OUT" "0 key123"
}
keys_left() { "$PPROTECT" unlock --status 2>/dev/null; }

run '' unlock -u "$ALICE" --passphrase-file "$SCRATCH/alice"
expect_rc 0 "unlock"
expect_eq "unlock says what it cached" "$(head -n 1 <<<"$OUT")" \
  "Cached the key of $ALICE for $WORK/protected.yaml in the session keyring for 15 min."
expect_eq "and nothing more on stderr (a session keyring of its own)" "$ERR" ""
expect_contains "--status lists it with its time left" "$(keys_left)" "$ALICE for $WORK/protected.yaml: 1"
api_key "then decrypt-domain needs no passphrase anywhere" --use-keyring -u "$ALICE"
api_key "nor a user: the one custodian cached for the file acts" --use-keyring
PPROTECT_USE_KEYRING=1 api_key "PPROTECT_USE_KEYRING=1 turns it on too"
PPROTECT_USE_KEYRING=yes api_key ""
expect_rc 2 "PPROTECT_USE_KEYRING=yes"
run '' exec --use-keyring --domain dev -- sh -c 'printf %s "$API_KEY"'
expect_eq "exec takes the key too" "$RC $OUT" "0 key123"

# Without --use-keyring nothing is read: a wrong passphrase fails though the
# key is there, and with --use-keyring the key comes first.
PPROTECT_PASSPHRASE=wrong api_key "" -u "$ALICE"
expect_rc 1 "without --use-keyring a wrong passphrase"
expect_contains "is the reference's bad credentials" "$ERR" "Invalid user email (from argument) or passphrase (from env var: PPROTECT_PASSPHRASE)"
PPROTECT_PASSPHRASE=wrong api_key "with --use-keyring the key comes before the passphrase variable" --use-keyring -u "$ALICE"
api_key "and before the helper, which never runs" --use-keyring -u "$ALICE" --passphrase-command "$MARKING"
[ ! -e "$SCRATCH/helper-ran" ] || fail "the helper ran though the key was cached"
api_key "and before a passphrase file, never read" --use-keyring -u "$ALICE" --passphrase-file "$SCRATCH/missing"

# One file, one custodian.
cp protected.yaml other.yaml
api_key "" --use-keyring -u "$ALICE" --file other.yaml
expect_rc 1 "another file's key is not used"
api_key "" --use-keyring -u "$CI"
expect_rc 1 "another custodian's key is not used"
run '' unlock -u "$CI" --passphrase-file "$SCRATCH/ci"
expect_rc 0 "unlock a second custodian"
api_key "" --use-keyring
expect_rc 1 "with two custodians cached and no user named"
api_key "naming one picks its key" --use-keyring -u "$CI"
expect_eq "--status lists both" "$(keys_left | wc -l)" 2

# unlock checks the credentials every time, never with the keyring.
PPROTECT_USE_KEYRING=1 run '' unlock -u "$ALICE" --non-interactive
expect_rc 1 "unlock with no passphrase, the key cached and PPROTECT_USE_KEYRING=1"
run '' unlock -u "$ALICE" --passphrase-file "$SCRATCH/ci"
expect_rc 1 "unlock with a wrong passphrase"
expect_contains "says bad credentials" "$ERR" "Invalid user email (from argument) or passphrase (from passphrase file"
run '' unlock --use-keyring
expect_rc 2 "unlock --use-keyring is a usage error"
run '' unlock --ttl 0 -u "$ALICE" --passphrase-file "$SCRATCH/alice"
expect_rc 2 "--ttl 0"

run '' lock
expect_eq "lock revokes every cached key" "$RC $OUT" "0 Revoked 2 cached keys."
run '' unlock --status
expect_eq "--status then lists none" "$RC $OUT $ERR" "0  (No keys cached in the session keyring)"
api_key "" --use-keyring -u "$ALICE"
expect_rc 1 "after lock the key is gone"

# A 2-second time to live.
run '' unlock --ttl 2 -u "$ALICE" --passphrase-file "$SCRATCH/alice"
expect_contains "unlock --ttl 2" "$RC $OUT" "0 Cached the key of $ALICE for $WORK/protected.yaml in the session keyring for 2 s."
api_key "before its time to live the key works" --use-keyring -u "$ALICE"
sleep 2.5
api_key "" --use-keyring -u "$ALICE"
expect_rc 1 "after its time to live the key is gone"
expect_eq "and --status lists nothing" "$(keys_left)" ""

# A key stale after set-key-custodian-passphrase: said once, never used.
run '' unlock -u "$ALICE" --passphrase-file "$SCRATCH/alice"
printf 'new passphrase\n' >"$SCRATCH/alice-new"
run '' set-key-custodian-passphrase -u "$ALICE" --passphrase-file "$SCRATCH/alice" --new-passphrase-file "$SCRATCH/alice-new"
expect_rc 0 "set-key-custodian-passphrase"
api_key "a stale key gives way to the passphrase" --use-keyring -u "$ALICE" --passphrase-file "$SCRATCH/alice-new"
expect_eq "with one warning" "$ERR" \
  "warning: ignoring the cached key of key custodian 'alice@example.com' for $WORK/protected.yaml: it does not match the custodian's key in the file (revoked it)"
api_key "the next command" --use-keyring -u "$ALICE" --passphrase-file "$SCRATCH/alice-new"
expect_eq "says nothing" "$ERR" ""
api_key "" --use-keyring -u "$ALICE" --passphrase-file "$SCRATCH/alice"
expect_rc 1 "the old passphrase is no key to it either"

# --status escapes what it lists: anyone in the session may store a key that
# looks like ours.
payload=$(python3 -c 'import struct,sys,time; sys.stdout.buffer.write(b"\x01" + struct.pack("<Q", int(time.time()) + 600) + b"k" * 32)' | od -An -tx1 | tr -d ' \n')
keyctl padd user "pprotect:ev%1Bil:/srv/a%07b.yaml" @s < <(printf '%b' "$(sed 's/../\\x&/g' <<<"$payload")") >/dev/null ||
  fail "cannot plant a key"
status=$(keys_left)
expect_contains "--status escapes control characters" "$status" 'ev\x1bil for /srv/a\x07b.yaml: '
[[ $status != *$'\e'* && $status != *$'\a'* ]] || fail "--status printed control characters"
run '' lock

# Where the kernel refuses keyrings.
refused_run() { # input args...: run under the seccomp filter
  local input=$1
  shift
  printf '%s' "$input" | "$WITH_KEYRING" refused "$PPROTECT" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
  RC=$?
  OUT="$(cat "$SCRATCH/out")"
  ERR="$(cat "$SCRATCH/err")"
}
for args in "unlock -u $ALICE --passphrase-file $SCRATCH/alice" "unlock --status" "lock"; do
  # shellcheck disable=SC2086
  refused_run '' $args
  expect_rc 1 "$args where the kernel refuses keyrings"
  expect_eq "$args: one line" "$(wc -l <"$SCRATCH/err")" 1
  expect_contains "$args: says why" "$ERR" "the kernel refuses keyrings here"
done
refused_run '' decrypt-domain dev --secret API_KEY --use-keyring -u "$ALICE" --passphrase-file "$SCRATCH/alice-new"
expect_eq "other commands fall back silently" "$RC $OUT $ERR" "0 key123 "
finish
