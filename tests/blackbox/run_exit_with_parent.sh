#!/usr/bin/env bash
# --exit-with-parent[=SIGNAL]: when the process that started pprotect-run
# dies, even by SIGKILL, the child gets SIGNAL (default TERM), is killed
# after --stop-timeout (10 s by default) if it stays, and nothing is left
# running. First the two-stage scenario of tini's test/pdeathsignal, for
# tini's `-p SIGUSR1`: the child itself kills the launcher's parent, then
# must get SIGUSR1.
source "$(dirname "$0")/run_common.bash"

# Stage 1 is the bash that starts pprotect-run; stage 2, the child, finds
# stage 1 (its grandparent), SIGKILLs it, and waits for SIGUSR1.
# shellcheck disable=SC2016
stage_2='trap "echo ok >\"$0\"; exit 0" USR1
  stage_1=$(awk "{print \$4}" /proc/$PPID/stat)
  kill -KILL "$stage_1"
  sleep 5 & wait $!
  echo no-signal >"$0"'
bash -c '"$@" & wait' stage_1 "$RUN" --file "$RAW_FILE" --domain ci --exit-with-parent=SIGUSR1 -- \
  sh -c "$stage_2" "$TMP/result" 2>"$TMP/err" || true # stage 1 dies of SIGKILL
wait_for "[ -s '$TMP/result' ]" 10 || fail "stage 2 wrote nothing"
expect_eq "the child got SIGUSR1 when the launcher's parent was killed" "$(cat "$TMP/result")" ok
expect_contains "a notice says why" "$(cat "$TMP/err")" "the launcher's parent is gone; sending SIGUSR1 to the child"
rm -f "$TMP/result"

# Default TERM; a child that ignores it is killed after --stop-timeout;
# pprotect-run and the child are both gone afterwards.
check() { # expected-result stop-timeout-args... -- child script
  local expected=$1
  shift
  rm -f "$TMP/pids" "$TMP/result"
  bash -c '"$@" & echo $! >"'"$TMP"'/pids"; wait' parent "$RUN" --file "$RAW_FILE" --domain ci "$@" \
    "$TMP/result" 2>/dev/null &
  local parent=$!
  wait_for "[ -s '$TMP/pids' ] && [ -s '$TMP/result' ]" || fail "did not start ($*)"
  local launcher child
  launcher=$(cat "$TMP/pids")
  child=$(child_of "$launcher")
  kill -KILL "$parent"
  wait "$parent" 2>/dev/null || true
  wait_for "! alive $launcher && ! alive $child" 15 || fail "left running after the parent died ($*)"
  expect_eq "parent SIGKILLed: $expected" "$(tail -n1 "$TMP/result")" "$expected"
}
# shellcheck disable=SC2016
check got-TERM --exit-with-parent -- sh -c 'echo started >"$0"; trap "echo got-TERM >>\"$0\"; exit 0" TERM
  while :; do sleep 0.05; done'
# shellcheck disable=SC2016
check started --exit-with-parent --stop-timeout 0.3 -- sh -c 'echo started >"$0"; trap "" TERM
  while :; do sleep 0.05; done'
pass "a child that ignores the signal is killed after --stop-timeout"
# The parent gone before the child exists (it went while a passphrase
# helper ran): nothing is started, as for a stop request then. The child
# would ignore SIGTERM, so a start followed by the signal would show.
rm -f "$TMP/pids" "$TMP/result"
bash -c '"$@" & echo $! >"'"$TMP"'/pids"; sleep 0.3' parent "$RUN" --file "$RAW_FILE" --domain ci \
  --exit-with-parent --passphrase-command "sleep 1.5; printf %s '$RAW_PASSPHRASE'" -- \
  sh -c 'trap "" TERM; echo started >"$0"' "$TMP/result" 2>"$TMP/err"
launcher=$(cat "$TMP/pids")
wait_for "! alive $launcher" 15 || fail "left running after its parent went during start-up"
[ ! -e "$TMP/result" ] || fail "the child started though the launcher's parent was gone"
expect_contains "a notice says so" "$(cat "$TMP/err")" "the launcher's parent is gone; not starting the child"

# Without the flag nothing happens when the parent goes (the child stays,
# as before): the flag is what makes the difference.
rm -f "$TMP/pids" "$TMP/result"
# shellcheck disable=SC2016
bash -c '"$@" & echo $! >"'"$TMP"'/pids"; wait' parent "$RUN" --file "$RAW_FILE" --domain ci -- \
  sh -c 'echo started >"$0"; trap "echo got-TERM >>\"$0\"; exit 0" TERM; while :; do sleep 0.05; done' \
  "$TMP/result" 2>/dev/null &
parent=$!
wait_for "[ -s '$TMP/pids' ] && [ -s '$TMP/result' ]" || fail "did not start"
launcher=$(cat "$TMP/pids")
on_exit "kill -9 $launcher"
kill -KILL "$parent"
wait "$parent" 2>/dev/null || true
sleep 0.5
alive "$launcher" || fail "without --exit-with-parent pprotect-run ended with its parent"
expect_eq "without --exit-with-parent the child got nothing" "$(tail -n1 "$TMP/result")" started
kill -TERM "$launcher"
set +e
err=$(run --exit-with-parent=NOPE -- true 2>&1)
code=$?
set -e
expect_eq "an unknown signal is a usage error" "$code" 125
finish
