#!/usr/bin/env bash
# As PID 1 of a PID namespace, the launcher reaps every orphan: 200
# grandchildren re-parented to it leave no zombie, and the main child's own
# status still comes back (not stolen by the reaping).
source "$(dirname "$0")/run_common.bash"
if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
  skip "unshare --pid needs root"
fi

cat >"$TMP/child.sh" <<'SH'
[ "$PPID" -eq 1 ] || { echo "launcher is not PID 1 (PPID=$PPID)"; exit 90; }
for i in $(seq 200); do
  ( sleep 0.2 & )          # the subshell exits at once: sleep is orphaned
done
# Let them all exit and be reaped by PID 1.
for attempt in $(seq 100); do
  sleep 0.1
  left=$(ps -e -o stat= -o comm= | grep -c '^.*sleep$' || true)
  [ "$left" -eq 0 ] && break
done
zombies=$(ps -e -o stat= | grep -c '^Z' || true)
echo "zombies=$zombies left=$left"
[ "$zombies" -eq 0 ] && [ "$left" -eq 0 ] || exit 91
exit 42
SH

set +e
unshare --pid --fork --mount-proc "$RUN" --file "$RAW_FILE" --domain ci "${RUN_OPTIONS[@]}" -- bash "$TMP/child.sh" >"$TMP/out" 2>&1
code=$?
set -e
cat "$TMP/out"
[ "$code" -eq 42 ] || fail "exit $code (expected the child's 42): $(cat "$TMP/out")"
grep -q '^zombies=0 left=0$' "$TMP/out" || fail "zombies left"
echo ok
