#!/bin/bash
# init on an existing file: exit 2 with the reference's message, file untouched.
source "$(dirname "$0")/cli_common.bash"

new_file
before="$(cat protected.yaml)"
run $'bob@example.com\nx\nx\n' init
expect_rc 2 "second init"
expect_eq "stderr" "$ERR" "error: Protected file already exists: $WORK/protected.yaml"
expect_eq "file unchanged" "$(cat protected.yaml)" "$before"
expect_not_contains "no prompt before the check" "$OUT" "User email"

# And the missing-file counterpart: exit 2.
run '' list-domains --file nothere.yaml
expect_rc 2 "missing file"
expect_eq "stderr" "$ERR" "error: Protected file not found: $WORK/nothere.yaml"
finish
