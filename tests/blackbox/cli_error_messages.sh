#!/bin/bash
# Error messages and exit codes are the reference's (pocket_protector 26.x),
# one case per message: teams' scripts match on these. Where the reference
# crashes with a traceback, ours says it in one line (last cases).
source "$(dirname "$0")/cli_common.bash"

ALICE=alice@example.com
BOB=bob@example.com
new_file "$ALICE" "alice pass"
run "$BOB"$'\nbob pass\nbob pass\n' add-key-custodian --key-type fast
expect_rc 0 "setup: add bob"
as_alice run $'dev\n' add-domain
expect_rc 0 "setup: add dev"
as_alice run $'prod\n' add-domain
expect_rc 0 "setup: add prod"
run $'dev\nQ\nv1\n' add-secret
expect_rc 0 "setup: add Q"
printf 'bob pass\n' >bobpass

as_bob() { PPROTECT_USER=$BOB PPROTECT_PASSPHRASE='bob pass' "$@"; }

# check WHAT RC MESSAGE: the last stderr line, from "error: " on (prompt
# labels may precede it on that line), and the exit code.
check() {
  local what=$1 rc=$2 expected=$3 last
  expect_rc "$rc" "$what"
  last=${ERR##*$'\n'}
  case "$last" in
  *"error: "*) last="error: ${last#*error: }" ;;
  esac
  expect_eq "$what" "$last" "$expected"
}

# --- store ---
run "$BOB"$'\nx\nx\n' add-key-custodian
check "custodian exists" 1 "error: tried to add key custodian that already exists: $BOB"
as_alice run $'dev\n' add-domain
check "domain exists" 1 "error: tried to add domain that already exists: dev"
as_alice run $'nope\n'"$BOB"$'\n' add-owner
check "unknown domain" 1 "error: no domain of name nope (known domains are dev, prod)"
as_alice run $'dev\nnobody\n' add-owner
check "unknown custodian" 1 \
  "error: no key custodian of name nobody (known key custodians are $ALICE, $BOB)"
as_bob run $'dev\n'"$BOB"$'\n' add-owner
check "acting user not an owner" 1 "error: no owner of name $BOB (known owners are $ALICE)"
run $'dev\n'"$BOB"$'\n' rm-owner
check "not an owner" 1 "error: $BOB not an owner of dev (owners are $ALICE)"
run $'dev\n'"$ALICE"$'\n' rm-owner
check "last owner" 1 "error: cannot delete last owner $ALICE from dev (secrets would be irretrievable)"
run $'dev\nQ\nv2\n' add-secret
check "secret exists" 1 "error: secret Q already exists in dev"
run $'dev\nNOPE\nv2\n' update-secret
check "unknown secret" 1 "error: no secret of name NOPE (known secrets are Q)"
as_bob run '' decrypt-domain dev
check "decrypt as non-owner" 1 "error: $BOB is not an owner of dev"
as_bob run $'dev\n' rotate-domain-keys
check "rotate as non-owner" 1 "error: $BOB is not an owner of dev"
as_alice run '' decrypt-domain --secret NOPE dev
check "--secret not in domain" 1 "error: secret 'NOPE' not found in domain 'dev'"
as_alice run $'nobody\ny\n' migrate-owner
check "migrate to unknown custodian" 1 "error: no key custodian named nobody"
as_alice run '' exec --domain nope -- true
check "exec unknown domain" 1 "error: no domain of name nope (known domains are dev, prod)"

# --- credentials ---
run '' list-user-secrets --non-interactive
check "--non-interactive, nothing given" 1 \
  "error: Invalid user email (from env var: PPROTECT_USER) or passphrase (from env var: PPROTECT_PASSPHRASE). Check credentials and try again. (Warning: Empty user ID and passphrase.)"
run '' list-user-secrets --non-interactive -u "$ALICE"
check "--non-interactive, no passphrase" 1 \
  "error: Invalid user email (from argument) or passphrase (from env var: PPROTECT_PASSPHRASE). Check credentials and try again. (Warning: Empty passphrase.)"
