#!/bin/bash
# rotate-domain-keys: new domain key, same secrets, every owner still reads them.
source "$(dirname "$0")/cli_common.bash"

new_file
run $'bob@example.com\nbob pass\nbob pass\n' add-key-custodian --key-type fast
as_alice run '' add-domain --domain dev
as_alice run $'dev\nbob@example.com\n' add-owner
run '' add-secret --domain dev --secret token --value-file <(printf 's3cret')
before_key="$(grep -A2 'meta:' protected.yaml | grep public-key)"

PPROTECT_USER=bob@example.com PPROTECT_PASSPHRASE='bob pass' run $'dev\n' rotate-domain-keys
expect_rc 0 "rotate as bob"
expect_eq "prompt" "$OUT" "Domain name: "
after_key="$(grep -A2 'meta:' protected.yaml | grep public-key)"
[ "$before_key" != "$after_key" ] || fail "public key did not change"

as_alice run '' decrypt-domain dev --secret token
expect_eq "alice reads after rotation" "$OUT" "s3cret"
PPROTECT_USER=bob@example.com PPROTECT_PASSPHRASE='bob pass' run '' decrypt-domain dev --secret token
expect_eq "bob reads after rotation" "$OUT" "s3cret"
run '' list-audit-log
expect_contains "audit" "$OUT" "-- rotated key for domain dev"

PPROTECT_USER=bob@example.com PPROTECT_PASSPHRASE='bob pass' run '' rotate-domain-keys --domain nope
expect_rc 1 "rotating a missing domain"
finish
