#!/usr/bin/env bash
# When the main child exits the launcher exits at once, leaving descendants
# (as tini does); --reap-descendants SECONDS SIGTERMs them, waits, then
# SIGKILLs those that ignore it.
source "$(dirname "$0")/run_common.bash"

cat >"$TMP/leave.sh" <<'SH'
sleep 60 &
echo $! >"$1"
( trap '' TERM; exec sleep 60 ) &
echo $! >>"$1"
sleep 0.2   # let the TERM trap be set up before we exit
exit 5
SH

# Default: exit at once, the orphans live on.
set +e
run -- bash "$TMP/leave.sh" "$TMP/plain"
code=$?
set -e
[ "$code" -eq 5 ] || fail "exit $code, expected the child's 5"
for pid in $(cat "$TMP/plain"); do
  on_exit "kill -9 $pid"
  alive "$pid" || fail "without --reap-descendants, descendant $pid was killed"
done

set +e
run --reap-descendants 0.5 -- bash "$TMP/leave.sh" "$TMP/reaped"
code=$?
set -e
[ "$code" -eq 5 ] || fail "exit $code with --reap-descendants, expected the child's 5"
for pid in $(cat "$TMP/reaped"); do
  on_exit "kill -9 $pid"
  if alive "$pid"; then fail "descendant $pid outlived the launcher with --reap-descendants"; fi
  # Gone entirely, not a zombie left to someone else.
  if [ -e "/proc/$pid" ] && grep -q '^State:.*Z' "/proc/$pid/status"; then fail "descendant $pid left as a zombie"; fi
done
echo ok
