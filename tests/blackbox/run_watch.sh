#!/usr/bin/env bash
# --watch: `pprotect update-secret` on the file restarts the child with the
# new value within a second (no key derivation, no prompt: the credential
# variables are gone by then); --on-change signal:HUP rewrites the secret
# files and sends HUP instead; a file that no longer loads or no longer
# grants access keeps the child on its old secrets, said once; a change of
# a secret the child does not get restarts and signals nothing (with
# --mask it is masked from then on).
source "$(dirname "$0")/run_common.bash"
PPROTECT=$PPROTECT_BIN_DIR/pprotect
cp "$RAW_FILE" "$TMP/p.yaml"
update() { # value [domain secret]
  printf '%s' "$1" | "$PPROTECT" update-secret --file "$TMP/p.yaml" --domain "${2:-ci}" \
    --secret "${3:-DEPLOY_TOKEN}" --value-file - >/dev/null
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
WATCHED=("$RUN" --file "$TMP/p.yaml" --domain ci --watch "${RUN_OPTIONS[@]}") # started with & itself: $! is its pid

# 1. restart (the default): each start logs its value.
# shellcheck disable=SC2016
"${WATCHED[@]}" -- sh -c 'echo "$DEPLOY_TOKEN" >>"$0/values"; trap "exit 0" TERM; while :; do sleep 0.05; done' \
  "$TMP" 2>"$TMP/err" &
launcher=$!
on_exit "kill -9 $launcher"
wait_for "[ -s '$TMP/values' ]" || fail "child did not start"
first_child=$(child_of "$launcher")
changed_at=$(now_ms)
update new-value-1
wait_for "grep -qx new-value-1 '$TMP/values'" 5 || fail "no restart with the new value: $(cat "$TMP/values")"
took=$(($(now_ms) - changed_at))
((took <= 1000)) || fail "the restart took $took ms (more than 1 s)"
pass "update-secret restarted the child with the new value in $took ms"
expect_eq "the first child is gone" "$(kill -0 "$first_child" 2>/dev/null && echo alive)" ""
expect_contains "a line says why" "$(cat "$TMP/err")" "p.yaml changed; restarting the child with its new secrets"

# A rewrite with the same secrets (a reformat, an audit entry) is no change.
"$PPROTECT" add-domain --file "$TMP/p.yaml" --domain extra >/dev/null
sleep 0.6
expect_eq "a change that leaves the child's secrets alone restarts nothing" "$(wc -l <"$TMP/values")" 2

# A file that no longer loads: the child keeps running, one line says why,
# however often the broken file is written.
cp "$TMP/p.yaml" "$TMP/good.yaml"
child=$(child_of "$launcher")
echo 'ci: [' >"$TMP/p.yaml"
sleep 0.5
echo 'ci: [ ' >"$TMP/p.yaml"
sleep 0.5
alive "$child" || fail "a broken file stopped the child"
expect_eq "said once" "$(grep -c 'keeps its secrets' "$TMP/err")" 1
expect_contains "naming where it broke" "$(cat "$TMP/err")" "p.yaml:1:"
# No longer granting access: the custodian's key pair replaced (a new
# passphrase), then the good file back.
cp "$TMP/good.yaml" "$TMP/p.yaml"
sleep 0.5
printf 'a new passphrase\n' >"$TMP/new-passphrase"
printf '%s\n' "$RAW_PASSPHRASE" >"$TMP/passphrase"
"$PPROTECT" rekey-custodian --file "$TMP/p.yaml" -u "$RAW_USER" --passphrase-file "$TMP/passphrase" \
  --key-type fast --new-passphrase-file "$TMP/new-passphrase" >/dev/null || fail "rekey-custodian failed"
sleep 0.6
alive "$child" || fail "a file that no longer grants access stopped the child"
expect_contains "a key that no longer opens the file is said" "$(tail -n1 "$TMP/err")" "keeps its secrets"
expect_contains "as the custodian's key" "$(tail -n1 "$TMP/err")" "key custodian"
expect_eq "and no restart came of it" "$(wc -l <"$TMP/values")" 2
kill -TERM "$launcher"
wait "$launcher" || fail "pprotect-run --watch did not end with its child's 0 after SIGTERM"
cp "$RAW_FILE" "$TMP/p.yaml"

# 2. --on-change signal:HUP: the memfd and the secret directory hold the new
# value when HUP comes; the environment keeps the one the child started with.
rm -f "$TMP/values"
# shellcheck disable=SC2016
"${WATCHED[@]}" --on-change signal:HUP --secret-file DEPLOY_TOKEN --secret-dir -- sh -c '
  echo "start $(cat "$DEPLOY_TOKEN_FILE")" >>"$0/values"
  on_hup() { echo "hup $(cat "$DEPLOY_TOKEN_FILE") $(cat "$SECRETS_DIR/DEPLOY_TOKEN") $DEPLOY_TOKEN" >>"$0/values"; }
  trap on_hup HUP
  trap "exit 0" TERM
  while :; do sleep 0.05; done' "$TMP" 2>"$TMP/err" &
launcher=$!
on_exit "kill -9 $launcher"
wait_for "[ -s '$TMP/values' ]" || fail "child did not start"
child=$(child_of "$launcher")
update 'a longer value than before'
wait_for "grep -q '^hup' '$TMP/values'" 5 || fail "no HUP came: $(cat "$TMP/values") $(cat "$TMP/err")"
expect_eq "HUP came with the new file contents" "$(grep '^hup' "$TMP/values")" \
  "hup a longer value than before a longer value than before tok-0123456789abcdef"
update v3
wait_for "[ \$(grep -c '^hup' '$TMP/values') = 2 ]" 5 || fail "no second HUP"
expect_eq "a shorter value shrinks the file" "$(grep '^hup' "$TMP/values" | tail -n1)" \
  "hup v3 v3 tok-0123456789abcdef"
expect_eq "the same child all along" "$(child_of "$launcher")" "$child"
# HUP is the reload signal here: sent to pprotect-run it is passed on, and
# ends nothing.
kill -HUP "$launcher"
wait_for "[ \$(grep -c '^hup' '$TMP/values') = 3 ]" 5 || fail "a HUP to pprotect-run was not passed on"
alive "$launcher" || fail "HUP ended pprotect-run although --on-change uses it"
kill -TERM "$launcher"
wait "$launcher" || true

# 3. Only the child's secrets count: dev's API_KEY changed under
# `-d ci -d dev --only DEPLOY_TOKEN` is no reason to restart or signal it,
# whether it gets DEPLOY_TOKEN as a variable, a file or in the directory.
for on_change in restart signal:HUP; do
  cp "$RAW_FILE" "$TMP/p.yaml"
  rm -f "$TMP/values"
  # shellcheck disable=SC2016
  "$RUN" --file "$TMP/p.yaml" -d ci -d dev --only DEPLOY_TOKEN --watch "${RUN_OPTIONS[@]}" \
    --on-change "$on_change" --secret-file DEPLOY_TOKEN --secret-dir -- sh -c '
    echo "start $DEPLOY_TOKEN ${API_KEY-none}" >>"$0/values"
    trap "echo hup \$(cat \"\$DEPLOY_TOKEN_FILE\") \$(cat \"\$SECRETS_DIR/DEPLOY_TOKEN\") >>\"$0/values\"" HUP
    trap "exit 0" TERM
    while :; do sleep 0.05; done' "$TMP" 2>"$TMP/err" &
  launcher=$!
  on_exit "kill -9 $launcher"
  wait_for "[ -s '$TMP/values' ]" || fail "child did not start ($on_change)"
  child=$(child_of "$launcher")
  update unrelated-new-value dev API_KEY
  sleep 0.6
  expect_eq "$on_change: a secret the child does not get changed: nothing done" "$(cat "$TMP/values")" \
    "start tok-0123456789abcdef none"
  expect_eq "$on_change: the same child" "$(child_of "$launcher")" "$child"
  if grep -q 'changed; ' "$TMP/err"; then fail "$on_change: said to act: $(cat "$TMP/err")"; fi
  update its-own-new-value
  if [ "$on_change" = restart ]; then
    wait_for "grep -q 'start its-own-new-value' '$TMP/values'" 5 || fail "no restart: $(cat "$TMP/values")"
    pass "a change of its own secret still restarts it"
  else
    wait_for "grep -qx 'hup its-own-new-value its-own-new-value' '$TMP/values'" 5 ||
      fail "no HUP: $(cat "$TMP/values")"
    pass "a change of its own secret still signals it"
  fi
  kill -TERM "$launcher"
  wait "$launcher" || true
done

# 4. --mask masks every secret of the domains, those the child does not get
# too: a new value of one of those is masked from the reload on, and the
# child keeps running.
cp "$RAW_FILE" "$TMP/p.yaml"
rm -f "$TMP/values" "$TMP/say"
# shellcheck disable=SC2016
"$RUN" --file "$TMP/p.yaml" -d ci -d dev --only DEPLOY_TOKEN --watch --mask -- sh -c '
  echo start >>"$0/values"
  trap "exit 0" TERM
  while :; do if [ -e "$0/say" ]; then cat "$0/say"; rm "$0/say"; fi; sleep 0.05; done' "$TMP" \
  >"$TMP/out" 2>"$TMP/err" &
launcher=$!
on_exit "kill -9 $launcher"
wait_for "[ -s '$TMP/values' ]" || fail "child did not start (--mask)"
child=$(child_of "$launcher")
update unrelated-secret-value-42 dev API_KEY
sleep 0.6
echo "said: unrelated-secret-value-42" >"$TMP/say"
wait_for "grep -q '^said' '$TMP/out'" 5 || fail "the child did not write: $(cat "$TMP/err")"
expect_eq "--mask: the new value of a secret the child does not get is masked" "$(cat "$TMP/out")" \
  "said: [REDACTED:API_KEY]"
expect_eq "--mask: without a restart" "$(child_of "$launcher"):$(wc -l <"$TMP/values")" "$child:1"
kill -TERM "$launcher"
wait "$launcher" || true
# 5. --file a symlink into another directory: an update made through the
# target's own path (repo/p.yaml) restarts the child too.
mkdir -p "$TMP/repo" "$TMP/linkdir"
cp "$RAW_FILE" "$TMP/repo/p.yaml"
ln -s ../repo/p.yaml "$TMP/linkdir/p.yaml"
rm -f "$TMP/values"
# shellcheck disable=SC2016
"$RUN" --file "$TMP/linkdir/p.yaml" --domain ci --watch "${RUN_OPTIONS[@]}" -- sh -c '
  echo "$DEPLOY_TOKEN" >>"$0/values"; trap "exit 0" TERM; while :; do sleep 0.05; done' "$TMP" 2>"$TMP/err" &
launcher=$!
on_exit "kill -9 $launcher"
wait_for "[ -s '$TMP/values' ]" || fail "child did not start (symlink)"
printf through-the-target | "$PPROTECT" update-secret --file "$TMP/repo/p.yaml" --domain ci \
  --secret DEPLOY_TOKEN --value-file - >/dev/null
wait_for "grep -qx through-the-target '$TMP/values'" 5 ||
  fail "an update through the symlink's target restarted nothing: $(cat "$TMP/values") $(cat "$TMP/err")"
pass "an update through a symlink's target restarts the child"
kill -TERM "$launcher"
wait "$launcher" || true
finish
