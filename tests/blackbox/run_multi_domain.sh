#!/usr/bin/env bash
# Several --domain: one unlock, the secrets of all of them in order; a name
# two domains give is an error naming both unless --domain-prefix; a domain
# the custodian does not own is an error naming it.
source "$(dirname "$0")/run_common.bash"
# The fixture: ci (DEPLOY_TOKEN) and dev (API_KEY, db-pass) are ci's; prod
# (db-pass too) is alice's only; alice owns dev and prod.
out=$(run -d dev --uppercase -- sh -c 'echo "$DEPLOY_TOKEN $API_KEY $DB_PASS"')
expect_eq "ci and dev together, one unlock" "$out" "tok-0123456789abcdef key123 dev-pa55"
out=$(run -d dev --uppercase --domain-prefix -- sh -c 'echo "$CI_DEPLOY_TOKEN $DEV_API_KEY $DEV_DB_PASS ${DB_PASS-unset}"')
expect_eq "--domain-prefix names each after its domain" "$out" "tok-0123456789abcdef key123 dev-pa55 unset"
out=$(run -d dev --prefix APP --uppercase --domain-prefix -- sh -c 'echo "$APP_DEV_API_KEY"')
expect_eq "after --prefix" "$out" key123
out=$(run -d dev --uppercase --secret-file dev/db-pass -- sh -c 'cat "$DB_PASS_FILE"')
expect_eq "a secret file from the second domain" "$out" dev-pa55

as_alice() { PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='alice passphrase' "$@"; }
set +e
err=$(as_alice "$RUN" --file "$RAW_FILE" -d dev -d prod --uppercase -- touch "$TMP/ran" 2>&1)
code=$?
set -e
expect_eq "a collision is exit 125" "$code" 125
expect_contains "naming both domains" "$err" "db-pass of domain 'dev' and db-pass of domain 'prod' both map to DB_PASS"
expect_contains "and the way out" "$err" "--domain-prefix"
[ ! -e "$TMP/ran" ] || fail "the command ran"
out=$(as_alice "$RUN" --file "$RAW_FILE" -d dev -d prod --uppercase --domain-prefix -- \
  sh -c 'echo "$DEV_DB_PASS|$PROD_DB_PASS"')
expect_eq "with --domain-prefix both come" "$out" "dev-pa55|pr0d p@ss\$word \`id\` \"q\" 's'"
set +e
err=$(run -d prod -- true 2>&1)
code=$?
set -e
expect_eq "a domain not the custodian's is exit 125" "$code" 125
expect_contains "naming it" "$err" "ci@example.com is not an owner of prod"
set +e
err=$(run -d nope -- true 2>&1)
code=$?
set -e
expect_eq "a missing domain is exit 125" "$code" 125
expect_contains "naming it" "$err" "no domain named 'nope'"
set +e
err=$(run -d ci -- true 2>&1)
code=$?
set -e
expect_eq "the same domain twice is a usage error" "$code" 125
finish
