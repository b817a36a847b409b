#!/bin/bash
# containers/mcp: the official MCP TypeScript SDK's stdio client starts the
# example server through pprotect-run exactly as mcp-config.json says, lists
# its tools, calls one proving the secret arrived, and checks that stdout
# carried JSON-RPC only and that nothing outlives the client; then all of it
# again with --mask, which relays the server's stdout through pprotect-run.
source "$(dirname "$0")/common.bash"
command -v node >/dev/null || skip "node not installed"
mcp=$CONTAINERS/mcp
if [[ ! -d $mcp/node_modules/@modelcontextprotocol/sdk ]]; then
  # scripts/install-deps.sh runs `npm ci` here; fail rather than skip when it
  # did not, so CI notices.
  fail "$mcp/node_modules is missing: run scripts/install-deps.sh (npm ci in containers/mcp)"
  finish
fi
make_passphrase_file "$WORK/passphrase"
for extra in "" --mask; do
  set +e
  PPROTECT_RUN=$RUN_BIN PROTECTED_FILE=$FIXTURE_FILE PASSPHRASE_FILE=$WORK/passphrase \
    EXPECTED_SECRET=$FIXTURE_TOKEN SERVER_PID_FILE=$WORK/server.pid EXTRA_RUN_ARGS=$extra \
    node "$mcp/sdk-client-test.mjs"
  rc=$?
  set -e
  expect_eq "the SDK client test passes${extra:+ with $extra}" "$rc" 0
done
finish
