#!/usr/bin/env bash
# Without credentials in the environment the launcher asks on the terminal
# (/dev/tty), never on stdin: the child still gets its stdin whole. Without a
# terminal, or with --non-interactive, it fails at once (125) naming the
# sources it tried, and the child never runs.
source "$(dirname "$0")/run_common.bash"
command -v script >/dev/null || fail "script(1) is not installed (util-linux)"
unset PPROTECT_USER PPROTECT_PASSPHRASE

printf 'line one\nline two\n' >"$TMP/stdin-data"
cat >"$TMP/session.sh" <<SH
"$RUN" --file "$RAW_FILE" --domain ci -- sh -c 'cat >"$TMP/got"; echo "\$DEPLOY_TOKEN" >"$TMP/token"' <"$TMP/stdin-data"
echo \$? >"$TMP/rc"
sleep 30
SH
start_tmux bash "$TMP/session.sh"
wait_for "screen | grep -q 'User email'" 10 || fail "no user prompt on the terminal: $(screen)"
keys "$RAW_USER" Enter
wait_for "screen | grep -q 'Passphrase'" 10 || fail "no passphrase prompt: $(screen)"
keys "$RAW_PASSPHRASE" Enter
wait_for "[ -s '$TMP/rc' ]" 10 || fail "launcher did not finish: $(screen)"
[ "$(cat "$TMP/rc")" -eq 0 ] || fail "exit $(cat "$TMP/rc"): $(screen)"
cmp "$TMP/stdin-data" "$TMP/got" || fail "the child's stdin was consumed"
grep -qx 'tok-0123456789abcdef' "$TMP/token" || fail "secret not injected"
screen >"$TMP/screen"
grep -q 'Passphrase' "$TMP/screen" || fail "screen capture failed: $(cat "$TMP/screen")"
if grep -q "$RAW_PASSPHRASE" "$TMP/screen"; then fail "passphrase echoed on the terminal"; fi

# No terminal: fail at once, naming the sources, without running the child.
set +e
setsid "$RUN" --file "$RAW_FILE" --domain ci -- touch "$TMP/ran" </dev/null >"$TMP/out" 2>"$TMP/err"
code=$?
set -e
[ "$code" -eq 125 ] || fail "without a terminal: exit $code, expected 125"
[ ! -e "$TMP/ran" ] || fail "the child ran without credentials"
[ ! -s "$TMP/out" ] || fail "wrote to stdout"
grep -q '^pprotect-run: error: ' "$TMP/err" || fail "error: $(cat "$TMP/err")"
# --non-interactive, even with a terminal.
cat >"$TMP/session2.sh" <<SH
"$RUN" --non-interactive --file "$RAW_FILE" --domain ci -- touch "$TMP/ran" 2>"$TMP/err2"
echo \$? >"$TMP/rc2"
SH
tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null || true
start_tmux bash "$TMP/session2.sh"
wait_for "[ -s '$TMP/rc2' ]" 10 || fail "--non-interactive waited: $(screen)"
[ "$(cat "$TMP/rc2")" -eq 125 ] || fail "--non-interactive: exit $(cat "$TMP/rc2")"
grep -q 'no passphrase (tried .*env var: PPROTECT_PASSPHRASE, env var: PPROTECT_PASSPHRASE_COMMAND).*--non-interactive' "$TMP/err2" ||
  fail "--non-interactive does not name the sources tried: $(cat "$TMP/err2")"
[ ! -e "$TMP/ran" ] || fail "the child ran without credentials"

# Ctrl-C at the passphrase prompt stops the launcher at once (no child yet to
# hand it to) and leaves the terminal echoing.
cat >"$TMP/session3.sh" <<SH
set -m     # the launcher in its own foreground group: Ctrl-C is not for this shell
trap : INT # and bash must not end itself when its job dies of SIGINT
"$RUN" --file "$RAW_FILE" --domain ci -- touch "$TMP/ran"
echo \$? >"$TMP/rc3.tmp"
stty -a >"$TMP/stty"
mv "$TMP/rc3.tmp" "$TMP/rc3"
sleep 30
SH
start_tmux bash "$TMP/session3.sh"
wait_for "screen | grep -q 'User email'" 10 || fail "no user prompt: $(screen)"
keys "$RAW_USER" Enter
wait_for "screen | grep -q 'Passphrase'" 10 || fail "no passphrase prompt: $(screen)"
keys C-c
wait_for "[ -s '$TMP/rc3' ]" 10 || fail "Ctrl-C at the prompt did not stop the launcher: $(screen)"
[ "$(cat "$TMP/rc3")" -eq 130 ] || fail "Ctrl-C at the prompt: exit $(cat "$TMP/rc3"), expected 130"
[ ! -e "$TMP/ran" ] || fail "the child ran after Ctrl-C"
grep -Eq '(^| )echo( |$)' "$TMP/stty" || fail "terminal left without echo: $(cat "$TMP/stty")"
echo ok
