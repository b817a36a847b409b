#!/bin/bash
# migrate-owner: lists the domains, asks, and adds the owner only on yes.
source "$(dirname "$0")/cli_common.bash"

new_file
run $'bob@example.com\nbob pass\nbob pass\n' add-key-custodian --key-type fast
as_alice run '' add-domain --domain prod
as_alice run '' add-domain --domain dev
before="$(cat protected.yaml)"

as_alice run $'bob@example.com\nn\n' migrate-owner
expect_rc 0 "declined"
expect_eq "stdout" "$OUT" $'New owner email: Will add bob@example.com as owner to: dev, prod\nProceed? [y/N] Aborting.'
expect_eq "nothing written" "$(cat protected.yaml)" "$before"

as_alice run $'bob@example.com\n\n' migrate-owner
expect_eq "empty answer declines" "$(cat protected.yaml)" "$before"

as_alice run $'bob@example.com\nYes\n' migrate-owner
expect_rc 0 "accepted"
PPROTECT_USER=bob@example.com PPROTECT_PASSPHRASE='bob pass' run '' list-user-secrets
expect_eq "bob owns both" "$OUT" $'dev: (no secrets)\nprod: (no secrets)'
run '' list-audit-log
expect_contains "audit dev" "$OUT" "-- alice@example.com added owner bob@example.com to dev"
expect_contains "audit prod" "$OUT" "-- alice@example.com added owner bob@example.com to prod"

# Scripted: --owner and --yes, no prompt at all.
run $'carol@example.com\ncarol pass\ncarol pass\n' add-key-custodian --key-type fast
as_alice run '' migrate-owner --owner carol@example.com --yes </dev/null
expect_rc 0 "scripted migrate"
expect_not_contains "no prompt" "$OUT" "Proceed?"

# An owner of nothing is told so.
run $'dave@example.com\nd\nd\n' add-key-custodian --key-type fast
PPROTECT_USER=dave@example.com PPROTECT_PASSPHRASE=d run $'bob@example.com\n' migrate-owner
expect_rc 0 "owner of nothing"
expect_contains "message" "$OUT" "You do not own any domains."

# An unknown new owner is an error and writes nothing.
before="$(cat protected.yaml)"
as_alice run '' migrate-owner --owner nobody@example.com --yes
expect_rc 1 "unknown new owner"
expect_eq "nothing written" "$(cat protected.yaml)" "$before"
finish
