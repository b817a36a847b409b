#!/bin/bash
# New files are written in layout c; --yaml-layout and PPROTECT_YAML_LAYOUT
# choose another; a bad value is a one-line usage error (exit 2).
source "$(dirname "$0")/cli_common.bash"

# secret_line FILE: how the secret "s" (a 20-byte value: 92 base64
# characters, 107 columns after "  secret-s: ") is laid out.
secret_line() { grep -A1 '^  secret-s: ' "$1" | head -2 | sed -E 's/[A-Za-z0-9+\/]{80,}=*/<b64>/' | tr '\n' '|'; }
owner_line() { grep -A1 '^      alice@example.com: ' "$1" | head -2 | sed -E 's/[A-Za-z0-9+\/]{80,}=*/<b64>/' | tr '\n' '|'; }
twenty=01234567890123456789

new_file
as_alice "$PPROTECT" add-domain --domain d >/dev/null || fail "add-domain"
printf '%s' "$twenty" | "$PPROTECT" add-secret --domain d --secret s --value-file - >/dev/null || fail "add-secret"
expect_eq "init writes layout c: the secret on a line of its own" "$(secret_line protected.yaml)" "  secret-s: |    <b64>|"

rm protected.yaml
run $'alice@example.com\nalice pass\nalice pass\n' init --key-type fast --yaml-layout a
expect_rc 0 "init --yaml-layout a"
# A new file has no line long enough to show its layout, so the variable
# keeps it in a until one does; from then on the file's text keeps it.
PPROTECT_YAML_LAYOUT=a as_alice "$PPROTECT" add-domain --domain d >/dev/null || fail "add-domain"
printf '%s' "$twenty" | "$PPROTECT" add-secret --domain d --secret s --value-file - >/dev/null || fail "add-secret"
expect_eq "layout a kept by later writes" "$(secret_line protected.yaml)" "  secret-s: <b64>|  meta:|"
expect_eq "layout a: the owner after its key" "$(owner_line protected.yaml)" "      alice@example.com: <b64>|key-custodians:|"

PPROTECT_YAML_LAYOUT=b run $'d\ns\n' update-secret --value-file /dev/null
expect_rc 0 "update-secret with PPROTECT_YAML_LAYOUT=b"
printf '%s' "$twenty" | PPROTECT_YAML_LAYOUT=b "$PPROTECT" update-secret --domain d --secret s --value-file - >/dev/null
expect_eq "layout b: the 107-column secret stays" "$(secret_line protected.yaml)" "  secret-s: <b64>|  meta:|"
expect_eq "layout b: the 134-column owner moves" "$(owner_line protected.yaml)" "      alice@example.com: |        <b64>|"
# The flag wins over the variable.
PPROTECT_YAML_LAYOUT=b run '' reformat --yaml-layout c
expect_rc 0 "reformat --yaml-layout c"
expect_eq "layout c from the flag" "$(secret_line protected.yaml)" "  secret-s: |    <b64>|"

# Bad values: usage errors on one line, the file untouched.
cp protected.yaml before.yaml
run $'d\ns\n' rm-secret --yaml-layout x
expect_rc 2 "--yaml-layout x"
expect_eq "--yaml-layout x message" "$ERR" "error: pprotect rm-secret: --yaml-layout must be one of: a, b, c (got 'x')"
PPROTECT_YAML_LAYOUT=bb run $'d\ns\n' rm-secret
expect_rc 2 "PPROTECT_YAML_LAYOUT=bb"
expect_eq "PPROTECT_YAML_LAYOUT=bb message" "$ERR" "error: PPROTECT_YAML_LAYOUT must be one of: a, b, c (got 'bb')"
# ... found before anything is asked.
PPROTECT_YAML_LAYOUT=bb run $'alice pass\nqa\n' add-domain -u alice@example.com
expect_rc 2 "PPROTECT_YAML_LAYOUT=bb on add-domain"
expect_eq "no prompt before the usage error" "$OUT" ""
expect_eq "only the usage error on stderr" "$ERR" "error: PPROTECT_YAML_LAYOUT must be one of: a, b, c (got 'bb')"
cmp -s protected.yaml before.yaml || fail "a bad layout changed the file"
# Read-only commands ignore the variable and refuse the flag.
PPROTECT_YAML_LAYOUT=bb run '' list-domains
expect_rc 0 "list-domains ignores PPROTECT_YAML_LAYOUT"
run '' list-domains --yaml-layout a
expect_rc 2 "list-domains --yaml-layout"

# reformat needs no credentials, keeps the audit log, and wants a file.
run '' reformat --yaml-layout a --non-interactive
expect_rc 2 "reformat takes no credential flags"
log="$("$PPROTECT" list-audit-log)"
run '' reformat --yaml-layout a
expect_rc 0 "reformat without credentials"
expect_eq "reformat adds no audit entry" "$("$PPROTECT" list-audit-log)" "$log"
run '' reformat --file missing.yaml
expect_rc 2 "reformat of a missing file"
expect_contains "missing file named" "$ERR" "Protected file not found: "

# A name layout b would break across lines is refused there; layout a writes it.
long_name="word $(printf 'q%.0s' $(seq 101))"
cp protected.yaml before.yaml
as_alice run '' add-domain --domain "$long_name" --yaml-layout b
expect_rc 1 "add-domain of a name layout b cannot write"
expect_contains "refusal says why" "$ERR" "in layout b: ruamel.yaml 0.18.12 would write it so that it does not read back"
cmp -s protected.yaml before.yaml || fail "a refused write changed the file"
as_alice run '' add-domain --domain "$long_name" --yaml-layout a
expect_rc 0 "the same name in layout a"
finish
