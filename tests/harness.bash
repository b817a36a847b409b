# The one harness of the black-box tests (tests/blackbox/*.sh and
# containers/tests/*.sh), sourced by their common files first. Not a test
# itself (no .sh suffix).
#
# One meaning for each outcome, everywhere:
#   fail MESSAGE   the test fails here: "FAIL: MESSAGE" on stderr, exit 1
#   skip REASON    something the test needs is truly missing (install-deps
#                  installs everything a test calls, so only a machine that
#                  cannot run it, such as a sanitizer build for a static
#                  binary, skips): "SKIP: REASON", exit 77
#   pass MESSAGE   a check held: "ok: MESSAGE"
#   finish         the end of a test that got there: "PASS", exit 0
# on_exit COMMAND registers a cleanup; they run on every way out, the last
# registered first, whatever the exit status.

HARNESS_CLEANUPS=()
on_exit() { HARNESS_CLEANUPS+=("$1"); }
harness_cleanup() {
  local i
  for ((i = ${#HARNESS_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${HARNESS_CLEANUPS[i]}" 2>/dev/null || true
  done
}
trap harness_cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
skip() {
  echo "SKIP: $*" >&2
  exit 77
}
pass() { echo "ok: $*"; }
finish() {
  echo "PASS"
  exit 0
}

expect_eq() { # what actual expected
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1: got [$2], expected [$3]"; fi
}
expect_contains() { # what haystack needle
  if [[ "$2" == *"$3"* ]]; then pass "$1"; else fail "$1: [$2] does not contain [$3]"; fi
}
expect_not_contains() { # what haystack needle
  if [[ "$2" != *"$3"* ]]; then pass "$1"; else fail "$1: [$2] contains [$3]"; fi
}
