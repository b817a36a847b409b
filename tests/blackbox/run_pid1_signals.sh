#!/usr/bin/env bash
# As PID 1 of a PID namespace (a container's init), signals sent to PID 1 from
# inside the namespace reach the child (the kernel would drop them for an init
# with default dispositions; ours are blocked and read, so they are queued),
# and a child stopped by SIGTSTP is continued (PID 1 cannot stop itself).
source "$(dirname "$0")/run_common.bash"
if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
  skip "unshare --pid needs root"
fi

cat >"$TMP/child.sh" <<'SH'
got=
trap 'got="$got USR1"' USR1
trap 'got="$got TERM"; echo "got:$got"; exit 0' TERM
kill -USR1 1
sleep 0.2
kill -TSTP $$     # job-control stop: PID 1 must continue us
sleep 0.2
kill -TERM 1
# No $(...) here: bash 5.2 parses a command substitution again when it runs
# it, and a trap run in the middle of that parse breaks it ("unexpected EOF
# while looking for matching )").
i=0
while [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
echo "got:$got (no TERM)"
exit 1
SH
set +e
unshare --pid --fork --mount-proc "$RUN" --file "$RAW_FILE" --domain ci "${RUN_OPTIONS[@]}" -- bash "$TMP/child.sh" >"$TMP/out" 2>&1 &
box=$!
on_exit "kill -9 $box"
wait_for "grep -qs got: '$TMP/out'" 15 || { set -e; fail "no report from the child: $(cat "$TMP/out")"; }
wait "$box"
code=$?
set -e
[ "$code" -eq 0 ] || fail "exit $code: $(cat "$TMP/out")"
grep -qx 'got: USR1 TERM' "$TMP/out" || fail "child saw: $(cat "$TMP/out")"
echo ok
