#!/bin/bash
# Interactive prompts in a real terminal (tmux): passphrases are not echoed,
# and Ctrl-C at a passphrase prompt gives the terminal its echo back.
source "$(dirname "$0")/cli_common.bash"
command -v tmux >/dev/null || fail "tmux is not installed (scripts/install-deps.sh installs it)"

SOCK="$SCRATCH/tmux.sock"
tmx() { tmux -S "$SOCK" "$@"; }
on_exit 'tmx kill-server 2>/dev/null'

screen() { tmx capture-pane -p -t t -S -100; }
# wait_for TEXT [AFTER]: polls the screen until TEXT shows up (below the
# line holding AFTER, when given); gives up after about 20 s.
wait_for() {
  local i
  for i in $(seq 200); do
    if screen | sed -n "/${2:-.}/,\$p" | grep -qF -- "$1"; then
      return 0
    fi
    sleep 0.1
  done
  fail "never saw [$1] on the terminal; screen was:
$(screen)"
  finish
}

SECRET='Tr0ub4dor-and-3'
cat >"$SCRATCH/session.sh" <<SESSION
cd "$WORK"
"$PPROTECT" init --key-type fast
echo "EXIT=\$?"
PPROTECT_USER=alice@example.com "$PPROTECT" add-domain
echo "EXIT2=\$?"
stty -a | tr ' ' '\n' | grep -x -e echo -e -echo | sed 's/^/ECHO-STATE=/'
PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='$SECRET' "$PPROTECT" add-domain --domain dev >/dev/null
PPROTECT_USER=alice@example.com "$PPROTECT" exec --domain dev -- true
echo "EXIT3=\$?"
stty -a | tr ' ' '\n' | grep -x -e echo -e -echo | sed 's/^/EXEC-ECHO-STATE=/'
sleep 60
SESSION
tmx new-session -d -s t -x 150 -y 40 "bash $SCRATCH/session.sh"

wait_for "User email:"
tmx send-keys -t t "alice@example.com" Enter
wait_for "Passphrase:"
tmx send-keys -t t "$SECRET" Enter
wait_for "Retype passphrase:"
tmx send-keys -t t "$SECRET" Enter
wait_for "EXIT="
text="$(screen)"
expect_contains "init succeeded" "$text" "EXIT=0"
expect_not_contains "passphrase not echoed" "$text" "$SECRET"
expect_contains "email echoed" "$text" "User email: alice@example.com"

# Ctrl-C at the passphrase prompt: exit 130 and echo back on.
wait_for "Passphrase:" "Verify passphrase for"
tmx send-keys -t t "half-typed" C-c
wait_for "ECHO-STATE="
text="$(screen)"
expect_contains "interrupted" "$text" "EXIT2=130"
expect_contains "echo restored" "$text" "ECHO-STATE=echo"
expect_not_contains "typed text not echoed" "$text" "half-typed"

# The same in exec, whose signals are blocked for the supervisor's sake.
wait_for "Passphrase:" "EXIT2="
tmx send-keys -t t "half-typed" C-c
wait_for "EXEC-ECHO-STATE="
text="$(screen)"
expect_contains "exec interrupted" "$text" "EXIT3=130"
expect_contains "echo restored after exec" "$text" "EXEC-ECHO-STATE=echo"

# The passphrase typed in the terminal is the one stored.
PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE="$SECRET" run '' list-user-secrets
expect_rc 0 "passphrase typed in the terminal works"
finish
