#!/usr/bin/env bash
# --restart: how often, after how long (the back-off doubles), and never
# after a stop request; the exit status is the last child's. Each restart
# is one line on stderr, which --quiet silences. (That a run of 60 s starts
# the back-off over is in tests/test_supervisor_restart.cpp: a test does not
# wait a minute.)
source "$(dirname "$0")/run_common.bash"

# Start times of each run, in ms, one per line, written by the child.
# shellcheck disable=SC2016
starts='printf "%s\n" "$(($(date +%s%N) / 1000000))" >>"$0/starts"'

# on-failure: 5 restarts by default, delays 0.1 0.2 0.4 0.8 1.6 s.
set +e
run --restart on-failure --restart-delay 0.1 -- sh -c "$starts; exit 3" "$TMP" 2>"$TMP/err"
code=$?
set -e
expect_eq "the last child's status comes back" "$code" 3
expect_eq "on-failure: the first start and 5 restarts" "$(wc -l <"$TMP/starts")" 6
expect_eq "one line per restart, and one to say it stops" "$(wc -l <"$TMP/err")" 6
expect_contains "a restart line says why and which" "$(head -n1 "$TMP/err")" \
  "restarting the child in 0.1s: it exited with status 3 (restart 1 of 5)"
expect_contains "the last line says why not" "$(tail -n1 "$TMP/err")" "--max-restarts 5 reached"
# The gaps between starts: each about twice the one before (a child's own
# start-up adds a few ms; the machine may add more, never less).
mapfile -t at <"$TMP/starts"
expected=(100 200 400 800 1600)
for i in 0 1 2 3 4; do
  gap=$((at[i + 1] - at[i]))
  low=${expected[i]}
  high=$((expected[i] * 3 / 2 + 150))
  if ((gap < low || gap > high)); then
    fail "gap $((i + 1)) was $gap ms, expected $low-$high ms (starts: ${at[*]})"
  fi
done
pass "back-off gaps $((at[1] - at[0])) $((at[2] - at[1])) $((at[3] - at[2])) $((at[4] - at[3])) $((at[5] - at[4])) ms"
rm -f "$TMP/starts"

# on-failure leaves a success alone; always does not, up to --max-restarts.
run --restart on-failure --restart-delay 0.05 -- sh -c "$starts; exit 0" "$TMP"
expect_eq "on-failure: a success is not restarted" "$(wc -l <"$TMP/starts")" 1
rm -f "$TMP/starts"
run --restart always --max-restarts 2 --restart-delay 0.05 --quiet -- sh -c "$starts; exit 0" "$TMP" 2>"$TMP/err"
expect_eq "always: restarts a success too, --max-restarts 2 times" "$(wc -l <"$TMP/starts")" 3
expect_eq "--quiet: no restart lines" "$(cat "$TMP/err")" ""
rm -f "$TMP/starts"
# Killed by a signal is a failure too.
set +e
run --restart on-failure --max-restarts 1 --restart-delay 0.05 -- sh -c "$starts; kill -SEGV \$\$" "$TMP" 2>"$TMP/err"
code=$?
set -e
expect_eq "death by signal is restarted, and its status comes back" "$code" $((128 + 11))
expect_eq "once" "$(wc -l <"$TMP/starts")" 2
expect_contains "the line names the signal" "$(cat "$TMP/err")" "killed by SIGSEGV"
rm -f "$TMP/starts"

# A stop request ends it for good: while the child runs (it dies of the
# forwarded SIGTERM, and is not started again), and during the back-off.
run_bg --restart always --restart-delay 0.05 -- sh -c "$starts; exec sleep 30" "$TMP" 2>/dev/null
wait_for "[ -s '$TMP/starts' ]" || fail "child did not start"
kill -TERM "$LAUNCHER"
set +e
wait "$LAUNCHER"
code=$?
set -e
expect_eq "SIGTERM while the child runs: its status (143)" "$code" 143
sleep 0.3
expect_eq "and no restart" "$(wc -l <"$TMP/starts")" 1
rm -f "$TMP/starts"
run_bg --restart always --restart-delay 5 -- sh -c "$starts; exit 7" "$TMP" 2>/dev/null
wait_for "[ -s '$TMP/starts' ]" || fail "child did not start"
sleep 0.3 # in the 5 s back-off now
started=$(date +%s%N)
kill -TERM "$LAUNCHER"
set +e
wait "$LAUNCHER"
code=$?
set -e
took=$((($(date +%s%N) - started) / 1000000))
expect_eq "SIGTERM during the back-off: the last child's status" "$code" 7
((took < 2000)) || fail "SIGTERM during the back-off took $took ms"
expect_eq "and no restart" "$(wc -l <"$TMP/starts")" 1
# A child that ignores SIGTERM is still not restarted once killed.
rm -f "$TMP/starts"
run_bg --restart always --restart-delay 0.05 --stop-timeout 0.3 -- \
  sh -c "$starts; trap '' TERM; while :; do sleep 0.1; done" "$TMP" 2>/dev/null
wait_for "[ -s '$TMP/starts' ]" || fail "child did not start"
kill -TERM "$LAUNCHER"
set +e
wait "$LAUNCHER"
code=$?
set -e
expect_eq "killed after --stop-timeout: 137" "$code" 137
expect_eq "and not restarted" "$(wc -l <"$TMP/starts")" 1

# Usage errors.
set +e
err=$(run --restart sometimes -- true 2>&1)
code=$?
set -e
expect_eq "an unknown --restart value is 125" "$code" 125
expect_contains "listing the values" "$err" "no, on-failure or always"
set +e
run --max-restarts 3 -- true 2>/dev/null
code=$?
set -e
expect_eq "--max-restarts without --restart is 125" "$code" 125
finish
