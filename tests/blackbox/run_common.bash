# Shared by the tests/blackbox/run_*.sh scripts (sourced; not a test itself).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../harness.bash"
: "${PPROTECT_BIN_DIR:?}" "${PPROTECT_FIXTURES:?}"
RUN=$PPROTECT_BIN_DIR/pprotect-run
[ -x "$RUN" ] || fail "$RUN not built"
# The raw custodian of the fixture: no key derivation, fast.
RAW_FILE=$PPROTECT_FIXTURES/raw.yaml
RAW_USER=ci@example.com
RAW_PASSPHRASE=P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P
export PPROTECT_USER=$RAW_USER PPROTECT_PASSPHRASE=$RAW_PASSPHRASE
unset PPROTECT_ENV_PREFIX LISTEN_PID LISTEN_FDS
# Options every pprotect-run of a test gets besides its own: CTest runs
# some tests once more with PPROTECT_TEST_RUN_OPTIONS=--mask (the list is in
# tests/CMakeLists.txt), to show that what they check holds with masking on.
# RUN_EXTRA for command lines written as text, RUN_OPTIONS for arrays.
RUN_EXTRA=${PPROTECT_TEST_RUN_OPTIONS:-}
read -r -a RUN_OPTIONS <<<"$RUN_EXTRA"
TMP=$(mktemp -d)
on_exit 'rm -rf "$TMP"'

# pprotect-run on the raw fixture's domain "ci" (secret DEPLOY_TOKEN).
run() {
  "$RUN" --file "$RAW_FILE" --domain ci "${RUN_OPTIONS[@]}" "$@"
}

# Copies the raw fixture to $1 with more secrets in domain ci besides
# DEPLOY_TOKEN, given as NAME VALUE pairs (add-secret needs no credentials).
protected_copy() { # path NAME VALUE ...
  local file=$1
  shift
  cp "$RAW_FILE" "$file"
  while (($# >= 2)); do
    printf %s "$2" >"$TMP/.value"
    "$PPROTECT_BIN_DIR/pprotect" add-secret --file "$file" --domain ci --secret "$1" --value-file "$TMP/.value" \
      >/dev/null || fail "cannot add secret $1"
    shift 2
  done
  rm -f "$TMP/.value"
}

# Waits up to $2 seconds (default 10) for command $1 to succeed.
wait_for() {
  local tries=$(( ${2:-10} * 20 ))
  while ! eval "$1"; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.05
  done
}

alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# The pid of the only child of $1.
child_of() { cat "/proc/$1/task/$1/children" 2>/dev/null | awk '{print $1}'; }

# Starts pprotect-run in the background; sets LAUNCHER to its pid (not a
# subshell's) and kills it at exit.
run_bg() {
  "$RUN" --file "$RAW_FILE" --domain ci "${RUN_OPTIONS[@]}" "$@" &
  LAUNCHER=$!
  # Its child's process group first (the launcher gives the child its own):
  # a child that handles SIGTERM (the parent-death signal), or its own
  # children, would outlive a failed test and keep ctest waiting on output.
  on_exit "c=\$(child_of $LAUNCHER); [ -z \"\$c\" ] || kill -9 -- -\$c \$c 2>/dev/null; kill -9 $LAUNCHER 2>/dev/null"
}

# A private tmux server for terminal tests; killed at exit.
start_tmux() { # session command...
  command -v tmux >/dev/null || fail "tmux is not installed (scripts/install-deps.sh installs it)"
  # A new socket each time: a server just killed may still hold the old one.
  tmux_count=$(( ${tmux_count:-0} + 1 ))
  TMUX_SOCKET=pprotect-test-$$-$tmux_count
  export TERM=${TERM:-xterm}
  [ "$TERM" != dumb ] || export TERM=xterm
  tmux -L "$TMUX_SOCKET" -f /dev/null new-session -d -s test -x 120 -y 40 "$@"
  on_exit "tmux -L $TMUX_SOCKET kill-server"
  # The pane's first process, whose descendants everything run in it is.
  # A command that ends at once takes the server with it: no pane then.
  TMUX_SESSION_ID=$(tmux -L "$TMUX_SOCKET" display-message -p -t test '#{pane_pid}' 2>/dev/null || true)
}
# The pids whose command line matches $1 among the processes started in
# this test's terminal (the pane's descendants): never another test's
# (other runs on the machine use the same commands). Descendants, not the
# session: with --mask a child leads a session of its own.
ours() {
  local pid up found=1
  for pid in $(pgrep -f "$1"); do
    up=$pid
    while [ -n "$up" ] && [ "$up" -gt 1 ]; do
      if [ "$up" = "$TMUX_SESSION_ID" ]; then
        echo "$pid"
        found=0
        break
      fi
      up=$(awk '/^PPid:/ {print $2}' "/proc/$up/status" 2>/dev/null)
    done
  done
  return $found
}
keys() { tmux -L "$TMUX_SOCKET" send-keys -t test "$@"; }
screen() { tmux -L "$TMUX_SOCKET" capture-pane -p -t test; }
