#!/usr/bin/env bash
# pprotect-run's own usage errors: each is one line on stderr naming what
# is wrong, exit 125, and the command never runs.
source "$(dirname "$0")/run_common.bash"

refused() { # what, expected words, options...
  local what=$1 words=$2
  shift 2
  rm -f "$TMP/ran"
  set +e
  local err
  err=$(run "$@" -- touch "$TMP/ran" 2>&1 >/dev/null)
  local code=$?
  set -e
  expect_eq "$what: exit 125" "$code" 125
  expect_eq "$what: one line" "$(printf '%s\n' "$err" | wc -l)" 1
  expect_contains "$what: says why" "$err" "$words"
  [ ! -e "$TMP/ran" ] || fail "$what: the command ran"
}

# --exec leaves no supervisor for what needs one.
for option in "--restart always" --watch --secret-dir --exit-with-parent "--timeout 1" "--stop-timeout 1" \
  "--reap-descendants 1" --signal-group; do
  # shellcheck disable=SC2086
  refused "--exec with $option" "--exec leaves no supervisor" --exec $option
done
refused "--mask with --exec" "--mask needs the supervisor" --exec --mask

# --on-change: only with --watch, only restart or a signal that can be sent.
refused "--on-change without --watch" "--on-change needs --watch" --on-change restart
refused "an unknown --on-change action" "restart, or signal:SIG" --watch --on-change reload
for signal in KILL STOP 0 NOPE; do
  refused "--on-change signal:$signal" "invalid signal for --on-change: $signal" --watch --on-change "signal:$signal"
done

# Restarts: a back-off of more than zero (0 would restart a failing child
# hundreds of times a second), whole counts.
for delay in 0 0s 0.0 -1 2000000000; do
  refused "--restart-delay $delay" "invalid duration for --restart-delay: $delay" --restart always --restart-delay "$delay"
done
refused "--max-restarts -1" "invalid number for --max-restarts: -1" --restart always --max-restarts -1
refused "--max-restarts x" "invalid number for --max-restarts: x" --restart always --max-restarts x

# --secret-file NAME=VAR with a VAR that is no variable's name is taken
# for a secret's name (names may hold '='), and the error says what VAR
# may be.
refused "--secret-file with a bad VAR" "after '=' a variable name" --secret-file DEPLOY_TOKEN=1bad

# The table's own errors name the option.
refused "an unknown option" "unknown option --nope" --nope
refused "a value given twice" "--timeout is given twice" --timeout 1 --timeout 2
refused "a flag that takes no value" "--exec takes no value" --exec=yes
finish
