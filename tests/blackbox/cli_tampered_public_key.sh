#!/bin/bash
# A domain whose meta.public-key was replaced: decrypt-domain, exec and
# pprotect-run refuse it in one line naming the domain (the file as it
# was); list-domain-secrets still lists; rotate-domain-keys by an owner
# repairs it, after which secrets added later decrypt again.
source "$(dirname "$0")/cli_common.bash"

new_file
as_alice run '' add-domain --domain prod
run '' add-secret --domain prod --secret token --value-file <(printf 's3cret')
# Another domain's public key: a valid key whose private half the file does
# not hold for prod.
as_alice run '' add-domain --domain other
other_key=$(python3 -c "import yaml,sys;print(yaml.safe_load(open('protected.yaml'))['other']['meta']['public-key'])")
python3 - "$other_key" <<'PY'
import re, sys
text = open("protected.yaml").read()
text = re.sub(r"(prod:\n(?:  .*\n)*?    public-key: )\S+", lambda m: m.group(1) + sys.argv[1], text, count=1)
open("protected.yaml", "w").write(text)
PY
before=$(sha256sum <protected.yaml)
as_alice run '' decrypt-domain prod
expect_rc 1 "decrypt-domain on a replaced public key"
expect_eq "one line naming the domain" "$ERR" "error: the public-key of domain 'prod' is not the one of its private key (the file was altered): secrets added since are sealed to another key; an owner can repair it with rotate-domain-keys"
expect_eq "nothing on stdout" "$OUT" ""
as_alice run '' exec --domain prod -- true
expect_rc 1 "exec on a replaced public key"
expect_contains "exec names the domain" "$ERR" "domain 'prod'"
PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='alice pass' \
  "$PPROTECT_BIN_DIR/pprotect-run" --domain prod -- true 2>"$SCRATCH/run-err"
rc=$?
[ "$rc" = 125 ] || fail "pprotect-run exited $rc, not 125"
expect_contains "pprotect-run names the domain" "$(cat "$SCRATCH/run-err")" "domain 'prod'"
[ "$(sha256sum <protected.yaml)" = "$before" ] || fail "a refusing command changed the file"
run '' list-domain-secrets prod
expect_rc 0 "list-domain-secrets needs no key"
expect_eq "names listed" "$OUT" "token"

as_alice run '' rotate-domain-keys --domain prod
expect_rc 0 "rotation repairs it"
as_alice run '' decrypt-domain prod --secret token
expect_eq "the old secret survives" "$OUT" "s3cret"
run '' add-secret --domain prod --secret later --value-file <(printf 'v2')
as_alice run '' decrypt-domain prod --secret later
expect_eq "a secret added after the repair decrypts" "$OUT" "v2"
finish
