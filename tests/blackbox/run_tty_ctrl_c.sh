#!/usr/bin/env bash
# In a terminal the child runs in its own foreground process group: Ctrl-C
# reaches it exactly once (not once from the terminal and once forwarded),
# and the terminal is given back when the child exits.
source "$(dirname "$0")/run_common.bash"

cat >"$TMP/child.py" <<'PY'
import signal, sys, time
log = sys.argv[1]
def on_int(number, frame):
    with open(log, "a") as f:
        f.write("INT\n")
signal.signal(signal.SIGINT, on_int)
with open(log, "a") as f:
    f.write("ready\n")
deadline = time.time() + 30
while time.time() < deadline:
    time.sleep(0.05)
    if open(log).read().count("INT") and not globals().get("first"):
        first = time.time()
    if globals().get("first") and time.time() - first > 1:
        sys.exit(0)     # a second, duplicated SIGINT would have come by now
sys.exit(3)
PY
cat >"$TMP/session.sh" <<SH
"$RUN" --file "$RAW_FILE" --domain ci $RUN_EXTRA -- python3 "$TMP/child.py" "$TMP/log"
echo \$? >"$TMP/rc.tmp"
ps -o pgid=,tpgid= -p \$\$ >"$TMP/groups"
mv "$TMP/rc.tmp" "$TMP/rc"
sleep 30
SH
start_tmux bash "$TMP/session.sh"
wait_for "grep -qs ready '$TMP/log' 2>/dev/null" || fail "child did not start: $(screen)"
keys C-c
wait_for "[ -e '$TMP/rc' ]" 20 || fail "launcher did not end: $(screen)"
[ "$(cat "$TMP/rc")" -eq 0 ] || fail "exit $(cat "$TMP/rc"): $(screen)"
count=$(grep -c INT "$TMP/log")
[ "$count" -eq 1 ] || fail "the child got SIGINT $count times"
read -r pgid tpgid <"$TMP/groups"
[ "$pgid" = "$tpgid" ] || fail "terminal not given back: foreground group $tpgid, shell's group $pgid"
echo ok
