#!/usr/bin/env bash
# pprotect-run --use-keyring after `pprotect unlock`, in a session keyring of
# the test's own: no passphrase anywhere; the child can neither find nor read
# the cached key, nor sees PPROTECT_USE_KEYRING; nothing is read without
# --use-keyring; the key serves one file and one custodian, lives for its
# time to live, goes with lock, and is ignored with one warning once stale;
# where the kernel refuses keyrings pprotect-run falls back in silence.
source "$(dirname "$0")/keyring_common.bash"
source "$(dirname "$0")/run_common.bash"
unset PPROTECT_USER PPROTECT_PASSPHRASE PPROTECT_PASSPHRASE_COMMAND
PPROTECT=$PPROTECT_BIN_DIR/pprotect

# The reference's raw fixture, copied (set-key-custodian-passphrase writes
# it): alice@example.com (fast) and ci@example.com (raw) own "dev".
cp "$RAW_FILE" "$TMP/protected.yaml"
FILE=$TMP/protected.yaml
ALICE=alice@example.com
printf 'alice passphrase\n' >"$TMP/alice"
DESCRIPTION="pprotect:$ALICE:$FILE"

# launch ARGS... -- CMD...: pprotect-run on dev's API_KEY, never prompting;
# sets CODE, OUT, ERR.
launch() {
  set +e
  "$RUN" --non-interactive --file "$FILE" --domain dev --only API_KEY "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
  CODE=$?
  set -e
  OUT=$(cat "$TMP/out")
  ERR=$(cat "$TMP/err")
}
api_key() { launch "$@" -- sh -c 'printf %s "$API_KEY"'; }

"$PPROTECT" unlock --file "$FILE" -u "$ALICE" --passphrase-file "$TMP/alice" >/dev/null || fail "unlock"
KEY=$(keyctl search @s user "$DESCRIPTION") || fail "unlock cached no key named $DESCRIPTION"

api_key --use-keyring -u "$ALICE"
expect_eq "after unlock pprotect-run needs no passphrase anywhere" "$CODE $OUT $ERR" "0 key123 "
api_key --use-keyring
expect_eq "nor a user: the one custodian cached for the file acts" "$CODE $OUT" "0 key123"
PPROTECT_USE_KEYRING=1 api_key
expect_eq "PPROTECT_USE_KEYRING=1 turns it on too" "$CODE $OUT" "0 key123"
api_key --use-keyring --ignore-env -u "$ALICE"
expect_eq "--use-keyring is a source for --non-interactive --ignore-env" "$CODE $OUT" "0 key123"
PPROTECT_USE_KEYRING=yes api_key
expect_eq "PPROTECT_USE_KEYRING=yes is an error" "$CODE" 125
expect_contains "saying which values it takes" "$ERR" "PPROTECT_USE_KEYRING must be 1"

# The child: the key is out of its reach, the setting out of its environment.
launch --use-keyring -- sh -c 'found=neither; keyctl search @s user "$1" >/dev/null 2>&1 && found=found
  keyctl print "$2" >/dev/null 2>&1 && found="$found read"; printf "%s %s" "$found" "${PPROTECT_USE_KEYRING-unset}"' \
  sh "$DESCRIPTION" "$KEY"
expect_eq "the child neither finds nor reads the key, nor sees PPROTECT_USE_KEYRING" "$CODE $OUT" "0 neither unset"
PPROTECT_USE_KEYRING=1 launch -- sh -c 'keyctl print "$1" >/dev/null 2>&1 && echo read; printf %s "${PPROTECT_USE_KEYRING-unset}"' sh "$KEY"
expect_eq "nor with PPROTECT_USE_KEYRING=1" "$CODE $OUT" "0 unset"
launch --use-keyring --exec -- sh -c 'keyctl print "$1" >/dev/null 2>&1 && echo read; printf %s "$API_KEY"' sh "$KEY"
expect_eq "nor with --exec" "$CODE $OUT" "0 key123"
keyctl print "$KEY" >/dev/null || fail "the key is no longer the session's"

# Without --use-keyring nothing is read; with it, the key before any source.
PPROTECT_PASSPHRASE=wrong api_key -u "$ALICE"
expect_eq "without --use-keyring a wrong passphrase fails, the key cached" "$CODE" 125
expect_contains "with the bad-credentials message" "$ERR" "passphrase (from env var: PPROTECT_PASSPHRASE)"
PPROTECT_PASSPHRASE=wrong api_key --use-keyring -u "$ALICE" --passphrase-command "touch '$TMP/helper-ran'; echo Pwrong"
expect_eq "with it the key comes first" "$CODE $OUT" "0 key123"
[ ! -e "$TMP/helper-ran" ] || fail "the helper ran though the key was cached"

# One file, one custodian.
cp "$FILE" "$TMP/other.yaml"
launch --use-keyring -u "$ALICE" --file "$TMP/other.yaml" -- true
expect_eq "another file's key is not used" "$CODE" 125
api_key --use-keyring -u ci@example.com
expect_eq "another custodian's key is not used" "$CODE" 125
expect_contains "and the keyring is among the sources tried" "$ERR" "no passphrase (tried the session keyring,"

# Lock; the time to live.
"$PPROTECT" lock >/dev/null || fail "lock"
api_key --use-keyring -u "$ALICE"
expect_eq "after lock the key is gone" "$CODE" 125
"$PPROTECT" unlock --file "$FILE" -u "$ALICE" --passphrase-file "$TMP/alice" --ttl 2 >/dev/null || fail "unlock --ttl 2"
api_key --use-keyring -u "$ALICE"
expect_eq "before its time to live the key works" "$CODE $OUT" "0 key123"
sleep 2.5
api_key --use-keyring -u "$ALICE"
expect_eq "after its time to live it is gone" "$CODE" 125

# Stale after set-key-custodian-passphrase: one warning, then the passphrase.
"$PPROTECT" unlock --file "$FILE" -u "$ALICE" --passphrase-file "$TMP/alice" >/dev/null || fail "unlock"
printf 'new passphrase\n' >"$TMP/alice-new"
"$PPROTECT" set-key-custodian-passphrase --file "$FILE" -u "$ALICE" --passphrase-file "$TMP/alice" \
  --new-passphrase-file "$TMP/alice-new" >/dev/null || fail "set-key-custodian-passphrase"
api_key --use-keyring -u "$ALICE" --passphrase-file "$TMP/alice-new"
expect_eq "a stale key gives way to the passphrase" "$CODE $OUT" "0 key123"
expect_eq "with one warning" "$ERR" \
  "pprotect-run: warning: ignoring the cached key of key custodian 'alice@example.com' for $FILE: it does not match the custodian's key in the file (revoked it)"
api_key --use-keyring -u "$ALICE" --passphrase-file "$TMP/alice-new"
expect_eq "said once" "$CODE $OUT $ERR" "0 key123 "

# Where the kernel refuses keyrings: silently as without the keyring.
set +e
out=$("$WITH_KEYRING" refused "$RUN" --non-interactive --file "$FILE" --domain dev --use-keyring -u "$ALICE" \
  --passphrase-file "$TMP/alice-new" --only API_KEY -- sh -c 'printf %s "$API_KEY"' 2>"$TMP/err")
code=$?
set -e
expect_eq "where the kernel refuses keyrings pprotect-run falls back" "$code $out $(cat "$TMP/err")" "0 key123 "
finish
