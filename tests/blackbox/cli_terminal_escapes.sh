#!/bin/bash
# A domain name holding an escape sequence (anyone who can commit to the
# file can add one) reaches a terminal escaped by the list commands, so it
# cannot set the window title, move the cursor or write the clipboard; in a
# pipe the bytes stay as they are, for scripts.
source "$(dirname "$0")/cli_common.bash"
command -v script >/dev/null || fail "script(1) is not installed (util-linux)"

new_file
hostile=$'evil\e]0;pwned\a\e[2J'
as_alice run '' add-domain --domain "$hostile"
expect_rc 0 "add-domain with an escape sequence"
run '' add-secret --domain "$hostile" --secret token --value-file /dev/null

# In a pipe: the bytes as they are.
"$PPROTECT" list-domains >"$SCRATCH/piped"
printf '%s\n' "$hostile" | cmp -s - "$SCRATCH/piped" || fail "list-domains changed the bytes in a pipe: $(od -c "$SCRATCH/piped")"

# In a terminal (script(1) gives each command a pseudo-terminal): escaped,
# for every list command.
for cmd in list-domains list-all-secrets list-audit-log; do
  script -qfec "$PPROTECT $cmd" /dev/null </dev/null
done >"$SCRATCH/tty" 2>&1
tty_out=$(cat "$SCRATCH/tty")
expect_not_contains "no raw ESC reaches the terminal" "$tty_out" $'\e'
expect_not_contains "no raw BEL reaches the terminal" "$tty_out" $'\a'
expect_contains "list-domains shows it escaped" "$tty_out" 'evil\x1b]0;pwned\x07\x1b[2J'
expect_contains "list-all-secrets too" "$tty_out" 'token: evil\x1b]0;pwned'
expect_contains "list-audit-log too" "$tty_out" 'created domain evil\x1b]0;pwned'
finish
