#!/bin/bash
# Bad credentials: exit 1 and a message naming where each value came from.
source "$(dirname "$0")/cli_common.bash"

new_file
msg_tail="Check credentials and try again."

PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE=wrong run '' add-domain --domain dev
expect_rc 1 "wrong env passphrase"
expect_eq "stderr" "$ERR" "error: Invalid user email (from env var: PPROTECT_USER) or passphrase (from env var: PPROTECT_PASSPHRASE). $msg_tail"

printf 'wrong\n' >pass.txt
run '' list-user-secrets -u alice@example.com --passphrase-file pass.txt
expect_rc 1 "wrong passphrase file"
expect_eq "stderr" "$ERR" "error: Invalid user email (from argument) or passphrase (from passphrase file: $WORK/pass.txt). $msg_tail"

run $'mallory@example.com\nalice pass\n' list-user-secrets
expect_rc 1 "unknown user at the prompt"
expect_eq "stdout" "$OUT" "User email: "
expect_contains "stderr" "$ERR" "Verify credentials for $WORK/protected.yaml"
expect_contains "stderr" "$ERR" "error: Invalid user email (from stdin) or passphrase (from stdin). $msg_tail"

PPROTECT_USER= PPROTECT_PASSPHRASE= run '' list-user-secrets
expect_rc 1 "empty credentials"
expect_contains "stderr" "$ERR" "$msg_tail (Warning: Empty user ID and passphrase.)"

# A wrong passphrase from a file never falls back to the environment.
PPROTECT_PASSPHRASE='alice pass' run '' list-user-secrets -u alice@example.com --passphrase-file pass.txt
expect_rc 1 "file wins over env"

# Nothing was written by any of these.
run '' list-domains
expect_contains "no domain added" "$ERR" "(No domains in protected at"
finish
