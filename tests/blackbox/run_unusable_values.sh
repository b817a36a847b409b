#!/usr/bin/env bash
# Values anyone may add that a consumer cannot carry fail in one line naming
# the secret, never its value, and leave a way to the others: a 200 KB value
# (over Linux's 128 KiB per variable) or one with a NUL byte for
# pprotect-run (125; --only leaves it out), a value that is not UTF-8 for
# JSON output (--secret NAME prints its bytes). The choice is documented in
# ARCHITECTURE.md: the command fails, naming it, rather than silently giving
# the child or the script fewer secrets than asked for.
source "$(dirname "$0")/run_common.bash"
PPROTECT=$PPROTECT_BIN_DIR/pprotect
cp "$RAW_FILE" "$TMP/p.yaml"
add() { "$PPROTECT" add-secret --file "$TMP/p.yaml" --domain ci --secret "$1" --value-file "$2" >/dev/null; }
head -c 200000 /dev/zero | tr '\0' 'v' >"$TMP/big"
printf 'abc\0def' >"$TMP/nul"
printf 'caf\xe9' >"$TMP/latin1"

check_refusal() { # name: pprotect-run refuses, names it, keeps the value out
  set +e
  "$RUN" --file "$TMP/p.yaml" --domain ci -- true 2>"$TMP/err"
  local code=$?
  set -e
  [ "$code" = 125 ] || fail "$1: exit $code, expected 125"
  [ "$(wc -l <"$TMP/err")" = 1 ] || fail "$1: not one line: $(cat "$TMP/err")"
  grep -q "secret $1:" "$TMP/err" || fail "$1 not named: $(cat "$TMP/err")"
  ! grep -q 'vvvv\|abc' "$TMP/err" || fail "$1: the value is in the message"
  out=$("$RUN" --file "$TMP/p.yaml" --domain ci --only DEPLOY_TOKEN -- sh -c 'printf %s "$DEPLOY_TOKEN"')
  [ "$out" = tok-0123456789abcdef ] || fail "$1: --only could not leave it out"
  "$PPROTECT" rm-secret --file "$TMP/p.yaml" --domain ci --secret "$1" >/dev/null
}
add BIG "$TMP/big"
check_refusal BIG
add NULLED "$TMP/nul"
check_refusal NULLED

# Not UTF-8: an environment carries bytes, JSON cannot.
add LATIN1 "$TMP/latin1"
out=$("$RUN" --file "$TMP/p.yaml" --domain ci -- sh -c 'printf %s "$LATIN1"' | od -An -c | tr -s ' ')
[ "$out" = " c a f 351" ] || fail "pprotect-run changed the bytes: $out"
set +e
"$PPROTECT" decrypt-domain ci --file "$TMP/p.yaml" >"$TMP/json" 2>"$TMP/err"
code=$?
set -e
[ "$code" = 1 ] || fail "decrypt-domain of a non-UTF-8 value: exit $code"
[ ! -s "$TMP/json" ] || fail "half a JSON document was written"
grep -q "secret 'LATIN1' is not valid UTF-8.*--secret LATIN1" "$TMP/err" || fail "message: $(cat "$TMP/err")"
"$PPROTECT" decrypt-domain ci --file "$TMP/p.yaml" --secret LATIN1 | head -c 4 | cmp -s - "$TMP/latin1" ||
  fail "--secret LATIN1 does not print its bytes"
echo ok
