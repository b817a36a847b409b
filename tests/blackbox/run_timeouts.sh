#!/usr/bin/env bash
# --timeout stops the child at the deadline and exits 124 (as timeout(1));
# a child that ignores SIGTERM is SIGKILLed after --stop-timeout;
# --stop-timeout after a forwarded SIGTERM SIGKILLs the child's group.
source "$(dirname "$0")/run_common.bash"

expect_code() { # expected, then the command line
  local expected=$1
  shift
  set +e
  "$@"
  local got=$?
  set -e
  [ "$got" -eq "$expected" ] || fail "$* exited $got, expected $expected"
}

# The deadline ends a child that obeys SIGTERM.
expect_code 124 run --timeout 0.3 -- sleep 30
# The launcher says what it did on stderr, unless --quiet.
expect_code 124 run --timeout 0.2 -- sleep 30 2>"$TMP/notice"
grep -q '^pprotect-run: .*timeout' "$TMP/notice" || fail "no notice of the timeout: $(cat "$TMP/notice")"
expect_code 124 run --quiet --timeout 0.2 -- sleep 30 2>"$TMP/quiet"
[ ! -s "$TMP/quiet" ] || fail "--quiet still printed: $(cat "$TMP/quiet")"
# Duration suffixes as timeout(1) has them.
expect_code 124 run --timeout 0.005m -- sleep 30
# A child that finishes in time keeps its own status; 0 means no deadline.
expect_code 3 run --timeout 30 -- sh -c 'exit 3'
expect_code 4 run --timeout 0 -- sh -c 'sleep 0.3; exit 4'

# A child (and its group) ignoring SIGTERM gets SIGKILL after the stop timeout;
# its grandchild goes with it.
cat >"$TMP/stubborn.sh" <<'SH'
trap '' TERM
sleep 30 &
echo $! >"$1"
wait
SH
expect_code 124 run --timeout 0.3 --stop-timeout 0.3 -- bash "$TMP/stubborn.sh" "$TMP/grandchild"
grandchild=$(cat "$TMP/grandchild")
wait_for "! alive $grandchild" 5 || fail "grandchild $grandchild survived the SIGKILL of the group"

# --stop-timeout after a SIGTERM forwarded by the launcher.
run_bg --stop-timeout 0.3 -- bash "$TMP/stubborn.sh" "$TMP/grandchild2"
wait_for "[ -s '$TMP/grandchild2' ]" || fail "child did not start"
kill -TERM "$LAUNCHER"
set +e
wait "$LAUNCHER"
code=$?
set -e
[ "$code" -eq 137 ] || fail "after SIGTERM and --stop-timeout the launcher exited $code, not 137"
wait_for "! alive $(cat "$TMP/grandchild2")" 5 || fail "grandchild survived --stop-timeout"

# Without --stop-timeout a SIGTERM-ignoring child keeps running.
run_bg -- bash "$TMP/stubborn.sh" "$TMP/grandchild3"
wait_for "[ -s '$TMP/grandchild3' ]" || fail "child did not start"
kill -TERM "$LAUNCHER"
sleep 0.5
alive "$LAUNCHER" || fail "launcher ended although the child ignores SIGTERM"
kill -KILL "$(child_of "$LAUNCHER")" "$(cat "$TMP/grandchild3")"
wait "$LAUNCHER" 2>/dev/null || true

# Durations past the bound once their unit is applied are usage errors
# (125, one line), not deadlines that overflow and fire at once; the
# largest allowed value still waits.
for option in "--timeout 106752d" "--timeout 2562048h" "--stop-timeout 1000000d" \
  "--reap-descendants 11575d" "--timeout 1000000001"; do
  # shellcheck disable=SC2086
  expect_code 125 run $option -- true 2>"$TMP/bound"
  [ "$(wc -l <"$TMP/bound")" -eq 1 ] || fail "$option: not one line: $(cat "$TMP/bound")"
  grep -q "invalid duration for ${option%% *}" "$TMP/bound" || fail "$option: $(cat "$TMP/bound")"
done
# (7, not 124: the deadline did not fire.)
expect_code 7 run --timeout 11574d --stop-timeout 1000000000s -- sh -c 'sleep 0.2; exit 7'
echo ok
