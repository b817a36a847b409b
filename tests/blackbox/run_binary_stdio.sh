#!/usr/bin/env bash
# stdin, stdout and stderr are the child's, untouched: 1 MiB of random bytes
# goes stdin -> child -> stdout byte for byte, and the launcher adds nothing.
source "$(dirname "$0")/run_common.bash"
head -c 1048576 /dev/urandom >"$TMP/in"
run -- cat <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
cmp "$TMP/in" "$TMP/out" || fail "stdout differs from stdin"
[ ! -s "$TMP/err" ] || fail "stderr not empty: $(head -c 200 "$TMP/err")"
# Through pipes as well (an MCP client's setup).
cat "$TMP/in" | run -- cat | cat >"$TMP/out2"
cmp "$TMP/in" "$TMP/out2" || fail "stdout differs from stdin through pipes"
run -- sh -c 'cat >&2' <"$TMP/in" 2>"$TMP/err2" >"$TMP/out3"
cmp "$TMP/in" "$TMP/err2" || fail "stderr differs"
[ ! -s "$TMP/out3" ] || fail "launcher wrote to stdout"
echo ok
