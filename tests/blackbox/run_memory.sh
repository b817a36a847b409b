#!/usr/bin/env bash
# While the child runs, the supervisor stays at most 4 MiB resident, even
# after a hard custodian's 256 MiB Argon2id (fixture hard.yaml).
source "$(dirname "$0")/run_common.bash"
limit_kb=4096
# Sanitizers keep megabytes of shadow memory: the figure means nothing there.
if grep -qs '^PPROTECT_SANITIZE:BOOL=ON' "${PPROTECT_BUILD_DIR:-/nonexistent}/CMakeCache.txt"; then
  skip "sanitizer build"
fi

export PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='alice passphrase'
"$RUN" --file "$PPROTECT_FIXTURES/hard.yaml" --domain prod --uppercase -- sh -c 'echo ready; exec sleep 60' >"$TMP/out" &
launcher=$!
on_exit "kill -9 $launcher"
wait_for "grep -qs ready '$TMP/out'" 30 || fail "child did not start"
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$launcher/status"; }
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$launcher/status")
[ "$hwm" -gt 200000 ] || fail "peak RSS $hwm kB: the 256 MiB derivation did not run?"
# The supervisor settles within moments of the start; give it up to 5 s.
wait_for '[ "$(rss)" -le $limit_kb ]' 5 || fail "supervisor RSS $(rss) kB > $limit_kb kB (peak $hwm kB)"
echo "ok: RSS $(rss) kB (peak during unlock $hwm kB)"
