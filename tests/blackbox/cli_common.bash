# Sourced by tests/blackbox/cli_*.sh: a scratch directory, the binary, and
# assertions that say what differed. Not a test itself (no .sh suffix).
set -u
PPROTECT="${PPROTECT_BIN_DIR:?PPROTECT_BIN_DIR must name the built binaries}/pprotect"
[ -x "$PPROTECT" ] || { echo "no pprotect at $PPROTECT" >&2; exit 1; }
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/pprotect-cli.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
WORK="$SCRATCH/work" # the tests' current directory; captured output lives beside it
mkdir "$WORK"
cd "$WORK" || exit 1
# Credentials must come only from what each test sets.
unset PPROTECT_USER PPROTECT_PASSPHRASE PPROTECT_ENV_PREFIX CREDENTIALS_DIRECTORY
FAILED=0

fail() {
  echo "FAIL: $*" >&2
  FAILED=1
}

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

expect_eq() { # what actual expected
  [ "$2" = "$3" ] || fail "$1: got [$2], expected [$3]"
}

expect_contains() { # what haystack needle
  case "$2" in
  *"$3"*) ;;
  *) fail "$1: [$2] does not contain [$3]" ;;
  esac
}

expect_not_contains() {
  case "$2" in
  *"$3"*) fail "$1: [$2] contains [$3]" ;;
  *) ;;
  esac
}

# new_file [USER PASS]: a protected.yaml with one fast custodian.
new_file() {
  local user=${1:-alice@example.com} pass=${2:-alice pass}
  run "$user"$'\n'"$pass"$'\n'"$pass"$'\n' init --key-type fast
  [ "$RC" = 0 ] || { echo "setup: init failed: $ERR" >&2; exit 1; }
}

as_alice() { PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='alice pass' "$@"; }

finish() {
  if [ "$FAILED" = 0 ]; then
    echo "PASS"
    exit 0
  fi
  exit 1
}
