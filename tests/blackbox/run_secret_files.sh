#!/usr/bin/env bash
# --secret-file NAME[=VAR]: the child reads secret NAME, exactly, as often as
# it likes, from a sealed memfd at /dev/fd/N (never a path on a disk); with
# --no-env it is in no variable. Binary, 1 MiB and empty values too.
source "$(dirname "$0")/run_common.bash"
PPROTECT=$PPROTECT_BIN_DIR/pprotect
cp "$RAW_FILE" "$TMP/p.yaml"
add() { "$PPROTECT" add-secret --file "$TMP/p.yaml" --domain ci --secret "$1" --value-file "$2" >/dev/null; }
head -c 1048576 /dev/urandom >"$TMP/binary" # NUL bytes and all
: >"$TMP/empty"
printf 'line one\nline two\n' >"$TMP/pem"
add BLOB "$TMP/binary"
add EMPTY "$TMP/empty"
add PEM "$TMP/pem"
files() { "$RUN" --file "$TMP/p.yaml" --domain ci "$@"; }

# Each value read twice through its variable, compared byte for byte.
# shellcheck disable=SC2016
files --no-env --secret-file BLOB --secret-file EMPTY --secret-file PEM=CERT_PATH -- sh -c '
  cat "$BLOB_FILE" >"$0/blob1"; cat "$BLOB_FILE" >"$0/blob2"
  cat "$EMPTY_FILE" >"$0/empty1"; cat "$CERT_PATH" >"$0/pem1"; cat "$CERT_PATH" >"$0/pem2"
  printf "%s %s %s\n" "$BLOB_FILE" "$EMPTY_FILE" "$CERT_PATH" >"$0/paths"' "$TMP" ||
  fail "pprotect-run --secret-file failed"
for copy in 1 2; do
  cmp -s "$TMP/binary" "$TMP/blob$copy" || fail "the 1 MiB binary value differs (read $copy)"
  cmp -s "$TMP/pem" "$TMP/pem$copy" || fail "the PEM value differs (read $copy)"
done
[ ! -s "$TMP/empty1" ] || fail "the empty value is not empty"
pass "binary (1 MiB), empty and PEM values read back exactly, twice"
read -r blob_path empty_path cert_path <"$TMP/paths"
[[ $blob_path == /dev/fd/* && $empty_path == /dev/fd/* && $cert_path == /dev/fd/* ]] ||
  fail "paths are not /dev/fd/N: $(cat "$TMP/paths")"
pass "the variables hold /dev/fd/N paths: $(cat "$TMP/paths")"

# What the child's /proc shows: a memfd, read-only, sealed; no value in its
# environment with --no-env, the value and the path without it.
# shellcheck disable=SC2016
probe='n=${DEPLOY_TOKEN_FILE#/dev/fd/}
  echo "link=$(readlink /proc/self/fd/$n)"
  echo "flags=$(grep flags /proc/self/fdinfo/$n | awk "{print \$2}")"
  if printf x >>"$DEPLOY_TOKEN_FILE" 2>/dev/null; then echo write=yes; else echo write=no; fi
  echo "value=$(cat "$DEPLOY_TOKEN_FILE")"
  cat /proc/self/environ | tr "\0" "\n" | grep -c tok-0123456789abcdef || true'
out=$(run --no-env --secret-file DEPLOY_TOKEN -- sh -c "$probe")
expect_contains "readlink shows a memfd" "$out" "link=/memfd:pprotect:DEPLOY_TOKEN (deleted)"
flags=$(sed -n 's/^flags=//p' <<<"$out")
expect_eq "the child's descriptor is read-only (O_RDONLY)" "$(( 8#$flags & 3 ))" 0
expect_contains "writing it fails, even as root" "$out" "write=no"
expect_contains "and it still holds the value" "$out" "value=tok-0123456789abcdef"
expect_eq "--no-env: the value is nowhere in /proc/self/environ" "$(tail -n1 <<<"$out")" 0
out=$(run --secret-file DEPLOY_TOKEN -- sh -c "$probe")
expect_eq "without --no-env the value is in the environment as well" "$(tail -n1 <<<"$out")" 1

# The name rules: --prefix and --uppercase, as for variables; DOMAIN/NAME.
out=$(run --prefix APP --secret-file DEPLOY_TOKEN -- sh -c 'cat "$APP_DEPLOY_TOKEN_FILE"')
expect_eq "--prefix names the variable APP_DEPLOY_TOKEN_FILE" "$out" tok-0123456789abcdef
out=$(run --secret-file ci/DEPLOY_TOKEN=TOKEN_PATH -- sh -c 'cat "$TOKEN_PATH"')
expect_eq "DOMAIN/NAME and =VAR" "$out" tok-0123456789abcdef

# Errors: one line, 125, before anything runs.
set +e
err=$(run --secret-file NOPE -- touch "$TMP/ran" 2>&1 >/dev/null)
code=$?
set -e
expect_eq "an unknown secret is exit 125" "$code" 125
expect_contains "naming it" "$err" "'NOPE'"
[ ! -e "$TMP/ran" ] || fail "the command ran"
set +e
err=$(run --secret-file DEPLOY_TOKEN=DEPLOY_TOKEN -- true 2>&1)
code=$?
set -e
expect_eq "a VAR that collides with a secret's variable is exit 125" "$code" 125
expect_contains "and says so" "$err" "collision"
set +e
err=$(run --no-env -- true 2>&1)
code=$?
set -e
expect_eq "--no-env without files is a usage error" "$code" 125
# --exec keeps the descriptor too: the command replaces pprotect-run.
out=$(run --exec --secret-file DEPLOY_TOKEN -- sh -c 'cat "$DEPLOY_TOKEN_FILE"')
expect_eq "--exec hands the memfd over as well" "$out" tok-0123456789abcdef
finish
