#!/usr/bin/env bash
# One relay serves every child of --restart: each one's output is masked,
# through the same pipes, and all of it is written. With --watch a new
# value is masked from the child's first byte, and the value it replaced
# still is (a rotated secret may still be valid).
source "$(dirname "$0")/run_common.bash"
PPROTECT=$PPROTECT_BIN_DIR/pprotect

set +e
out=$(run --mask --restart on-failure --max-restarts 2 --restart-delay 0.05 --quiet -- \
  sh -c 'echo "run $DEPLOY_TOKEN"; echo "err $DEPLOY_TOKEN" >&2; printf "held tok-01"; exit 3' 2>"$TMP/err")
code=$?
set -e
expect_eq "--restart: the last child's status" "$code" 3
expect_eq "--restart: every child's output, masked" "$out" \
  "run [REDACTED:DEPLOY_TOKEN]
held tok-01run [REDACTED:DEPLOY_TOKEN]
held tok-01run [REDACTED:DEPLOY_TOKEN]
held tok-01"
expect_eq "--restart: every child's stderr, masked" "$(cat "$TMP/err")" \
  "err [REDACTED:DEPLOY_TOKEN]
err [REDACTED:DEPLOY_TOKEN]
err [REDACTED:DEPLOY_TOKEN]"

# A held tail (it may begin a secret) is written when its child ends, not
# when the next child writes: before the notice of the restart, and long
# before the next child starts (a delay of 5 s, far beyond the relay's
# wait of a fraction of one, so a loaded machine passes too).
run --mask --restart on-failure --max-restarts 1 --restart-delay 5 -- \
  sh -c 'if [ -e "$0/started" ]; then echo second >"$0/second"; echo "next run"; exit 0; fi
         : >"$0/started"; printf "Error: bad token tok-0"; exit 1' "$TMP" >"$TMP/held" 2>&1 &
launcher=$!
on_exit "kill -9 $launcher 2>/dev/null"
wait_for "grep -qs 'tok-0' '$TMP/held'" 4 || fail "--restart: the held tail did not come: $(cat "$TMP/held")"
[ ! -e "$TMP/second" ] || fail "--restart: the held tail came only with the next child: $(cat "$TMP/held")"
wait "$launcher" || fail "--restart: the second child's status"
held=$(cat "$TMP/held")
case $held in
"Error: bad token tok-0"*"restarting the child in 5"*"next run") ;;
*) fail "--restart: the held tail, the notice, the next child's output in that order: $held" ;;
esac

# --watch: the value changes while the child runs; the next child prints
# the new one and the old one.
cp "$RAW_FILE" "$TMP/p.yaml"
cat >"$TMP/child.sh" <<'SH'
echo "value $DEPLOY_TOKEN old tok-0123456789abcdef"
exec sleep 30
SH
"$RUN" --file "$TMP/p.yaml" --domain ci --mask --watch --quiet -- sh "$TMP/child.sh" >"$TMP/watch-out" &
launcher=$!
on_exit "kill -9 $launcher 2>/dev/null"
wait_for "grep -qs value '$TMP/watch-out'" || fail "--watch: the child did not start"
printf %s 'new-value-0123456789' >"$TMP/new"
"$PPROTECT" update-secret --file "$TMP/p.yaml" --domain ci --secret DEPLOY_TOKEN --value-file "$TMP/new" >/dev/null
wait_for '[ "$(grep -c value "$TMP/watch-out")" -ge 2 ]' 20 || fail "--watch: no restart: $(cat "$TMP/watch-out")"
kill -TERM "$launcher"
wait "$launcher" 2>/dev/null || true
expect_eq "--watch: the new value and the old one are masked" "$(cat "$TMP/watch-out")" \
  "value [REDACTED:DEPLOY_TOKEN] old [REDACTED:DEPLOY_TOKEN]
value [REDACTED:DEPLOY_TOKEN] old [REDACTED:DEPLOY_TOKEN]"
finish
