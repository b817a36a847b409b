#!/bin/bash
# init with a mistyped retype fails, says so, and leaves no file behind.
source "$(dirname "$0")/cli_common.bash"

run $'alice@example.com\nfirst\nsecond\n' init --key-type fast
expect_rc 1 "init with mismatched passphrases"
expect_contains "stderr" "$ERR" "error: Sorry, inputs did not match."
expect_contains "prompts on stdout" "$OUT" $'Adding new key custodian.\nUser email: '
# As the reference writes it (less Python's getpass warnings): a line break
# after each hidden answer.
expect_eq "stderr" "$ERR" $'Passphrase: \nRetype passphrase: \nerror: Sorry, inputs did not match.'
[ ! -e protected.yaml ] || fail "protected.yaml left behind after a failed init"
[ -z "$(ls -A)" ] || fail "files left behind: $(ls -A)"

# End of input in the middle of init: exit 1, nothing left either.
run $'alice@example.com\n' init
expect_rc 1 "init with input ending"
[ ! -e protected.yaml ] || fail "protected.yaml left behind after input ended"
finish
