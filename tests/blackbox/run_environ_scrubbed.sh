#!/usr/bin/env bash
# Once the child runs, /proc/<launcher>/environ (the original environment
# block, which unsetenv does not clear) holds no passphrase and no user
# variable; the child's environment has the secret but no credential variable.
source "$(dirname "$0")/run_common.bash"

for prefix in "" CUSTOM; do
  if [ -n "$prefix" ]; then
    export CUSTOM_USER=$RAW_USER CUSTOM_PASSPHRASE=$RAW_PASSPHRASE PPROTECT_ENV_PREFIX=CUSTOM
    unset PPROTECT_USER PPROTECT_PASSPHRASE
  fi
  run_bg -- sh -c 'echo ready; exec sleep 30' >"$TMP/out"
  wait_for "grep -qs ready '$TMP/out'" || fail "child did not start"
  child=$(child_of "$LAUNCHER")
  tr '\0' '\n' <"/proc/$LAUNCHER/environ" >"$TMP/launcher-env"
  tr '\0' '\n' <"/proc/$child/environ" >"$TMP/child-env"
  grep -q "$RAW_PASSPHRASE" "$TMP/launcher-env" && fail "passphrase in /proc/<launcher>/environ ($prefix)"
  grep -q "P963b19ddf98f" "$TMP/launcher-env" && fail "part of the passphrase in /proc/<launcher>/environ ($prefix)"
  grep -q "$RAW_USER" "$TMP/launcher-env" && fail "user in /proc/<launcher>/environ ($prefix)"
  grep -Eq '^(PPROTECT|CUSTOM)_(USER|PASSPHRASE)' "$TMP/launcher-env" && fail "credential variable names left in /proc/<launcher>/environ ($prefix)"
  grep -q '^PATH=' "$TMP/launcher-env" || fail "the rest of /proc/<launcher>/environ is gone ($prefix)"
  grep -q "$RAW_PASSPHRASE" "$TMP/child-env" && fail "passphrase in the child's environment ($prefix)"
  grep -Eq '^(PPROTECT|CUSTOM)_(USER|PASSPHRASE)=' "$TMP/child-env" && fail "credential variable in the child ($prefix)"
  grep -qx 'DEPLOY_TOKEN=tok-0123456789abcdef' "$TMP/child-env" || fail "secret missing in the child ($prefix)"
  grep -q '^PATH=' "$TMP/child-env" || fail "passthrough lost PATH"
  kill "$LAUNCHER"
  wait "$LAUNCHER" 2>/dev/null || true
done
echo ok
