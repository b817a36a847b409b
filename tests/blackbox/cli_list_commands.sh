#!/bin/bash
# Every list command: output on stdout, the empty-case notes on stderr.
source "$(dirname "$0")/cli_common.bash"

new_file
P="$WORK/protected.yaml"

run '' list-domains
expect_rc 0 "list-domains (empty)"
expect_eq "stdout" "$OUT" ""
expect_eq "stderr" "$ERR" "(No domains in protected at $P)"

run '' list-all-secrets
expect_eq "stderr" "$ERR" "(No secrets in protected at $P)"
expect_eq "stdout" "$OUT" ""

as_alice run '' list-user-secrets
expect_eq "stderr" "$ERR" "User alice@example.com does not own any domains."

as_alice run '' add-domain --domain prod
as_alice run '' add-domain --domain dev
run $'dev\ndb-url\npostgres://x\n' add-secret
run '' add-secret --domain dev --secret API_KEY --value-file /dev/null
run '' add-secret --domain prod --secret db-url --value-file /dev/null

run '' list-domains
expect_eq "list-domains" "$OUT" $'dev\nprod'
expect_eq "no note" "$ERR" ""

run '' list-domain-secrets dev
expect_eq "list-domain-secrets" "$OUT" $'API_KEY\ndb-url'

as_alice run '' add-domain --domain empty
run '' list-domain-secrets empty
expect_eq "empty domain note" "$ERR" "(No secrets in domain 'empty' of protected at $P)"
run '' list-domain-secrets --domain dev
expect_eq "--domain form" "$OUT" $'API_KEY\ndb-url'

run '' list-all-secrets
expect_eq "list-all-secrets" "$OUT" $'API_KEY: dev\ndb-url: dev, prod'

as_alice run '' list-user-secrets
expect_eq "list-user-secrets" "$OUT" $'dev: API_KEY, db-url\nempty: (no secrets)\nprod: db-url'

run '' list-audit-log
expect_rc 0 "list-audit-log"
lines="$(printf '%s\n' "$OUT" | sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z -- //')"
expect_eq "audit log" "$lines" "created
created key custodian alice@example.com
created domain prod with owner alice@example.com
created domain dev with owner alice@example.com
added secret db-url in dev
added secret API_KEY in dev
added secret db-url in prod
created domain empty with owner alice@example.com"

# An empty entry (a hand-edited file) is an empty line, as the reference
# prints it: one line per entry, whatever they hold.
printf "audit-log:\n- ''\n- x -- y\n- ''\nkey-custodians: {}\n" >"$WORK/empty-entry.yaml"
run '' list-audit-log --file "$WORK/empty-entry.yaml"
expect_rc 0 "list-audit-log with empty entries"
[ "$(wc -l <"$SCRATCH/out")" = 3 ] || fail "empty audit entries: $(od -c "$SCRATCH/out")"
expect_eq "empty entries kept" "$OUT" $'\nx -- y'

run '' list-domain-secrets nope
expect_rc 1 "unknown domain"
expect_contains "names the domain" "$ERR" "nope"
finish
