#!/usr/bin/env bash
# pprotect with a passphrase helper (--passphrase-command CMD,
# <PREFIX>_PASSPHRASE_COMMAND): its output less one trailing line break is
# the passphrase; a failure is one line naming the status, exit 1 (the
# reference's bad-credentials exit); Ctrl-C at it (SIGINT) is 130. It reads
# /dev/null, never pprotect's stdin; exec's child sees neither its output nor
# its variable. Its place in the order against every other source, and no
# fallback from it.
source "$(dirname "$0")/cli_common.bash"
unset PPROTECT_PASSPHRASE_COMMAND

# The reference's raw fixture: ci@example.com (raw) owns "ci".
cp "$PPROTECT_FIXTURES/raw.yaml" protected.yaml
CI=ci@example.com
PASS=P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P
TOKEN=tok-0123456789abcdef
printf '%s\n' "$PASS" >"$SCRATCH/pass"
printf 'Pwrong\n' >"$SCRATCH/wrong"
HELPER="cat '$SCRATCH/pass'"
MARKING="touch '$SCRATCH/helper-ran'; echo Pwrong" # leaves a mark, prints a wrong passphrase
mkdir "$SCRATCH/credentials"
printf '%s' "$PASS" >"$SCRATCH/credentials/right"
printf 'Pwrong' >"$SCRATCH/credentials/wrong"
export CREDENTIALS_DIRECTORY=$SCRATCH/credentials

token() { # what ARGS...: decrypt-domain ci's token with these credentials
  local what=$1
  shift
  rm -f "$SCRATCH/helper-ran"
  run '' decrypt-domain ci --secret DEPLOY_TOKEN --non-interactive "$@"
  expect_eq "$what" "$RC $OUT" "0 $TOKEN"
}
refused() { # what code message ARGS...
  local what=$1 code=$2 message=$3
  shift 3
  rm -f "$SCRATCH/helper-ran"
  run '' decrypt-domain ci --secret DEPLOY_TOKEN --non-interactive "$@"
  expect_rc "$code" "$what"
  expect_eq "$what: nothing on stdout" "$OUT" ""
  [ "$(wc -l <"$SCRATCH/err")" -eq 1 ] || fail "$what: not one line: $ERR"
  expect_contains "$what: says" "$ERR" "$message"
  expect_not_contains "$what: never the passphrase" "$ERR" "$PASS"
}

token "the helper's output is the passphrase" -u "$CI" --passphrase-command "$HELPER"
token "a trailing CRLF is stripped too" -u "$CI" --passphrase-command "printf '%s\\r\\n' '$PASS'"
refused "only one line break is stripped" 1 \
  "error: Invalid user email (from argument) or passphrase (from --passphrase-command). Check credentials" \
  -u "$CI" --passphrase-command "printf '%s\\n\\n' '$PASS'"
refused "a non-zero exit" 1 "error: passphrase command exited with status 3 (from --passphrase-command)" \
  -u "$CI" --passphrase-command "cat '$SCRATCH/pass'; exit 3"
refused "Ctrl-C at the helper" 130 "error: passphrase command was killed by signal 2" \
  -u "$CI" --passphrase-command 'kill -INT $$'
start=$(date +%s)
refused "a helper past --passphrase-command-timeout" 1 "error: passphrase command did not finish in 1 s" \
  -u "$CI" --passphrase-command 'sleep 30' --passphrase-command-timeout 1
(($(date +%s) - start < 10)) || fail "the timeout took $(($(date +%s) - start)) s"
refused "a timeout of 0" 2 "invalid duration for --passphrase-command-timeout: 0" \
  -u "$CI" --passphrase-command "$HELPER" --passphrase-command-timeout 0
refused "an empty --passphrase-command" 2 "--passphrase-command needs a command" -u "$CI" --passphrase-command ''

# The variable, and another prefix's.
PPROTECT_PASSPHRASE_COMMAND=$HELPER token "PPROTECT_PASSPHRASE_COMMAND" -u "$CI"
PPROTECT_PASSPHRASE_COMMAND="echo Pwrong" refused "a wrong one" 1 \
  "passphrase (from env var: PPROTECT_PASSPHRASE_COMMAND)" -u "$CI"
MY_USER=$CI MY_PASSPHRASE_COMMAND=$HELPER PPROTECT_PASSPHRASE_COMMAND=$MARKING \
  token "MY_PASSPHRASE_COMMAND with --env-prefix MY" --env-prefix MY
