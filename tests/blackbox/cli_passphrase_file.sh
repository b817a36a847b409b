#!/bin/bash
# --passphrase-file: stripped of surrounding whitespace, used before the environment.
source "$(dirname "$0")/cli_common.bash"

new_file
printf '  alice pass \n\n' >pass.txt
PPROTECT_PASSPHRASE=wrong run '' add-domain -u alice@example.com --passphrase-file pass.txt --domain dev
expect_rc 0 "add-domain with a passphrase file"
run '' list-domains
expect_eq "domain added" "$OUT" "dev"

# A missing passphrase file is an error naming the file, exit 1.
run '' list-user-secrets -u alice@example.com --passphrase-file missing.txt
expect_rc 1 "missing passphrase file"
expect_contains "stderr" "$ERR" "$WORK/missing.txt"

# init can take its passphrase from a file too (no retype needed).
printf 'bob pass\n' >bob.txt
run '' init --file second.yaml --key-type fast -u bob@example.com --passphrase-file bob.txt
expect_rc 0 "non-interactive init"
run '' list-user-secrets --file second.yaml -u bob@example.com --passphrase-file bob.txt
expect_rc 0 "bob's passphrase from the file works"
expect_eq "note" "$ERR" "User bob@example.com does not own any domains."
finish
