#!/bin/bash
# Flags before or after the subcommand, underscore aliases, "did you mean",
# usage errors (exit 2), --help for pprotect and each subcommand, version.
source "$(dirname "$0")/cli_common.bash"

printf 'alice pass\n' >pass.txt
run '' --file a.yaml --key-type fast -u alice@example.com --passphrase-file pass.txt init
expect_rc 0 "flags before the subcommand"
[ -f a.yaml ] || fail "--file before the subcommand was ignored"
run '' add-domain --file=a.yaml --domain=dev -u alice@example.com --passphrase-file pass.txt
expect_rc 0 "--flag=value after the subcommand"
run '' list_domains --file a.yaml
expect_eq "underscore alias" "$OUT" "dev"

run '' adddomain
expect_rc 2 "unknown subcommand"
expect_contains "did you mean" "$ERR" 'error: pprotect: unknown subcommand "adddomain", did you mean "add-domain"?'
run '' decrypt
expect_contains "prefix suggestion" "$ERR" 'did you mean "decrypt-domain"?'
run '' list-domains --bogus
expect_rc 2 "unknown flag"
expect_contains "message" "$ERR" 'error: pprotect list-domains: unknown flag "--bogus"'
run '' list-domains --file
expect_rc 2 "flag without its value"
run '' list-domains --file a.yaml --file b.yaml
expect_rc 2 "flag given twice"
run '' decrypt-domain one two
expect_rc 2 "too many arguments"

run '' 
expect_rc 2 "no subcommand"
expect_contains "help on stdout" "$OUT" "Usage: pprotect subcommand [FLAGS]"
expect_eq "stderr" "$ERR" "error: pprotect: expected a subcommand"

run '' --help
expect_rc 0 "--help"
root_help="$OUT"
for group in "Access Management:" "Domain Management:" "Secret Management:" "Secret Access:"; do
  expect_contains "group $group" "$OUT" "$group"
done
for sub in init version add-key-custodian add-domain add-owner add-secret decrypt-domain exec list-all-secrets \
  list-audit-log list-domain-secrets list-domains list-user-secrets migrate-owner rekey-custodian rm-domain rm-owner \
  rm-secret rotate-domain-keys set-key-custodian-passphrase update-secret; do
  expect_contains "root help lists $sub" "$root_help" "  $sub"
  run '' "$sub" --help
  expect_rc 0 "$sub --help"
  expect_contains "$sub help usage" "$OUT" "Usage: pprotect $sub [FLAGS]"
done
run '' add-secret -h
expect_contains "add-secret help explains --value-file" "$OUT" "--value-file PATH"

run '' version
expect_rc 0 "version"
case "$OUT" in
"pprotect version "[0-9]*) ;;
*) fail "version output: $OUT" ;;
esac
finish
