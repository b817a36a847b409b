#!/bin/bash
# exec: the child's environment as the reference composes it, exit status passed through.
source "$(dirname "$0")/cli_common.bash"

new_file
as_alice run '' add-domain --domain dev
run '' add-secret --domain dev --secret db-url --value-file <(printf 'postgres://x')
run '' add-secret --domain dev --secret PPROTECT_USER --value-file <(printf 'from-secret')

export KEEP_ME=kept
as_alice run '' exec --domain dev -- env
expect_rc 0 "exec env"
expect_contains "secret injected" "$OUT" "db-url=postgres://x"
expect_contains "passthrough" "$OUT" "KEEP_ME=kept"
expect_not_contains "passphrase scrubbed" "$OUT" "PPROTECT_PASSPHRASE="
expect_contains "a secret may be named PPROTECT_*" "$OUT" "PPROTECT_USER=from-secret"

as_alice run '' exec --domain dev --no-passthrough -- env
expect_not_contains "no passthrough" "$OUT" "KEEP_ME="
expect_contains "PATH kept" "$OUT" "PATH="

as_alice run '' exec --domain dev --uppercase --prefix APP -- env
expect_contains "prefix + uppercase" "$OUT" "APP_DB_URL=postgres://x"

# Custom prefix credentials are scrubbed too.
TEAM_USER=alice@example.com TEAM_PASSPHRASE='alice pass' run '' exec --env-prefix TEAM --domain dev -- env
expect_rc 0 "custom prefix"
expect_not_contains "TEAM_PASSPHRASE scrubbed" "$OUT" "TEAM_PASSPHRASE="
expect_not_contains "TEAM_USER scrubbed" "$OUT" "TEAM_USER="

# Collision after --uppercase.
run '' add-secret --domain dev --secret DB_URL --value-file <(printf 'other')
as_alice run '' exec --domain dev --uppercase -- env
expect_rc 1 "collision"
expect_contains "names the variable" "$ERR" "DB_URL"

# The child's status passes through.
as_alice run '' exec --domain dev -- sh -c 'exit 7'
expect_rc 7 "child status"

run '' exec -- env
expect_rc 2 "missing --domain"
expect_contains "message" "$ERR" "--domain is required for exec"
as_alice run '' exec --domain dev
expect_rc 2 "missing command"
expect_contains "message" "$ERR" "exec requires a command after --"
as_alice run '' exec --domain dev --file nope.yaml -- env
expect_rc 2 "missing file"
PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE=bad run '' exec --domain dev -- env
expect_rc 1 "bad credentials"
finish