PPROTECT_USER=$ALICE PPROTECT_PASSPHRASE=wrong run '' list-user-secrets
check "wrong passphrase" 1 \
  "error: Invalid user email (from env var: PPROTECT_USER) or passphrase (from env var: PPROTECT_PASSPHRASE). Check credentials and try again."
run '' list-user-secrets -u "$ALICE" --passphrase-file ./bobpass
check "wrong passphrase file, path normalised" 1 \
  "error: Invalid user email (from argument) or passphrase (from passphrase file: $WORK/bobpass). Check credentials and try again."
run '' list-user-secrets -u "$ALICE" --passphrase-file ./missing
check "missing passphrase file" 1 \
  "error: No such file or directory while reading passphrase from file at \"$WORK/missing\""
run $'alice@example.com\nwrong\n' set-key-custodian-passphrase
check "set-key-custodian-passphrase, wrong passphrase" 1 \
  "error: Invalid user email or passphrase. Check credentials and try again."
run '' list-user-secrets -u "$ALICE"
expect_rc 1 "end of input at the passphrase prompt"
expect_not_contains "end of input: no message" "$ERR" "error:"
expect_eq "end of input: a blank line" "$(tail -c 1 "$SCRATCH/out" | od -An -c | tr -d ' ')" '\n'
run '' list-user-secrets --non-interactive --ignore-env -u "$ALICE"
expect_rc 2 "--non-interactive with --ignore-env (the reference's exit 2)"

# --- flags and arguments ---
run '' add-key-custodian --key-type bogus
check "bad --key-type" 2 "error: --key-type must be one of: hard, fast, raw"
as_alice run '' decrypt-domain --output-format yaml dev
check "bad --output-format" 2 "error: --output-format must be one of: json, env, shell"
run '' exec -- true
check "exec without --domain" 2 "error: --domain is required for exec"
as_alice run '' exec --domain dev
check "exec without a command" 2 \
  "error: exec requires a command after -- (e.g. pprotect exec --domain prod -- ./myapp)"
run '' list-user-secrets --passphrase-file
check "flag without its value" 2 "error: pprotect list-user-secrets: expected argument for flag passphrase_file"
run '' list-domains --file a --file b
check "flag given twice" 2 \
  "error: pprotect list-domains: more than one value was passed for flag \"file\": 'a', 'b'"
run '' list-domains a b
check "unexpected positionals" 2 "error: pprotect list-domains: unexpected positional arguments: ['a', 'b']"
run '' list-domains --bogus
check "unknown flag" 2 'error: pprotect list-domains: unknown flag "--bogus", choose from: --help / -h, --file FILE'
run '' add-secret --non-interactive
check "a flag the subcommand does not take" 2 \
  'error: pprotect add-secret: unknown flag "--non-interactive", choose from: --help / -h, --file FILE, --confirm, --domain DOMAIN, --secret NAME, --value-file PATH, --yaml-layout LAYOUT'
expect_not_contains "refused before any prompt" "$OUT" "Domain name"
run '' -u "$ALICE" list-domains
check "a flag the subcommand does not take, before it" 2 \
  'error: pprotect list-domains: unknown flag "-u", choose from: --help / -h, --file FILE'
run '' decrypt-domain
check "no DOMAIN" 2 "error: pprotect decrypt-domain: too few arguments, expected 1 argument, got 0"
run '' decrypt-domain a b
check "two DOMAINs" 2 "error: pprotect decrypt-domain: too many arguments, expected 1 argument, got 2"
run '' list-domains --file nothere.yaml
check "missing file" 2 "error: Protected file not found: $WORK/nothere.yaml"

# --- the reference crashes with a traceback here; ours says it in one line ---
run $'nope\n' rm-domain
check "rm-domain, unknown domain" 1 "error: no domain of name nope (known domains are dev, prod)"
run $'dev\nNOPE\n' rm-secret
check "rm-secret, unknown secret" 1 "error: no secret named 'NOPE' in domain 'dev'"
run $'dev\n1bad\nv\n' add-secret
check "invalid secret name" 1 \
  "error: invalid secret name '1bad': it must start with a letter and hold only ASCII letters, digits, '-' and '_'"
finish
