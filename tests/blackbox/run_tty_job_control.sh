#!/usr/bin/env bash
# Job control through the launcher, in a terminal:
# 1. an interactive `bash -i` run by the launcher has job control (it owns the
#    terminal's foreground): Ctrl-Z stops its job and gives its prompt back;
# 2. the launcher run from an interactive shell: Ctrl-Z stops the child AND
#    the launcher, so the shell gets its prompt back; `fg` resumes both;
# 3. started in the background (&), a child that reads the terminal stops
#    (SIGTTIN), and `fg` gives it the terminal;
# 4. with stdin a pipe but stdout the terminal, the child still gets the
#    terminal's foreground, so it can prompt on /dev/tty (as ssh does).
source "$(dirname "$0")/run_common.bash"

prompt_shown() { screen | grep -Eq '[$#] *$'; }

# 1. bash -i under the launcher.
cat >"$TMP/inner.sh" <<SH
"$RUN" --file "$RAW_FILE" --domain ci $RUN_EXTRA -- bash --norc --noprofile -i
echo \$? >"$TMP/inner-rc"
sleep 30
SH
start_tmux bash "$TMP/inner.sh"
wait_for prompt_shown || fail "no prompt from the inner bash: $(screen)"
keys "sleep 100" Enter
wait_for "ours '^sleep 100\$' >/dev/null" || fail "sleep did not start"
sleep 0.2
keys C-z
wait_for "screen | grep -q Stopped" 5 || fail "Ctrl-Z did not stop the inner job: $(screen)"
keys "jobs -l >'$TMP/jobs'" Enter
keys "fg" Enter
wait_for "! grep -q '^State:.*T' /proc/\$(ours '^sleep 100\$')/status" 5 || fail "fg did not resume the inner job"
sleep 0.2
keys C-c
wait_for "! ours '^sleep 100\$' >/dev/null" 5 || fail "Ctrl-C did not end the inner job: $(screen)"
keys "exit 7" Enter
wait_for "[ -s '$TMP/inner-rc' ]" 10 || fail "inner bash did not exit: $(screen)"
grep -q Stopped "$TMP/jobs" || fail "inner bash jobs: $(cat "$TMP/jobs")"
[ "$(cat "$TMP/inner-rc")" -eq 7 ] || fail "launcher exit $(cat "$TMP/inner-rc"), expected 7"
if screen | grep -Eq 'no job control|cannot set terminal process group'; then
  fail "inner bash has no job control: $(screen)"
fi
tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null || true

# 2. The launcher under an interactive shell.
start_tmux bash --norc --noprofile -i
wait_for prompt_shown || fail "no prompt: $(screen)"
keys "\"$RUN\" --file \"$RAW_FILE\" --domain ci $RUN_EXTRA -- sleep 101" Enter
wait_for "ours '^sleep 101\$' >/dev/null" || fail "sleep did not start: $(screen)"
sleep 0.2
keys C-z
wait_for "screen | grep -q Stopped" 5 || fail "Ctrl-Z did not give the prompt back: $(screen)"
launcher=$(ours "pprotect-run --file .* -- sleep 101")
grep -q '^State:.*T' "/proc/$launcher/status" || fail "launcher not stopped"
grep -q '^State:.*T' "/proc/$(ours '^sleep 101$')/status" || fail "child not stopped"
keys "fg" Enter
wait_for "grep -q '^State:.*S' /proc/$launcher/status" 5 || fail "fg did not resume the launcher: $(screen)"
wait_for "! grep -q '^State:.*T' /proc/\$(ours '^sleep 101\$')/status" 5 || fail "fg did not resume the child"
sleep 0.2
keys C-c
keys "echo rc=\$? >'$TMP/outer-rc'" Enter
wait_for "[ -s '$TMP/outer-rc' ]" 10 || fail "Ctrl-C did not end the launcher: $(screen)"
grep -qx 'rc=130' "$TMP/outer-rc" || fail "after Ctrl-C: $(cat "$TMP/outer-rc"), expected rc=130"

# 3. In the background first. (A clear screen: no "Stopped" from before.)
keys "clear" Enter
wait_for '! screen | grep -q Stopped' 5 || fail "screen not cleared: $(screen)"
keys "\"$RUN\" --file \"$RAW_FILE\" --domain ci $RUN_EXTRA -- sh -c 'read line; echo \"got:\$line\" >\"$TMP/read\"' &" Enter
# (The shell reports the stop only at its next prompt: look at the state.)
wait_for "ours 'pprotect-run .*read line' >/dev/null" 5 || fail "launcher did not start: $(screen)"
bg_launcher=$(ours 'pprotect-run .*read line')
wait_for "grep -q '^State:.*T' /proc/$bg_launcher/status" 5 ||
  fail "the background child reading the terminal did not stop the launcher: $(screen)"
keys "fg" Enter
sleep 0.3
keys "typed-in-the-foreground" Enter
wait_for "[ -s '$TMP/read' ]" 5 || fail "after fg the child could not read the terminal: $(screen)"
grep -qx 'got:typed-in-the-foreground' "$TMP/read" || fail "child read: $(cat "$TMP/read")"

# 4. Stdin from a pipe.
keys "clear" Enter
wait_for '! screen | grep -q got:' 5 || fail "screen not cleared: $(screen)"
keys "echo piped | \"$RUN\" --file \"$RAW_FILE\" --domain ci $RUN_EXTRA -- sh -c 'read a; read b </dev/tty; echo \"got:\$a:\$b\" >\"$TMP/read2\"'" Enter
sleep 0.5
keys "typed-on-the-terminal" Enter
wait_for "[ -s '$TMP/read2' ]" 5 || fail "with stdin a pipe the child could not read /dev/tty: $(screen)"
grep -qx 'got:piped:typed-on-the-terminal' "$TMP/read2" || fail "child read: $(cat "$TMP/read2")"
echo ok
