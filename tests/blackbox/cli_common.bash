# Sourced by tests/blackbox/cli_*.sh: a scratch directory, the binary, and
# run/expect_rc for pprotect's output. Not a test itself (no .sh suffix).
set -u
source "$(dirname "${BASH_SOURCE[0]}")/../harness.bash"
PPROTECT="${PPROTECT_BIN_DIR:?PPROTECT_BIN_DIR must name the built binaries}/pprotect"
[ -x "$PPROTECT" ] || fail "no pprotect at $PPROTECT"
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/pprotect-cli.XXXXXX")"
on_exit 'rm -rf "$SCRATCH"'
WORK="$SCRATCH/work" # the tests' current directory; captured output lives beside it
mkdir "$WORK"
cd "$WORK" || exit 1
# Credentials must come only from what each test sets.
unset PPROTECT_USER PPROTECT_PASSPHRASE PPROTECT_ENV_PREFIX CREDENTIALS_DIRECTORY

# run INPUT ARGS...: runs pprotect with INPUT on stdin; sets RC, OUT, ERR.
run() {
  local input=$1
  shift
  printf '%s' "$input" | "$PPROTECT" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
  RC=$?
  OUT="$(cat "$SCRATCH/out")"
  ERR="$(cat "$SCRATCH/err")"
}

expect_rc() {
  [ "$RC" = "$1" ] || fail "${2:-command}: exit $RC, expected $1 (stdout: $OUT) (stderr: $ERR)"
}


# new_file [USER PASS]: a protected.yaml with one fast custodian.
new_file() {
  local user=${1:-alice@example.com} pass=${2:-alice pass}
  run "$user"$'\n'"$pass"$'\n'"$pass"$'\n' init --key-type fast
  [ "$RC" = 0 ] || { echo "setup: init failed: $ERR" >&2; exit 1; }
}

as_alice() { PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='alice pass' "$@"; }

