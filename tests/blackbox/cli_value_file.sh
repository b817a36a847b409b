#!/bin/bash
# Secret values from --value-file PATH or - (stdin): bytes kept exactly (PEM).
source "$(dirname "$0")/cli_common.bash"

new_file
as_alice run '' add-domain --domain dev
cat >key.pem <<'PEM'
-----BEGIN PRIVATE KEY-----
MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAq7BFUpkGp3+LQmlQ
-----END PRIVATE KEY-----
PEM
run '' add-secret --domain dev --secret tls-key --value-file key.pem
expect_rc 0 "from a file"
as_alice "$PPROTECT" decrypt-domain dev --secret tls-key >out.pem
# The raw output adds one newline after the value, as the reference's echo.
head -c -1 out.pem >got.pem
cmp -s key.pem got.pem || fail "PEM bytes differ after a round trip"

printf 'no newline' | "$PPROTECT" add-secret --domain dev --secret piped --value-file - >/dev/null 2>&1
as_alice run '' decrypt-domain dev --secret piped --output-format json
expect_eq "stdin value" "$OUT" $'{\n  "piped": "no newline"\n}'

# Prompts and a value from stdin mix: domain and name prompted, value read to EOF.
run $'dev\nmixed\nline1\nline2\n' update-secret --value-file - 2>/dev/null
expect_rc 1 "update of a missing secret"
run $'dev\npiped\nline1\nline2\n' update-secret --value-file -
expect_rc 0 "update from stdin after prompts"
as_alice run '' decrypt-domain dev --secret piped --output-format json
expect_eq "value after prompts" "$OUT" $'{\n  "piped": "line1\\nline2\\n"\n}'

run '' add-secret --domain dev --secret x --value-file missing.txt
expect_rc 1 "missing value file"
expect_contains "names the file" "$ERR" "missing.txt"

# The one-line prompt still works as in the reference.
run $'dev\nprompted\nvalue with spaces\n' add-secret
expect_rc 0 "prompted value"
expect_eq "prompts" "$OUT" $'Adding secret value.\nDomain name: Secret name: Secret value: '
as_alice run '' decrypt-domain dev --secret prompted
expect_eq "prompted value stored" "$OUT" "value with spaces"

# Answers piped with CRLF line ends lose the CR, as Python's input() does.
run $'dev\r\ncrlf\r\nvalue\r\n' add-secret
expect_rc 0 "CRLF answers"
as_alice run '' decrypt-domain dev --secret crlf --output-format json
expect_eq "no CR kept" "$OUT" $'{\n  "crlf": "value"\n}'

run $'dev\nprompted\nagain\n' add-secret
expect_rc 1 "existing secret"
finish
