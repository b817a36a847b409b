#!/usr/bin/env bash
# Every catchable signal sent to the launcher reaches the child (after
# dumb-init's signal-proxy test), with and without --signal-group; SIGTSTP,
# SIGTTIN and SIGTTOU also stop the launcher until SIGCONT.
source "$(dirname "$0")/run_common.bash"

cat >"$TMP/child.py" <<'PY'
import os, signal, sys, time
log = sys.argv[1]
def note(number, frame):
    with open(log, "a") as f:
        f.write("%d\n" % number)
for number in range(1, signal.SIGRTMAX + 1):
    if number in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD, 32, 33):
        continue
    signal.signal(number, note)
with open(log, "a") as f:
    f.write("ready\n")
while True:
    time.sleep(0.05)
PY

rtmin=$(python3 -c 'import signal; print(signal.SIGRTMIN)')
rtmax=$(python3 -c 'import signal; print(signal.SIGRTMAX)')
signals=()
for n in $(seq 1 31); do
  case $n in 9|17|19) ;; *) signals+=("$n") ;; esac
done
signals+=("$rtmin" $((rtmin + 1)) $((rtmin + 5)) $((rtmax - 1)) "$rtmax")

for mode in "" --signal-group; do
  log=$TMP/log$mode
  : >"$log"
  run_bg $mode -- python3 "$TMP/child.py" "$log"
  launcher=$LAUNCHER
  wait_for "grep -qs ready '$log'" || fail "child did not start"
  conts=0
  for n in "${signals[@]}"; do
    [ "$n" -ne 18 ] || conts=$((conts + 1))
    kill -"$n" "$launcher"
    if [ "$n" -eq 20 ] || [ "$n" -eq 21 ] || [ "$n" -eq 22 ]; then
      # Job control: the launcher stops itself after forwarding.
      wait_for "grep -qs '^State:.*T' /proc/$launcher/status" 5 || fail "launcher did not stop on signal $n ($mode)"
      # The kernel discards a pending stop signal when SIGCONT is sent: let
      # the child handle this one first.
      wait_for "grep -qx '$n' '$log'" 5 || fail "signal $n did not reach the child ($mode)"
      kill -CONT "$launcher"
      wait_for "[ \$(grep -cx 18 '$log') -ge \$((conts + 1)) ]" 5 || fail "SIGCONT did not reach the child ($mode)"
      conts=$(grep -cx 18 "$log")
    fi
    wait_for "grep -qx '$n' '$log'" 5 || fail "signal $n did not reach the child ($mode)"
  done
  got=$(grep -v ready "$log" | sort -u | wc -l)
  [ "$got" -eq "${#signals[@]}" ] || fail "child saw $got signals, expected ${#signals[@]} ($mode): $(tr '\n' ' ' <"$log")"
  kill -KILL "$(child_of "$launcher")"
  set +e
  wait "$launcher"
  code=$?
  set -e
  [ "$code" -eq 137 ] || fail "launcher exited $code after the child's SIGKILL ($mode)"
done
echo ok
