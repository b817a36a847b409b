#!/usr/bin/env bash
# A secret that would choose which program runs or make it load code (PATH,
# BASH_ENV, ...) is refused by pprotect-run and pprotect exec unless
# --allow-exec-variables names it; and even then the command itself is
# looked up in the launcher's own PATH, never the injected one. add-secret
# needs no credentials, so anyone could otherwise take over what runs.
source "$(dirname "$0")/run_common.bash"
PPROTECT=$PPROTECT_BIN_DIR/pprotect

cp "$RAW_FILE" "$TMP/p.yaml"
mkdir "$TMP/real" "$TMP/evil"
printf '#!/bin/sh\necho real\n' >"$TMP/real/myapp"
printf '#!/bin/sh\necho evil\n' >"$TMP/evil/myapp"
printf 'echo bash_env_ran\n' >"$TMP/evil/env.sh"
chmod +x "$TMP/real/myapp" "$TMP/evil/myapp"
"$PPROTECT" add-secret --file "$TMP/p.yaml" --domain ci --secret PATH --value-file <(printf %s "$TMP/evil:/usr/bin:/bin") >/dev/null
export PATH="$TMP/real:$PATH"

expect() { # what expected-code expected-out command...
  local what=$1 code=$2 want=$3 got rc
  shift 3
  set +e
  got=$("$@" 2>"$TMP/err")
  rc=$?
  set -e
  [ "$rc" = "$code" ] || fail "$what: exit $rc, expected $code ($(cat "$TMP/err"))"
  [ "$got" = "$want" ] || fail "$what: printed [$got], expected [$want]"
}

expect "pprotect-run refuses PATH" 125 "" "$RUN" --file "$TMP/p.yaml" --domain ci -- myapp
grep -q "secret PATH: .*--allow-exec-variables PATH" "$TMP/err" || fail "message: $(cat "$TMP/err")"
[ "$(wc -l <"$TMP/err")" = 1 ] || fail "not one line: $(cat "$TMP/err")"
expect "pprotect exec refuses PATH" 1 "" "$PPROTECT" exec --file "$TMP/p.yaml" --domain ci -- myapp
grep -q "secret PATH" "$TMP/err" || fail "message: $(cat "$TMP/err")"

# Allowed by name: the child gets it, but myapp is still the launcher's.
expect "pprotect-run resolves with its own PATH" 0 "real" \
  "$RUN" --file "$TMP/p.yaml" --domain ci --allow-exec-variables PATH -- myapp
expect "pprotect exec resolves with its own PATH" 0 "real" \
  "$PPROTECT" exec --file "$TMP/p.yaml" --domain ci --allow-exec-variables PATH -- myapp
expect "the child sees the injected PATH" 0 "$TMP/evil:/usr/bin:/bin" \
  "$RUN" --file "$TMP/p.yaml" --domain ci --allow-exec-variables PATH -- /bin/sh -c 'echo "$PATH"'

# BASH_ENV would run a script inside `bash -c`.
"$PPROTECT" add-secret --file "$TMP/p.yaml" --domain ci --secret BASH_ENV --value-file <(printf %s "$TMP/evil/env.sh") >/dev/null
expect "BASH_ENV is refused even with PATH allowed" 125 "" \
  "$RUN" --file "$TMP/p.yaml" --domain ci --allow-exec-variables PATH -- bash -c 'echo hi'
grep -q "secret BASH_ENV" "$TMP/err" || fail "message: $(cat "$TMP/err")"
expect "both named" 0 $'bash_env_ran\nhi' \
  "$RUN" --file "$TMP/p.yaml" --domain ci --allow-exec-variables PATH,BASH_ENV -- bash -c 'echo hi'
# The command's own options after "--" are its own, not pprotect's (the
# list option once swallowed the "--" and took "-c" for a flag of exec).
expect "pprotect exec, both named, a command with options" 0 $'bash_env_ran\nhi' \
  "$PPROTECT" exec --file "$TMP/p.yaml" --domain ci --allow-exec-variables PATH,BASH_ENV -- bash -c 'echo hi'
echo ok
