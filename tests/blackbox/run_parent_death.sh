#!/usr/bin/env bash
# When the launcher is SIGKILLed the child gets the parent-death signal
# (SIGTERM by default, --parent-death-signal to choose) and ends.
source "$(dirname "$0")/run_common.bash"

check() { # launcher options...
  run_bg "$@" -- python3 -c '
import signal, sys, time
signal.signal(signal.SIGUSR1, signal.SIG_DFL)
print("ready", flush=True)
time.sleep(60)' >"$TMP/out"
  local launcher=$LAUNCHER
  wait_for "grep -qs ready '$TMP/out'" || fail "child did not start"
  local child
  child=$(child_of "$launcher")
  [ -n "$child" ] || fail "no child found"
  # Watch the child from here: we cannot wait() for it, so poll /proc.
  kill -KILL "$launcher"
  wait_for "! alive $child" 10 || fail "child $child outlived the launcher ($*)"
  wait "$launcher" 2>/dev/null || true
}
check
check --parent-death-signal USR1
check --parent-death-signal SIGKILL
echo ok
