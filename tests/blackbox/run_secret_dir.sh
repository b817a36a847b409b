#!/usr/bin/env bash
# --secret-dir: a fresh 0700 directory on a tmpfs, one 0400 file per
# secret, its path in SECRETS_DIR; gone after the child exits, after a
# SIGTERM to pprotect-run, after the child is SIGKILLed. Without a tmpfs:
# exit 125, nothing written anywhere.
source "$(dirname "$0")/run_common.bash"
unset XDG_RUNTIME_DIR

# shellcheck disable=SC2016
out=$(run --secret-dir --no-env -- sh -c '
  echo "dir=$SECRETS_DIR"
  echo "fs=$(stat -f -c %T "$SECRETS_DIR")"
  echo "mode=$(stat -c %a "$SECRETS_DIR") file=$(stat -c %a "$SECRETS_DIR/DEPLOY_TOKEN")"
  echo "value=$(cat "$SECRETS_DIR/DEPLOY_TOKEN")"
  echo "entries=$(ls -A "$SECRETS_DIR" | tr "\n" " ")"')
dir=$(sed -n 's/^dir=//p' <<<"$out")
[[ $dir == /dev/shm/pprotect-secrets.* || $dir == /run/pprotect-secrets.* ]] || fail "not on /dev/shm or /run: $dir"
expect_eq "on a tmpfs" "$(sed -n 's/^fs=//p' <<<"$out")" tmpfs
expect_contains "directory 0700, file 0400" "$out" "mode=700 file=400"
expect_contains "the file holds the value" "$out" "value=tok-0123456789abcdef"
expect_eq "one file per secret, nothing else" "$(sed -n 's/^entries=//p' <<<"$out")" "DEPLOY_TOKEN "
[ ! -e "$dir" ] || fail "$dir is left after the child exited"
pass "removed once the child exited"

# Names up to NAME_MAX (255 bytes) are files like any other: the file is
# written under a temporary name of its own, not the secret's name with more
# around it. A longer name is refused as too long, named.
long_name() { printf "%${1}s" "" | tr ' ' "$2"; }
protected_copy "$TMP/long.yaml" "$(long_name 251 a)" v251 "$(long_name 255 b)" v255
# shellcheck disable=SC2016
out=$("$RUN" --file "$TMP/long.yaml" --domain ci "${RUN_OPTIONS[@]}" --secret-dir --no-env -- sh -c '
  for f in "$SECRETS_DIR"/*; do echo "$(basename "$f" | wc -c) $(cat "$f")"; done
  echo "entries=$(ls -A "$SECRETS_DIR" | wc -l)"' 2>"$TMP/err") ||
  fail "names of 251 and 255 bytes failed: $(cat "$TMP/err")"
expect_contains "a 251-byte name is a file" "$out" "252 v251"
expect_contains "a 255-byte name is a file" "$out" "256 v255"
expect_contains "and nothing else is left there" "$out" "entries=3"
protected_copy "$TMP/longer.yaml" "$(long_name 256 c)" v256
set +e
"$RUN" --file "$TMP/longer.yaml" --domain ci "${RUN_OPTIONS[@]}" --secret-dir -- touch "$TMP/ran" 2>"$TMP/err"
code=$?
set -e
expect_eq "a 256-byte name: exit 125" "$code" 125
expect_contains "said to be too long, named" "$(cat "$TMP/err")" \
  "secret '$(long_name 256 c)' of domain 'ci' is longer than a file name may be (255 bytes)"
[ ! -e "$TMP/ran" ] || fail "the child ran without its secret"

# $XDG_RUNTIME_DIR first, when it is a tmpfs.
mkdir -p "$TMP/runtime"
if mount -t tmpfs -o size=1m,mode=0700 tmpfs "$TMP/runtime" 2>/dev/null; then
  on_exit "umount '$TMP/runtime'"
  out=$(XDG_RUNTIME_DIR=$TMP/runtime run --secret-dir -- sh -c 'echo "$SECRETS_DIR"')
  [[ $out == "$TMP/runtime/pprotect-secrets."* ]] || fail "XDG_RUNTIME_DIR not taken: $out"
  pass "a tmpfs XDG_RUNTIME_DIR comes first"
  out=$(XDG_RUNTIME_DIR=$TMP run --secret-dir -- sh -c 'echo "$SECRETS_DIR"')
  [[ $out != "$TMP/"* ]] || fail "an XDG_RUNTIME_DIR on a disk was taken: $out"
  pass "an XDG_RUNTIME_DIR that is no tmpfs is passed over"
fi

# The ways out: SIGTERM to pprotect-run, SIGKILL to the child.
for how in "TERM launcher" "KILL child"; do
  run_bg --secret-dir -- sh -c 'echo "$SECRETS_DIR" >"$0/dir"; exec sleep 30' "$TMP" 2>/dev/null
  wait_for "[ -s '$TMP/dir' ]" || fail "child did not start"
  dir=$(cat "$TMP/dir")
  [ -d "$dir" ] || fail "no directory while the child runs"
  read -r signal whom <<<"$how"
  if [ "$whom" = launcher ]; then
    kill "-$signal" "$LAUNCHER"
  else
    kill "-$signal" "$(child_of "$LAUNCHER")"
  fi
  wait "$LAUNCHER" || true
  [ ! -e "$dir" ] || fail "$dir left after SIG$signal to the $whom"
  pass "removed after SIG$signal to the $whom"
  rm -f "$TMP/dir"
done

# No tmpfs anywhere: /dev/shm and /run replaced by a directory on a disk, in
# a mount namespace of our own.
mkdir -p "$TMP/disk"
# shellcheck disable=SC2016
set +e
unshare -m sh -c '
  mount --make-rprivate / && mount --bind "$1" /dev/shm && mount --bind "$1" /run || exit 99
  exec "$2" --file "$3" --domain ci --secret-dir -- touch "$1/ran"' sh "$TMP/disk" "$RUN" "$RAW_FILE" \
  2>"$TMP/err"
code=$?
set -e
[ "$code" != 99 ] || skip "cannot bind-mount over /dev/shm here"
expect_eq "no tmpfs: exit 125" "$code" 125
expect_contains "with a clear error" "$(cat "$TMP/err")" "no tmpfs"
expect_eq "and nothing was written to the disk" "$(ls -A "$TMP/disk")" ""
finish
