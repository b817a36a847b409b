# Sourced first by the keyring black-box tests (not a test itself: no .sh
# suffix): the script runs again inside a session keyring of its own
# (tests/helpers/with_keyring), so the keys it caches reach neither the
# user's default session keyring (`_uid_ses.<uid>`, shared by every process
# of the uid that has no session keyring, other test runs among them) nor
# outlive the test. Where the kernel refuses keyrings the test is skipped:
# nothing of it can run there.
: "${PPROTECT_BIN_DIR:?}"
WITH_KEYRING=$PPROTECT_BIN_DIR/with_keyring
if [ -z "${PPROTECT_TEST_OWN_KEYRING:-}" ]; then
  [ -x "$WITH_KEYRING" ] || { echo "FAIL: $WITH_KEYRING not built" >&2; exit 1; }
  PPROTECT_TEST_OWN_KEYRING=1 exec "$WITH_KEYRING" private bash "$0" "$@"
fi
unset PPROTECT_TEST_OWN_KEYRING PPROTECT_USE_KEYRING
command -v keyctl >/dev/null || { echo "FAIL: keyctl is not installed (scripts/install-deps.sh installs keyutils)" >&2; exit 1; }

# plant_key DESCRIPTION PAYLOAD: a possessor-only user key in our session
# keyring, as `pprotect unlock` stores one; prints its serial.
plant_key() {
  local id
  id=$(keyctl add user "$1" "$2" @s) || return 1
  keyctl setperm "$id" 0x2f000000 || return 1
  echo "$id"
}
