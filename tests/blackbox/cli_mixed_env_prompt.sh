#!/bin/bash
# User from the environment, passphrase from the prompt, as the reference asks.
source "$(dirname "$0")/cli_common.bash"

new_file
PPROTECT_USER=alice@example.com run $'alice pass\ndev\n' add-domain
expect_rc 0 "add-domain with user from env and passphrase prompted"
# stderr as the reference writes it (less Python's getpass warnings): the
# label, then the line break getpass writes once the answer is read.
expect_eq "stderr" "$ERR" "Verify passphrase for $WORK/protected.yaml (Using user alice@example.com from env var: PPROTECT_USER)
Passphrase: "
[ "$(tail -c 1 "$SCRATCH/err" | od -An -c | tr -d ' ')" = '\n' ] || fail "no line break after the hidden answer"
expect_eq "stdout" "$OUT" $'Adding new domain.\nDomain name: '

# And the other way round: -u given, passphrase from the environment.
PPROTECT_PASSPHRASE='alice pass' run '' list-user-secrets -u alice@example.com
expect_rc 0 "user flag + env passphrase"
expect_eq "stdout" "$OUT" "dev: (no secrets)"

# --non-interactive with a missing value fails instead of prompting.
PPROTECT_USER=alice@example.com run $'alice pass\n' list-user-secrets --non-interactive
expect_rc 1 "--non-interactive"
expect_not_contains "no prompt" "$ERR" "Passphrase: "

# --non-interactive with --ignore-env is a usage error.
run '' list-user-secrets --non-interactive --ignore-env
expect_rc 2 "--non-interactive --ignore-env"
finish
