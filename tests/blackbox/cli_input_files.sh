#!/bin/bash
# Files named on the command line that are no regular file are refused at
# once, in one line, by every command of both programs: a named FIFO
# (opening it would wait for a writer forever), a directory, a device. A
# symlink loop or a trailing slash says what it is, not "not found"; only a
# missing file is. An anonymous pipe (<(...)) still works for a passphrase.
# A protected file over 16 MiB is refused before it is read.
source "$(dirname "$0")/cli_common.bash"
RUN="$PPROTECT_BIN_DIR/pprotect-run"
cp "$PPROTECT_FIXTURES/raw.yaml" p.yaml
OUT=
RAW_PASS=P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P
mkfifo fifo
ln -s loop loop
mkdir dir
# Each command gets 10 s; one that waits on the FIFO is killed and fails.
bounded() { timeout -s KILL 10 "$@"; }
one_line() { # what
  [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] || fail "$1: stderr is not one line: $ERR"
}

for bad in fifo dir /dev/null loop p.yaml/; do
  for cmd in "list-domains" "list-audit-log" "rm-secret --domain ci --secret DEPLOY_TOKEN" "decrypt-domain ci"; do
    # shellcheck disable=SC2086
    RC=0; PPROTECT_USER=ci@example.com PPROTECT_PASSPHRASE=$RAW_PASS bounded "$PPROTECT" $cmd --file "$bad" \
      >"$SCRATCH/out" 2>"$SCRATCH/err" </dev/null || RC=$?
    ERR=$(cat "$SCRATCH/err")
    expect_rc 1 "pprotect $cmd --file $bad"
    one_line "pprotect $cmd --file $bad"
    expect_contains "pprotect $cmd --file $bad" "$ERR" "error: cannot read the protected file"
  done
  RC=0; bounded "$RUN" --file "$bad" --domain ci -u ci@example.com --passphrase-file <(printf %s "$RAW_PASS") \
    -- true 2>"$SCRATCH/err" || RC=$?
  ERR=$(cat "$SCRATCH/err")
  expect_rc 125 "pprotect-run --file $bad"
  one_line "pprotect-run --file $bad"
done
expect_contains "a FIFO says so" "$(bounded "$PPROTECT" list-domains --file fifo 2>&1)" \
  "fifo: a FIFO (named pipe), not a regular file; refusing to wait for a writer"
expect_contains "a loop says so" "$(bounded "$PPROTECT" list-domains --file loop 2>&1)" \
  "loop: Too many levels of symbolic links"
expect_contains "a trailing slash says so" "$(bounded "$PPROTECT" list-domains --file p.yaml/ 2>&1)" \
  "p.yaml/: Not a directory"
run '' list-domains --file missing.yaml
expect_rc 2 "a missing file"
expect_contains "a missing file is not found" "$ERR" "Protected file not found:"

for bad in fifo dir /dev/zero; do
  RC=0; bounded "$PPROTECT" decrypt-domain ci --file p.yaml -u ci@example.com --passphrase-file "$bad" \
    >"$SCRATCH/out" 2>"$SCRATCH/err" </dev/null || RC=$?
  ERR=$(cat "$SCRATCH/err")
  expect_rc 1 "pprotect --passphrase-file $bad"
  one_line "pprotect --passphrase-file $bad"
  RC=0; bounded "$RUN" --file p.yaml --domain ci -u ci@example.com --passphrase-file "$bad" -- true \
    2>"$SCRATCH/err" || RC=$?
  ERR=$(cat "$SCRATCH/err")
  expect_rc 125 "pprotect-run --passphrase-file $bad"
  one_line "pprotect-run --passphrase-file $bad"
  expect_contains "pprotect-run --passphrase-file $bad" "$ERR" "not a regular file"
  RC=0; bounded "$PPROTECT" add-secret --file p.yaml --domain ci --secret NEW --value-file "$bad" \
    >"$SCRATCH/out" 2>"$SCRATCH/err" </dev/null || RC=$?
  ERR=$(cat "$SCRATCH/err")
  expect_rc 1 "add-secret --value-file $bad"
  one_line "add-secret --value-file $bad"
  case $bad in
  /dev/zero) expect_contains "an endless device is cut off" "$ERR" "is larger than a protected file can hold" ;;
  *) expect_contains "add-secret --value-file $bad" "$ERR" "not a regular file" ;;
  esac
done
# A character device is a stream a value may come from: /dev/null is empty.
run '' add-secret --file p.yaml --domain ci --secret EMPTY --value-file /dev/null
expect_rc 0 "add-secret --value-file /dev/null"
run '' rm-secret --file p.yaml --domain ci --secret EMPTY
python3 - "$PPROTECT_FIXTURES/raw.yaml" p.yaml <<'PY' || fail "a refused command changed the file"
import sys
a, b = (open(p).read().split("audit-log:")[0] for p in sys.argv[1:])
sys.exit(a != b)
PY

out=$(bounded "$RUN" --file p.yaml --domain ci -u ci@example.com --passphrase-file <(printf %s "$RAW_PASS") \
  -- sh -c 'printf %s "$DEPLOY_TOKEN"')
expect_eq "a passphrase from an anonymous pipe" "$out" "tok-0123456789abcdef"

# A value that would push the file past 16 MiB is not written.
head -c $((13 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >big-value
before=$(sha256sum <p.yaml)
run '' add-secret --file p.yaml --domain ci --secret HUGE --value-file big-value
expect_rc 1 "a value too big for the file"
expect_contains "a value too big for the file" "$ERR" "larger than a protected file may be (16 MiB)"
[ "$(sha256sum <p.yaml)" = "$before" ] || fail "the refused write changed the file"

# 16 MiB and one byte: refused by size, before parsing.
python3 -c "import sys; sys.stdout.write('# ' + 'x' * (16 * 1024 * 1024 - 2) + '\n')" >big.yaml
run '' list-domains --file big.yaml
expect_rc 1 "a file over 16 MiB"
expect_contains "a file over 16 MiB" "$ERR" "is too large for a protected file (more than 16 MiB)"
finish
