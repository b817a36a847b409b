#!/usr/bin/env bash
# --mask's flags, in pprotect-run and pprotect exec: the label per secret
# or --mask-label's, stderr masked as stdout is, --no-mask leaving a secret
# shown, --mask-min-length and the one-line notice naming (never showing)
# what it leaves out, several domains masked at once; and the usage errors:
# --mask with --exec, a --no-mask name no domain has (found before any
# prompt), the other flags without --mask (125 for pprotect-run, 2 for
# pprotect). Without --mask nothing is masked.
source "$(dirname "$0")/run_common.bash"
PPROTECT=$PPROTECT_BIN_DIR/pprotect

protected_copy "$TMP/p.yaml" REGION eu-west-1 PIN 4711 TINY ab
FILE=$TMP/p.yaml
PRINT='echo "out $DEPLOY_TOKEN $REGION $PIN $TINY"; echo "err $DEPLOY_TOKEN" >&2'

outputs() { # what, then the command line: sets OUT, ERR, CODE
  local what=$1
  shift
  set +e
  "$@" >"$TMP/out" 2>"$TMP/err"
  CODE=$?
  set -e
  OUT=$(cat "$TMP/out")
  ERR=$(cat "$TMP/err")
  WHAT=$what
}

outputs "labels" "$RUN" --file "$FILE" --domain ci --mask -- sh -c "$PRINT"
expect_eq "$WHAT: exit" "$CODE" 0
expect_eq "$WHAT: stdout" "$OUT" "out [REDACTED:DEPLOY_TOKEN] [REDACTED:REGION] [REDACTED:PIN] ab"
expect_eq "$WHAT: stderr" "$ERR" "pprotect-run: --mask leaves out TINY: shorter than 4 bytes (--mask-min-length)
err [REDACTED:DEPLOY_TOKEN]"

outputs "--mask-label" "$RUN" --file "$FILE" --domain ci --mask --mask-label '***' --quiet -- sh -c "$PRINT"
expect_eq "$WHAT: stdout" "$OUT" "out *** *** *** ab"
expect_eq "$WHAT: stderr, --quiet" "$ERR" "err ***"

outputs "--no-mask" "$RUN" --file "$FILE" --domain ci --mask --no-mask REGION,PIN -q -- sh -c "$PRINT"
expect_eq "$WHAT: stdout" "$OUT" "out [REDACTED:DEPLOY_TOKEN] eu-west-1 4711 ab"

outputs "--mask-min-length" "$RUN" --file "$FILE" --domain ci --mask --mask-min-length 5 -- sh -c "$PRINT"
expect_eq "$WHAT: stdout" "$OUT" "out [REDACTED:DEPLOY_TOKEN] [REDACTED:REGION] 4711 ab"
expect_contains "$WHAT: notice" "$ERR" "--mask leaves out PIN, TINY: shorter than 5 bytes"
expect_not_contains "$WHAT: the notice shows no value" "$ERR" "4711"
outputs "--mask-min-length 2" "$RUN" --file "$FILE" --domain ci --mask --mask-min-length 2 -- sh -c "$PRINT"
expect_eq "$WHAT: stdout" "$OUT" "out [REDACTED:DEPLOY_TOKEN] [REDACTED:REGION] [REDACTED:PIN] [REDACTED:TINY]"

outputs "without --mask" "$RUN" --file "$FILE" --domain ci -- sh -c "$PRINT"
expect_eq "$WHAT: stdout" "$OUT" "out tok-0123456789abcdef eu-west-1 4711 ab"

# Several domains: each one's secrets are masked (dev's API_KEY is
# key123, its db-pass dev-pa55).
outputs "two domains" "$RUN" --file "$FILE" --domain ci --domain dev --allow-any-name --mask -- \
  sh -c 'echo "$DEPLOY_TOKEN $API_KEY dev-pa55"'
expect_eq "$WHAT: stdout" "$OUT" "[REDACTED:DEPLOY_TOKEN] [REDACTED:API_KEY] [REDACTED:db-pass]"

# pprotect exec runs the same code.
outputs "pprotect exec --mask" "$PPROTECT" exec --file "$FILE" --domain ci --mask --no-mask PIN -- sh -c "$PRINT"
expect_eq "$WHAT: exit" "$CODE" 0
expect_eq "$WHAT: stdout" "$OUT" "out [REDACTED:DEPLOY_TOKEN] [REDACTED:REGION] 4711 ab"
expect_contains "$WHAT: stderr" "$ERR" "err [REDACTED:DEPLOY_TOKEN]"

# Usage errors: nothing runs, one line, 125 or 2. A wrong --no-mask name
# is found before the credentials are asked for (none are given here).
for args in "--mask --exec" "--mask --no-mask NOPE" "--mask-label x" "--no-mask REGION" "--mask-min-length 3" \
  "--mask --mask-min-length -1" "--mask --mask-min-length x"; do
  # shellcheck disable=SC2086
  outputs "pprotect-run $args" env -u PPROTECT_USER -u PPROTECT_PASSPHRASE \
    "$RUN" --non-interactive --file "$FILE" --domain ci $args -- touch "$TMP/ran"
  expect_eq "$WHAT: exit" "$CODE" 125
  [ ! -e "$TMP/ran" ] || fail "$WHAT: the child ran"
  expect_eq "$WHAT: one line" "$(wc -l <"$TMP/err")" 1
  expect_eq "$WHAT: nothing on stdout" "$OUT" ""
done
expect_contains "unknown --no-mask name" "$(env -u PPROTECT_USER -u PPROTECT_PASSPHRASE "$RUN" --non-interactive \
  --file "$FILE" --domain ci --mask --no-mask NOPE -- true 2>&1)" "--no-mask 'NOPE': no such secret in domain 'ci'"
for args in "--mask --no-mask NOPE" "--mask-label x" "--mask --mask-min-length x"; do
  # shellcheck disable=SC2086
  outputs "pprotect exec $args" "$PPROTECT" exec --file "$FILE" --domain ci $args -- touch "$TMP/ran"
  expect_eq "$WHAT: exit" "$CODE" 2
  [ ! -e "$TMP/ran" ] || fail "$WHAT: the child ran"
done
outputs "pprotect list-domains --mask" "$PPROTECT" list-domains --file "$FILE" --mask
expect_eq "$WHAT: only exec takes it" "$CODE" 2
finish
