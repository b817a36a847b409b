#!/bin/bash
# --confirm: the unified diff, then "Write changes? [y/N] "; only yes writes.
source "$(dirname "$0")/cli_common.bash"

new_file
as_alice run '' add-domain --domain dev
before="$(cat protected.yaml)"

run $'n\n' add-secret --domain dev --secret K --value-file /dev/null --confirm
expect_rc 0 "declined"
expect_eq "nothing written" "$(cat protected.yaml)" "$before"
expect_contains "header" "$OUT" $'Changes to be written:\n\n--- '"$WORK/protected.yaml.old"$'\n\n+++ '"$WORK/protected.yaml.new"
expect_contains "added line" "$OUT" $'\n+  secret-K: '
expect_contains "audit line" "$OUT" "+- "
expect_contains "question" "$OUT" $'Write changes? [y/N] Aborting...'
expect_not_contains "no color on a pipe" "$OUT" $'\e['

run $'y\n' --confirm rm-domain --domain dev
expect_rc 0 "accepted"
run '' list-domains
expect_contains "domain removed" "$ERR" "No domains"

# init --confirm declined leaves no file.
run $'bob@example.com\nb\nb\nn\n' init --file other.yaml --key-type fast --confirm
expect_rc 0 "init declined"
[ ! -e other.yaml ] || fail "declined init left other.yaml"
finish