[ ! -e "$SCRATCH/helper-ran" ] || fail "PPROTECT_PASSPHRASE_COMMAND ran under --env-prefix MY"
PPROTECT_PASSPHRASE_COMMAND= refused "an empty PPROTECT_PASSPHRASE_COMMAND is unset" 1 \
  "(from env var: PPROTECT_PASSPHRASE). Check credentials and try again. (Warning: Empty passphrase.)" -u "$CI"

# Its stdin is /dev/null, never pprotect's, which stays for whoever reads it
# next: here exec's child.
rm -f "$SCRATCH/helper-stdin"
run 'for the child' exec --domain ci -u "$CI" --passphrase-command "cat >'$SCRATCH/helper-stdin'; cat '$SCRATCH/pass'" \
  -- sh -c 'cat; echo; env'
expect_rc 0 "exec with a helper"
expect_eq "a helper reading stdin gets end of input at once" "$(wc -c <"$SCRATCH/helper-stdin")" 0
expect_eq "and exec's child gets the data meant for it" "$(head -n 1 <<<"$OUT")" "for the child"
expect_contains "exec's child has its secret" "$OUT" "DEPLOY_TOKEN=$TOKEN"
expect_not_contains "exec's child never sees the helper's output" "$OUT" "$PASS"
PPROTECT_PASSPHRASE_COMMAND=$HELPER run '' exec --domain ci -u "$CI" -- env
expect_rc 0 "exec with PPROTECT_PASSPHRASE_COMMAND"
expect_not_contains "exec's child has no helper variable" "$OUT" "PASSPHRASE_COMMAND"

# The order: --passphrase-file > --passphrase-command > --passphrase-credential
# > PPROTECT_PASSPHRASE > PPROTECT_PASSPHRASE_COMMAND > the prompt; a chosen
# source is final.
token "--passphrase-file beats --passphrase-command" -u "$CI" --passphrase-file "$SCRATCH/pass" --passphrase-command "$MARKING"
[ ! -e "$SCRATCH/helper-ran" ] || fail "the helper ran after --passphrase-file"
refused "a wrong --passphrase-file never falls back to the helper" 1 "(from passphrase file: $SCRATCH/wrong)" \
  -u "$CI" --passphrase-file "$SCRATCH/wrong" --passphrase-command "$HELPER"
token "--passphrase-command beats --passphrase-credential" -u "$CI" --passphrase-command "$HELPER" --passphrase-credential wrong
PPROTECT_PASSPHRASE=Pwrong token "--passphrase-command beats PPROTECT_PASSPHRASE" -u "$CI" --passphrase-command "$HELPER"
PPROTECT_PASSPHRASE=$PASS refused "a wrong --passphrase-command never falls back" 1 "(from --passphrase-command)" \
  -u "$CI" --passphrase-command "echo Pwrong" --passphrase-credential right
PPROTECT_PASSPHRASE_COMMAND=$MARKING token "--passphrase-credential beats PPROTECT_PASSPHRASE_COMMAND" \
  -u "$CI" --passphrase-credential right
[ ! -e "$SCRATCH/helper-ran" ] || fail "the helper variable ran after --passphrase-credential"
PPROTECT_PASSPHRASE=$PASS PPROTECT_PASSPHRASE_COMMAND=$MARKING token "PPROTECT_PASSPHRASE beats PPROTECT_PASSPHRASE_COMMAND" -u "$CI"
[ ! -e "$SCRATCH/helper-ran" ] || fail "the helper variable ran after PPROTECT_PASSPHRASE"
PPROTECT_PASSPHRASE=Pwrong PPROTECT_PASSPHRASE_COMMAND=$HELPER refused \
  "a wrong PPROTECT_PASSPHRASE never falls back to the helper" 1 "(from env var: PPROTECT_PASSPHRASE)" -u "$CI"
# The prompt comes after it: a wrong answer waits on stdin, unread.
PPROTECT_PASSPHRASE_COMMAND=$HELPER run $'Pwrong\n' decrypt-domain ci --secret DEPLOY_TOKEN -u "$CI"
expect_eq "PPROTECT_PASSPHRASE_COMMAND beats the prompt" "$RC $OUT" "0 $TOKEN"
expect_not_contains "and nothing was asked" "$ERR" "Passphrase:"
PPROTECT_PASSPHRASE_COMMAND=$MARKING run $'Pwrong\n' decrypt-domain ci --secret DEPLOY_TOKEN -u "$CI" --ignore-env
expect_contains "--ignore-env skips it for the prompt" "$ERR" "Passphrase:"
[ ! -e "$SCRATCH/helper-ran" ] || fail "the helper variable ran under --ignore-env"
finish
