#!/usr/bin/env bash
# Exit codes 0-255 of the child come back unchanged; a child killed by
# signal N gives 128+N; the launcher's own failures are 125/126/127.
source "$(dirname "$0")/run_common.bash"

for code in $(seq 0 255); do
  set +e
  run -- sh -c "exit $code"
  got=$?
  set -e
  [ "$got" -eq "$code" ] || fail "child exit $code came back as $got"
done

for sig in HUP INT QUIT ILL ABRT FPE KILL USR1 SEGV USR2 PIPE ALRM TERM; do
  num=$(kill -l "$sig")
  set +e
  run -- sh -c "kill -$sig \$\$"
  got=$?
  set -e
  [ "$got" -eq $((128 + num)) ] || fail "child killed by SIG$sig gave $got, not $((128 + num))"
done

check_failure() { # expected code, then the command line
  local expected=$1
  shift
  set +e
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  set -e
  [ "$got" -eq "$expected" ] || fail "$* exited $got, not $expected"
  [ ! -s "$TMP/out" ] || fail "$* wrote to stdout"
  [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$* did not print one line: $(cat "$TMP/err")"
  grep -q '^pprotect-run: error: ' "$TMP/err" || fail "$* error line: $(cat "$TMP/err")"
}
check_failure 127 run -- /nonexistent/command
check_failure 127 run -- no-such-command-pprotect
printf '#!/bin/sh\n' >"$TMP/not-executable"
check_failure 126 run -- "$TMP/not-executable"
check_failure 126 run -- /
check_failure 125 run
check_failure 125 "$RUN" --file "$RAW_FILE" -- true
check_failure 125 run --no-such-option -- true
check_failure 125 run --timeout nonsense -- true
check_failure 125 "$RUN" --file "$TMP/missing.yaml" --domain ci -- true
check_failure 125 "$RUN" --file "$RAW_FILE" --domain no-such-domain -- true
PPROTECT_PASSPHRASE=wrong check_failure 125 run -- true
grep -q wrong "$TMP/err" && fail "the error line shows the passphrase"
echo ok
