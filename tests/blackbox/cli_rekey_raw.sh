#!/bin/bash
# rekey-custodian to a raw key (banner, YES) and back to a passphrase.
source "$(dirname "$0")/cli_common.bash"

new_file
as_alice run '' add-domain --domain dev
run '' add-secret --domain dev --secret token --value-file <(printf 'v1')

before="$(cat protected.yaml)"
run $'alice@example.com\nalice pass\nno\n' rekey-custodian --key-type raw
expect_rc 0 "not confirmed"
expect_contains "abort" "$OUT" "Aborting. Key was not confirmed."
expect_eq "nothing written" "$(cat protected.yaml)" "$before"

run $'alice@example.com\nalice pass\nYES\n' rekey-custodian --key-type raw
expect_rc 0 "rekey to raw"
expect_contains "banner" "$OUT" "GENERATED RAW KEY (copy this now, it will not be shown again):"
expect_contains "banner rule" "$OUT" "$(printf '=%.0s' $(seq 72))"
expect_contains "confirm prompt" "$OUT" "Have you saved the key? Type YES to confirm: "
raw="$(printf '%s\n' "$OUT" | sed -n 's/^  \(P[0-9a-f]\{64\}P\)$/\1/p')"
[ -n "$raw" ] || fail "no raw key in the banner: $OUT"

PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE="$raw" run '' decrypt-domain dev --secret token
expect_eq "raw key decrypts" "$OUT" "v1"
PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='alice pass' run '' decrypt-domain dev --secret token
expect_rc 1 "old passphrase no longer works"

run "alice@example.com"$'\n'"$raw"$'\nnew pass\nnew pass\n' rekey-custodian --key-type fast
expect_rc 0 "rekey back to fast"
PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='new pass' run '' decrypt-domain dev --secret token
expect_eq "new passphrase decrypts" "$OUT" "v1"

run '' list-audit-log
expect_contains "audit" "$OUT" "-- rekeyed custodian for alice@example.com (updated domains -> dev)"

# set-key-custodian-passphrase, scripted with files.
printf 'new pass\n' >cur.txt
printf 'third pass\n' >new.txt
run '' set-key-custodian-passphrase -u alice@example.com --passphrase-file cur.txt --new-passphrase-file new.txt
expect_rc 0 "set passphrase from files"
PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='third pass' run '' decrypt-domain dev --secret token
expect_eq "third passphrase decrypts" "$OUT" "v1"

run $'alice@example.com\nthird pass\nx\ny\n' set-key-custodian-passphrase
expect_rc 1 "mismatched new passphrase"
expect_contains "message" "$ERR" "error: Sorry, inputs did not match."
run '' --key-type bogus rekey-custodian
expect_rc 2 "bad --key-type"
expect_contains "message" "$ERR" "--key-type must be one of: hard, fast, raw"
finish
