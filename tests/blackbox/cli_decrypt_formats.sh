#!/bin/bash
# decrypt-domain: JSON as json.dumps(indent=2, sort_keys=True), env and shell
# quoted as shlex.quote, --secret raw or one-key JSON, NUL bytes reported.
source "$(dirname "$0")/cli_common.bash"

new_file
as_alice run '' add-domain --domain dev
add() { run '' add-secret --domain dev --secret "$1" --value-file "$2"; expect_rc 0 "add $1"; }
printf '%s' "it's \"quoted\" \$HOME \`id\` \\ back" >v1
printf 'caf\xc3\xa9 \xf0\x9f\x94\x90' >v2
printf 'line1\nline2\n' >v3
printf '' >v4
printf 'plain-value_1.2' >v5
add HOSTILE v1
add UNICODE v2
add MULTI v3
add EMPTY v4
add PLAIN v5

as_alice run '' decrypt-domain dev
expect_rc 0 "json"
expect_eq "json" "$OUT" '{
  "EMPTY": "",
  "HOSTILE": "it'"'"'s \"quoted\" $HOME `id` \\ back",
  "MULTI": "line1\nline2\n",
  "PLAIN": "plain-value_1.2",
  "UNICODE": "caf\u00e9 \ud83d\udd10"
}'

as_alice run '' decrypt-domain dev --output-format env
expect_rc 0 "env"
expect_eq "env" "$OUT" "EMPTY=''
HOSTILE='it'\"'\"'s \"quoted\" \$HOME \`id\` \\ back'
MULTI='line1
line2
'
PLAIN=plain-value_1.2
UNICODE='café 🔐'"

# The shell format round-trips every value through a real shell.
as_alice run '' --output-format shell decrypt-domain dev
expect_rc 0 "shell"
(
  eval "$OUT"
  [ "$HOSTILE" = "$(cat v1)" ] || { echo "HOSTILE differs after eval" >&2; exit 1; }
  [ "$UNICODE" = "$(cat v2)" ] || { echo "UNICODE differs after eval" >&2; exit 1; }
  [ "$MULTI" = $'line1\nline2\n' ] || { echo "MULTI differs after eval" >&2; exit 1; }
  [ -z "$EMPTY" ] && [ "${EMPTY+set}" = set ] || { echo "EMPTY not set empty" >&2; exit 1; }
  [ "$PLAIN" = "plain-value_1.2" ] || exit 1
) || fail "shell output does not round-trip"

as_alice run '' decrypt-domain dev --secret HOSTILE
expect_eq "raw secret" "$OUT" "$(cat v1)"
as_alice run '' decrypt-domain dev --secret HOSTILE --output-format json
expect_eq "one-key json" "$OUT" '{
  "HOSTILE": "it'"'"'s \"quoted\" $HOME `id` \\ back"
}'
as_alice run '' decrypt-domain dev --secret PLAIN --output-format shell
expect_eq "one-key shell" "$OUT" "export PLAIN=plain-value_1.2"
as_alice run '' decrypt-domain dev --secret MISSING
expect_rc 1 "missing secret"
expect_eq "message" "$ERR" "error: secret 'MISSING' not found in domain 'dev'"

# A name that is no shell identifier: an error in env/shell, nothing printed.
run '' add-secret --domain dev --secret db-url --value-file v5
as_alice run '' decrypt-domain dev --output-format env
expect_rc 1 "invalid identifier"
expect_eq "nothing printed" "$OUT" ""
expect_eq "message" "$ERR" "error: 'db-url' is not a valid shell identifier; cannot safely represent in env/shell format"

# A NUL byte: JSON shows it, env refuses, raw output keeps every byte.
printf 'a\0b' >nul
run '' add-secret --domain dev --secret NUL --value-file nul
as_alice run '' decrypt-domain dev --secret NUL --output-format json
expect_contains "json escapes NUL" "$OUT" '"NUL": "a\u0000b"'
as_alice run '' decrypt-domain dev --secret NUL --output-format env
expect_rc 1 "NUL in env format"
expect_contains "reported" "$ERR" "NUL"
as_alice "$PPROTECT" decrypt-domain dev --secret NUL >raw.out 2>/dev/null
expect_eq "raw bytes" "$(od -An -c raw.out | tr -s ' ')" " a \\0 b \\n"

as_alice run '' decrypt-domain dev --output-format yaml
expect_rc 2 "bad format"
expect_contains "message" "$ERR" "--output-format must be one of: json, env, shell"

as_alice run '' add-domain --domain none
as_alice run '' decrypt-domain none
expect_eq "empty domain" "$OUT" "{}"
finish
