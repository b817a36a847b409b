#!/usr/bin/env bash
# In a terminal a passphrase helper holds the foreground while it runs: it
# can ask there (as sudo or `op signin` do) and pprotect-run uses what it
# prints; Ctrl-C at its prompt ends the helper only, and pprotect-run exits
# 130 in one line with no child started; either way the terminal comes back
# to the shell. The same for pprotect.
source "$(dirname "$0")/run_common.bash"
unset PPROTECT_USER PPROTECT_PASSPHRASE
PPROTECT=$PPROTECT_BIN_DIR/pprotect

# The helper asks on the terminal and prints the answer.
ASKING='printf "helper asks: " >/dev/tty; read -r answer </dev/tty; printf "%s\n" "$answer"'
session() { # name command...: runs command in the terminal, then records rc and groups
  cat >"$TMP/$1.sh" <<SH
$2 2>"$TMP/$1.err"
echo \$? >"$TMP/$1.rc.tmp"
ps -o pgid=,tpgid= -p \$\$ >"$TMP/$1.groups"
mv "$TMP/$1.rc.tmp" "$TMP/$1.rc"
sleep 30
SH
  start_tmux bash "$TMP/$1.sh"
  wait_for "screen | grep -q 'helper asks:'" || fail "$1: the helper did not ask: $(screen)"
}
finished() { # name expected-rc what
  wait_for "[ -e '$TMP/$1.rc' ]" 20 || fail "$1: did not end: $(screen)"
  expect_eq "$3" "$(cat "$TMP/$1.rc")" "$2"
  local pgid tpgid
  read -r pgid tpgid <"$TMP/$1.groups"
  expect_eq "$1: the terminal is the shell's again" "$tpgid" "$pgid"
}

run_cmd="'$RUN' --file '$RAW_FILE' --domain ci -u $RAW_USER --passphrase-command '$ASKING' -- sh -c 'printf %s \"\$DEPLOY_TOKEN\" >\"$TMP/token\"'"
session answered "$run_cmd"
keys "$RAW_PASSPHRASE" Enter
finished answered 0 "pprotect-run uses what a helper asked for on the terminal"
expect_eq "and the child got its secret" "$(cat "$TMP/token")" "tok-0123456789abcdef"
rm -f "$TMP/token"

session interrupted "$run_cmd"
keys C-c
finished interrupted 130 "Ctrl-C at the helper's prompt: pprotect-run exits 130"
expect_eq "in one line" "$(cat "$TMP/interrupted.err")" \
  "pprotect-run: error: passphrase command was killed by signal 2 (from --passphrase-command)"
[ ! -e "$TMP/token" ] || fail "the child ran after Ctrl-C"

session admin "'$PPROTECT' decrypt-domain ci --file '$RAW_FILE' -u $RAW_USER --passphrase-command '$ASKING'"
keys C-c
finished admin 130 "Ctrl-C at the helper's prompt: pprotect exits 130"
expect_eq "in one line" "$(cat "$TMP/admin.err")" \
  "error: passphrase command was killed by signal 2 (from --passphrase-command)"
finish
