#!/bin/bash
# Every read command on the files the Python reference wrote, under ruamel.yaml
# 0.17.21, 0.18.10 and 0.19.1, gives what the reference says they hold; then
# write commands on copies keep them readable.
# With PPROTECT_REFERENCE=<pocket_protector command>, the reference also
# reads back what pprotect wrote.
source "$(dirname "$0")/cli_common.bash"
command -v python3 >/dev/null || fail "python3 is not installed (scripts/install-deps.sh installs it)"
FIXTURES="${PPROTECT_FIXTURES:?}"
DIR="$FIXTURES" # the folder expected() reads from

# expected FIXTURE QUERY: prints a value from DIR/FIXTURE.expected.json.
expected() {
  python3 - "$DIR/$1.expected.json" "$2" "${3:-}" "${4:-}" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
query, a, b = sys.argv[2], sys.argv[3], sys.argv[4]
if query == "owner-pairs":      # domain<TAB>owner per line
    for d, v in sorted(data["domains"].items()):
        for o in v["owners"]:
            print(d + "\t" + o)
elif query == "passphrase":
    print(data["custodians"][a]["passphrase"])
elif query == "json":            # what decrypt-domain prints for domain a
    print(json.dumps(data["domains"][a]["secrets"], indent=2, sort_keys=True))
elif query == "domains":
    print("\n".join(sorted(data["domains"])))
elif query == "audit":
    print("\n".join(data["audit_log"]))
elif query == "all-secrets":
    names = {}
    for d, v in data["domains"].items():
        for s in v["secrets"]:
            names.setdefault(s, set()).add(d)
    for s in sorted(names):
        print(s + ": " + ", ".join(sorted(names[s])))
PY
}

checked=0
for DIR in "$FIXTURES" "$FIXTURES/ruamel-0.18.10" "$FIXTURES/ruamel-0.19.1"; do
for yaml in "$DIR"/*.yaml; do
  name="$(basename "$yaml" .yaml)"
  cp "$yaml" "$name.yaml"
  run '' list-domains --file "$name.yaml"
  expect_rc 0 "$name: list-domains"
  expect_eq "$name: list-domains" "$OUT" "$(expected "$name" domains)"
  run '' list-audit-log --file "$name.yaml"
  expect_eq "$name: list-audit-log" "$OUT" "$(expected "$name" audit)"
  run '' list-all-secrets --file "$name.yaml"
  expect_eq "$name: list-all-secrets" "$OUT" "$(expected "$name" all-secrets)"
  while IFS=$'\t' read -r domain owner; do
    pass="$(expected "$name" passphrase "$owner")"
    PPROTECT_USER="$owner" PPROTECT_PASSPHRASE="$pass" run '' decrypt-domain --file "$name.yaml" "$domain"
    expect_rc 0 "$name: decrypt $domain as $owner"
    expect_eq "$name: decrypt $domain as $owner" "$OUT" "$(expected "$name" json "$domain")"
    checked=$((checked + 1))
  done < <(expected "$name" owner-pairs)
done
done
DIR="$FIXTURES"
[ "$checked" -ge 30 ] || fail "only $checked domain/owner pairs checked"

# Writes on a copy of a reference file: every owner still reads everything.
alice_pass="$(expected multi-owner passphrase alice@example.com)"
bob_pass="$(expected multi-owner passphrase bob@example.com)"
F=multi-owner.yaml
A=(env PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE="$alice_pass")
"${A[@]}" "$PPROTECT" add-domain --file $F --domain qa >/dev/null || fail "add-domain on a reference file"
printf 'v' | "$PPROTECT" add-secret --file $F --domain qa --secret s1 --value-file - >/dev/null || fail "add-secret"
"${A[@]}" "$PPROTECT" rotate-domain-keys --file $F --domain prod >/dev/null || fail "rotate"
"${A[@]}" "$PPROTECT" add-owner --file $F --domain qa --owner bob@example.com >/dev/null || fail "add-owner"
PPROTECT_USER=bob@example.com PPROTECT_PASSPHRASE="$bob_pass" run '' decrypt-domain --file $F prod
expect_eq "bob reads prod after alice rotated it" "$OUT" "$(expected multi-owner json prod)"
PPROTECT_USER=bob@example.com PPROTECT_PASSPHRASE="$bob_pass" run '' decrypt-domain --file $F qa --secret s1
expect_eq "bob reads the new domain" "$OUT" "v"

if [ -n "${PPROTECT_REFERENCE:-}" ]; then
  # shellcheck disable=SC2086 # the reference command may hold arguments
  out="$(PPROTECT_USER=bob@example.com PPROTECT_PASSPHRASE="$bob_pass" $PPROTECT_REFERENCE decrypt-domain --file $F prod)" ||
    fail "the reference cannot read what pprotect wrote"
  expect_eq "reference reads prod" "$out" "$(expected multi-owner json prod)"
fi
finish
