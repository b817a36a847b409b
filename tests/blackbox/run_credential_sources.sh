#!/usr/bin/env bash
# pprotect-run end to end with each credential source: -u and
# --passphrase-file, --passphrase-credential (systemd LoadCredential=),
# <PREFIX>_USER/_PASSPHRASE with --env-prefix; a wrong credential from a
# stronger source never falls back to a weaker one; failures are 125 with one
# line on stderr, nothing on stdout, and no child.
source "$(dirname "$0")/run_common.bash"
unset PPROTECT_USER PPROTECT_PASSPHRASE

token() { # expects DEPLOY_TOKEN in the child
  local out
  out=$("$RUN" --non-interactive --file "$RAW_FILE" --domain ci "$@" -- sh -c 'printf %s "$DEPLOY_TOKEN"') ||
    fail "$* exited $?"
  [ "$out" = tok-0123456789abcdef ] || fail "$*: child got '$out'"
}
refused() {
  set +e
  "$RUN" --non-interactive --file "$RAW_FILE" --domain ci "$@" -- touch "$TMP/ran" >"$TMP/out" 2>"$TMP/err"
  local code=$?
  set -e
  [ "$code" -eq 125 ] || fail "$*: exit $code, expected 125"
  [ ! -e "$TMP/ran" ] || fail "$*: the child ran"
  [ ! -s "$TMP/out" ] || fail "$*: wrote to stdout"
  [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$*: not one line: $(cat "$TMP/err")"
  if grep -q "$RAW_PASSPHRASE" "$TMP/err"; then fail "$*: passphrase in the error"; fi
}

printf '  %s\n' "$RAW_PASSPHRASE" >"$TMP/passphrase"
printf 'wrong\n' >"$TMP/wrong"
token -u "$RAW_USER" --passphrase-file "$TMP/passphrase"

mkdir "$TMP/credentials"
printf '%s' "$RAW_PASSPHRASE" >"$TMP/credentials/pprotect-passphrase"
CREDENTIALS_DIRECTORY=$TMP/credentials token -u "$RAW_USER" --passphrase-credential pprotect-passphrase

PPROTECT_USER=$RAW_USER PPROTECT_PASSPHRASE=$RAW_PASSPHRASE token
MY_USER=$RAW_USER MY_PASSPHRASE=$RAW_PASSPHRASE token --env-prefix MY
MY_USER=$RAW_USER MY_PASSPHRASE=$RAW_PASSPHRASE PPROTECT_ENV_PREFIX=MY token

# Wrong stronger source, right weaker one: refused, no fallback.
PPROTECT_USER=$RAW_USER PPROTECT_PASSPHRASE=$RAW_PASSPHRASE refused -u "$RAW_USER" --passphrase-file "$TMP/wrong"
printf 'wrong' >"$TMP/credentials/bad"
PPROTECT_USER=$RAW_USER PPROTECT_PASSPHRASE=$RAW_PASSPHRASE CREDENTIALS_DIRECTORY=$TMP/credentials \
  refused -u "$RAW_USER" --passphrase-credential bad
# Missing sources.
refused
refused -u "$RAW_USER" --passphrase-file "$TMP/missing"
CREDENTIALS_DIRECTORY=$TMP/credentials refused -u "$RAW_USER" --passphrase-credential missing
PPROTECT_USER=$RAW_USER PPROTECT_PASSPHRASE=$RAW_PASSPHRASE refused --ignore-env
echo ok
