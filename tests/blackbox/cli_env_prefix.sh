#!/bin/bash
# --env-prefix beats PPROTECT_ENV_PREFIX, which beats the default PPROTECT.
source "$(dirname "$0")/cli_common.bash"

new_file
export PPROTECT_USER=wrong@example.com PPROTECT_PASSPHRASE=wrong
export TEAM_USER=alice@example.com TEAM_PASSPHRASE='alice pass'
export OTHER_USER=alice@example.com OTHER_PASSPHRASE='bad'

run '' list-user-secrets --non-interactive
expect_rc 1 "default prefix reads PPROTECT_*"
expect_contains "source named" "$ERR" "(from env var: PPROTECT_USER)"

PPROTECT_ENV_PREFIX=TEAM run '' list-user-secrets --non-interactive
expect_rc 0 "PPROTECT_ENV_PREFIX=TEAM reads TEAM_*"

PPROTECT_ENV_PREFIX=TEAM run '' list-user-secrets --non-interactive --env-prefix OTHER
expect_rc 1 "--env-prefix wins over PPROTECT_ENV_PREFIX"
expect_contains "source named" "$ERR" "(from env var: OTHER_PASSPHRASE)"

PPROTECT_ENV_PREFIX=OTHER run '' --env-prefix TEAM list-user-secrets --non-interactive
expect_rc 0 "--env-prefix before the subcommand"

# --ignore-env ignores them all and prompts.
PPROTECT_ENV_PREFIX=TEAM run $'alice@example.com\nalice pass\n' list-user-secrets --ignore-env
expect_rc 0 "--ignore-env prompts"
expect_contains "prompted" "$ERR" "Verify credentials for"
finish
