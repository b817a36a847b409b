#!/usr/bin/env bash
# pprotect-run with a passphrase helper (--passphrase-command CMD,
# <PREFIX>_PASSPHRASE_COMMAND): its output less one trailing line break is
# the passphrase; a failure (non-zero exit, timeout) is one line naming what
# happened, exit 125, no child; Ctrl-C at it (SIGINT) is 130. It reads
# /dev/null, never the child's stdin; the child sees neither its output nor
# its variable, nor does /proc/<launcher>/environ keep the variable. Its place
# in the order against every other source, and no fallback from it.
source "$(dirname "$0")/run_common.bash"
unset PPROTECT_USER PPROTECT_PASSPHRASE PPROTECT_PASSPHRASE_COMMAND

printf '%s\n' "$RAW_PASSPHRASE" >"$TMP/pass"
HELPER="cat '$TMP/pass'"
# A helper that leaves a mark when it runs (then prints a wrong passphrase).
MARKING="touch '$TMP/helper-ran'; echo Pwrong"
mkdir "$TMP/credentials"
printf '%s' "$RAW_PASSPHRASE" >"$TMP/credentials/right"
printf 'Pwrong' >"$TMP/credentials/wrong"
export CREDENTIALS_DIRECTORY=$TMP/credentials

# launch ARGS...: pprotect-run -u ci@ ... -- the child writing its token,
# stdin and environment; sets CODE, OUT, ERR.
launch() {
  rm -f "$TMP/helper-ran" "$TMP/token" "$TMP/child-env"
  set +e
  "$RUN" ${NON_INTERACTIVE---non-interactive} --file "$RAW_FILE" --domain ci "$@" -- \
    sh -c 'printf %s "$DEPLOY_TOKEN" >"$1"; env >"$2"; echo child-out' sh "$TMP/token" "$TMP/child-env" \
    </dev/null >"$TMP/out" 2>"$TMP/err"
  CODE=$?
  set -e
  OUT=$(cat "$TMP/out")
  ERR=$(cat "$TMP/err")
}
ran() { expect_eq "$1" "$CODE $(cat "$TMP/token" 2>/dev/null)" "0 tok-0123456789abcdef"; }
refused() { # what code message-part
  expect_eq "$1: exit" "$CODE" "$2"
  [ ! -e "$TMP/token" ] || fail "$1: the child ran"
  [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$1: not one line: $ERR"
  expect_contains "$1: says" "$ERR" "$3"
  expect_not_contains "$1: never the passphrase" "$ERR" "$RAW_PASSPHRASE"
}

# Success; one trailing line break stripped, not two.
launch -u "$RAW_USER" --passphrase-command "$HELPER"
ran "the helper's output is the passphrase"
expect_eq "the child's stdout is its own" "$OUT" "child-out"
expect_not_contains "the child's environment holds no passphrase" "$(cat "$TMP/child-env")" "$RAW_PASSPHRASE"
launch -u "$RAW_USER" --passphrase-command "printf '%s\\r\\n' '$RAW_PASSPHRASE'"
ran "a trailing CRLF is stripped too"
launch -u "$RAW_USER" --passphrase-command "printf '%s\\n\\n' '$RAW_PASSPHRASE'"
refused "only one line break is stripped" 125 "Invalid user email (from argument) or passphrase (from --passphrase-command)"

# The helper's SIGCHLD waits, blocked, for the supervisor's signalfd, which
# finds nothing of its own to reap in it: the child's status still passes.
for delay in 0 0.3; do
  set +e
  "$RUN" --file "$RAW_FILE" --domain ci -u "$RAW_USER" --passphrase-command "$HELPER" -- sh -c "sleep $delay; exit 7"
  code=$?
  set -e
  expect_eq "after a helper, the child's status passes on (exit after $delay s)" "$code" 7
done

# Failures: one line naming the status, exit 125; SIGINT 130; timeout.
launch -u "$RAW_USER" --passphrase-command "cat '$TMP/pass'; exit 3"
refused "a non-zero exit" 125 "passphrase command exited with status 3 (from --passphrase-command)"
launch -u "$RAW_USER" --passphrase-command 'kill -INT $$'
refused "Ctrl-C at the helper" 130 "passphrase command was killed by signal 2"
start=$(date +%s)
launch -u "$RAW_USER" --passphrase-command 'sleep 30' --passphrase-command-timeout 1
refused "a helper past --passphrase-command-timeout" 125 "passphrase command did not finish in 1 s"
(($(date +%s) - start < 10)) || fail "the timeout took $(($(date +%s) - start)) s"
launch -u "$RAW_USER" --passphrase-command "$HELPER" --passphrase-command-timeout 0
refused "a timeout of 0" 125 "invalid duration for --passphrase-command-timeout: 0"
launch -u "$RAW_USER" --passphrase-command ''
refused "an empty --passphrase-command" 125 "--passphrase-command needs a command"

# Its stdin is /dev/null, even when ours is a pipe with data for the child.
rm -f "$TMP/helper-stdin" "$TMP/child-stdin"
printf 'for the child' | "$RUN" --file "$RAW_FILE" --domain ci -u "$RAW_USER" \
  --passphrase-command "cat >'$TMP/helper-stdin'; cat '$TMP/pass'" -- sh -c "cat >'$TMP/child-stdin'" ||
  fail "helper reading stdin: exit $?"
expect_eq "a helper reading stdin gets end of input at once" "$(wc -c <"$TMP/helper-stdin")" 0
expect_eq "and the child gets the data meant for it" "$(cat "$TMP/child-stdin")" "for the child"

# The variable: the same, and never in the child or /proc/<launcher>/environ.
PPROTECT_PASSPHRASE_COMMAND=$HELPER launch -u "$RAW_USER"
ran "PPROTECT_PASSPHRASE_COMMAND"
expect_not_contains "the child has no PPROTECT_PASSPHRASE_COMMAND" "$(cat "$TMP/child-env")" "PASSPHRASE_COMMAND"
PPROTECT_PASSPHRASE_COMMAND="echo Pwrong" launch -u "$RAW_USER"
refused "a wrong one" 125 "passphrase (from env var: PPROTECT_PASSPHRASE_COMMAND)"
MY_USER=$RAW_USER MY_PASSPHRASE_COMMAND=$HELPER PPROTECT_PASSPHRASE_COMMAND=$MARKING launch --env-prefix MY
ran "MY_PASSPHRASE_COMMAND with --env-prefix MY"
[ ! -e "$TMP/helper-ran" ] || fail "PPROTECT_PASSPHRASE_COMMAND ran under --env-prefix MY"
expect_not_contains "the child has neither helper variable" "$(cat "$TMP/child-env")" "PASSPHRASE_COMMAND"
PPROTECT_PASSPHRASE_COMMAND= launch -u "$RAW_USER"
refused "an empty PPROTECT_PASSPHRASE_COMMAND is unset" 125 "no passphrase (tried"
# (Not with --non-interactive, which --ignore-env leaves no source: no
# terminal says it as well.)
NON_INTERACTIVE= PPROTECT_PASSPHRASE_COMMAND=$MARKING launch -u "$RAW_USER" --ignore-env
refused "--ignore-env skips it" 125 "no passphrase (tried --passphrase-file, --passphrase-command, --passphrase-credential)"
[ ! -e "$TMP/helper-ran" ] || fail "the helper ran under --ignore-env"

PPROTECT_PASSPHRASE_COMMAND="$HELPER" "$RUN" --file "$RAW_FILE" --domain ci -u "$RAW_USER" -- \
  sh -c 'echo ready; exec sleep 30' >"$TMP/bg-out" &
LAUNCHER=$!
on_exit "kill -9 $LAUNCHER"
wait_for "grep -qs ready '$TMP/bg-out'" || fail "child did not start"
expect_not_contains "/proc/<launcher>/environ has no helper variable" \
  "$(tr '\0' '\n' <"/proc/$LAUNCHER/environ")" "PASSPHRASE_COMMAND"
kill "$LAUNCHER"
wait "$LAUNCHER" 2>/dev/null || true

# The order: --passphrase-file > --passphrase-command > --passphrase-credential
# > PPROTECT_PASSPHRASE > PPROTECT_PASSPHRASE_COMMAND > a prompt; a chosen
# source is final.
printf 'Pwrong\n' >"$TMP/wrong"
launch -u "$RAW_USER" --passphrase-file "$TMP/pass" --passphrase-command "$MARKING"
ran "--passphrase-file beats --passphrase-command"
[ ! -e "$TMP/helper-ran" ] || fail "the helper ran after --passphrase-file"
launch -u "$RAW_USER" --passphrase-file "$TMP/wrong" --passphrase-command "$HELPER"
refused "a wrong --passphrase-file never falls back to the helper" 125 "passphrase file"
launch -u "$RAW_USER" --passphrase-command "$HELPER" --passphrase-credential wrong
ran "--passphrase-command beats --passphrase-credential"
PPROTECT_PASSPHRASE=Pwrong launch -u "$RAW_USER" --passphrase-command "$HELPER"
ran "--passphrase-command beats PPROTECT_PASSPHRASE"
PPROTECT_PASSPHRASE=$RAW_PASSPHRASE launch -u "$RAW_USER" --passphrase-command "echo Pwrong" --passphrase-credential right
refused "a wrong --passphrase-command never falls back" 125 "(from --passphrase-command)"
PPROTECT_PASSPHRASE_COMMAND=$MARKING launch -u "$RAW_USER" --passphrase-credential right
ran "--passphrase-credential beats PPROTECT_PASSPHRASE_COMMAND"
[ ! -e "$TMP/helper-ran" ] || fail "the helper variable ran after --passphrase-credential"
PPROTECT_PASSPHRASE=$RAW_PASSPHRASE PPROTECT_PASSPHRASE_COMMAND=$MARKING launch -u "$RAW_USER"
ran "PPROTECT_PASSPHRASE beats PPROTECT_PASSPHRASE_COMMAND"
[ ! -e "$TMP/helper-ran" ] || fail "the helper variable ran after PPROTECT_PASSPHRASE"
PPROTECT_PASSPHRASE=Pwrong PPROTECT_PASSPHRASE_COMMAND=$HELPER launch -u "$RAW_USER"
refused "a wrong PPROTECT_PASSPHRASE never falls back to the helper" 125 "(from env var: PPROTECT_PASSPHRASE)"
# Without a terminal there is no prompt to fall to: the helper is what works.
set +e
PPROTECT_PASSPHRASE_COMMAND=$HELPER "$RUN" --file "$RAW_FILE" --domain ci -u "$RAW_USER" -- true </dev/null 2>"$TMP/err"
code=$?
set -e
expect_eq "PPROTECT_PASSPHRASE_COMMAND comes before the prompt" "$code" 0
finish
