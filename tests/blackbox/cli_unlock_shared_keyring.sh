#!/usr/bin/env bash
# A process without a session keyring of its own is lent its uid's default
# one (`_uid_ses.<uid>`), which every such process of the uid shares: unlock
# caches the key all the same and warns that it sits there; --status says so
# too. Run as a uid of the test's own (setpriv), so that the key lands in a
# default keyring no other process uses; needs root for that, and a test
# process that is not itself inside a session keyring (whose children, of
# any uid, would have it).
source "$(dirname "$0")/cli_common.bash"
[ "$(id -u)" -eq 0 ] || skip "needs root to run as a uid of its own"
command -v setpriv >/dev/null || fail "setpriv is not installed (util-linux)"
own=$(keyctl rdescribe @s 2>/dev/null) || skip "the kernel refuses keyrings here"
[[ $own == *";_uid_ses."* ]] || skip "this test runs inside a session keyring of its own ($own)"

TEST_UID=$((2000000000 + $$ % 100000000))
as_test_uid() { setpriv --reuid="$TEST_UID" --regid="$TEST_UID" --clear-groups "$@"; }
on_exit 'as_test_uid "$PPROTECT" lock >/dev/null'
cp "$PPROTECT_FIXTURES/raw.yaml" protected.yaml
printf 'alice passphrase\n' >"$SCRATCH/alice"
chmod 755 "$SCRATCH" "$WORK"
chmod 644 protected.yaml "$SCRATCH/alice"

as_test_uid "$PPROTECT" unlock --ttl 30 -u alice@example.com --passphrase-file "$SCRATCH/alice" >"$SCRATCH/out" 2>"$SCRATCH/err"
RC=$? OUT=$(cat "$SCRATCH/out") ERR=$(cat "$SCRATCH/err")
expect_rc 0 "unlock in the uid's default session keyring"
expect_eq "warns in one line that every process of the uid without one shares it" "$ERR" \
  "warning: this process has no session keyring of its own, so the key is in the default session keyring of uid $TEST_UID, which every process of the uid without one shares (a login through pam_keyinit, or \`keyctl session\`, gives a session one of its own)"
OUT=$(as_test_uid "$PPROTECT" unlock --status 2>"$SCRATCH/err")
expect_contains "--status lists the key" "$OUT" "alice@example.com for $WORK/protected.yaml: "
expect_contains "and says where it is" "$(cat "$SCRATCH/err")" "note: this process has no session keyring of its own"
OUT=$(as_test_uid "$PPROTECT" decrypt-domain dev --secret API_KEY --use-keyring --non-interactive </dev/null)
expect_eq "another process of the uid uses it" "$OUT" "key123"
finish
