#!/usr/bin/env bash
# The child gets a session keyring of its own: a possessor-only key in the
# launcher's session keyring (where `pprotect unlock` caches custodian keys)
# can be neither found nor read by the child of pprotect-run, supervised (at
# every start) or with --exec, nor by the child of `pprotect exec`; the
# launcher itself still reads it. Where the kernel refuses keyrings, the child starts all the same.
source "$(dirname "$0")/keyring_common.bash"
source "$(dirname "$0")/run_common.bash"

KEY=$(plant_key "pprotect-test:probe" "custodian key") || fail "cannot store a key"
[ "$(keyctl print "$KEY")" = "custodian key" ] || fail "the test's own shell cannot read its key"

# What the child can do with the key: "found" and "read", or "neither".
probe='found=neither; keyctl search @s user pprotect-test:probe >/dev/null 2>&1 && found=found
  keyctl print '"$KEY"' >/dev/null 2>&1 && found="$found read"; printf %s "$found"; printf %s "$DEPLOY_TOKEN" >"$1"'

out=$(run -- sh -c "$probe" sh "$TMP/token")
expect_eq "the supervised child neither finds nor reads the launcher's keys" "$out" "neither"
expect_eq "and got its secrets" "$(cat "$TMP/token")" "tok-0123456789abcdef"
out=$(run --exec -- sh -c "$probe" sh "$TMP/token")
expect_eq "the --exec command neither finds nor reads them" "$out" "neither"
out=$("$PPROTECT_BIN_DIR/pprotect" exec --file "$RAW_FILE" --domain ci -- sh -c "$probe" sh "$TMP/token")
expect_eq "the child of pprotect exec neither finds nor reads them" "$out" "neither"
out=$(run --restart on-failure --max-restarts 1 --restart-delay 0.1 --quiet -- sh -c "$probe; exit 3" sh "$TMP/token" || true)
expect_eq "a restarted child neither finds nor reads them either" "$out" "neitherneither"
expect_eq "the key is still there for the session" "$(keyctl print "$KEY")" "custodian key"

# Without a keyring at all: nothing to leave, nothing to report.
set +e
out=$("$WITH_KEYRING" refused "$RUN" --file "$RAW_FILE" --domain ci -- sh -c 'printf %s "$DEPLOY_TOKEN"' 2>"$TMP/err")
code=$?
set -e
expect_eq "where the kernel refuses keyrings the child starts" "$code $out" "0 tok-0123456789abcdef"
expect_eq "and nothing is said" "$(cat "$TMP/err")" ""
set +e
out=$("$WITH_KEYRING" refused "$RUN" --exec --file "$RAW_FILE" --domain ci -- sh -c 'printf %s "$DEPLOY_TOKEN"' 2>"$TMP/err")
code=$?
set -e
expect_eq "and so does the --exec command" "$code $out" "0 tok-0123456789abcdef"

# A refusal of the join alone (EACCES, as a security module would give)
# may leave the child ours: no start, one line, 125.
for mode in "" --exec; do
  set +e
  # shellcheck disable=SC2086
  out=$("$WITH_KEYRING" denied "$RUN" $mode --file "$RAW_FILE" --domain ci -- sh -c 'echo ran' 2>"$TMP/err")
  code=$?
  set -e
  expect_eq "a denied join ($mode): no start, 125" "$code $out" "125 "
  expect_eq "and says why ($mode)" "$(cat "$TMP/err")" \
    "pprotect-run: error: cannot give the command a session keyring of its own: Permission denied"
done
finish
