#!/usr/bin/env bash
# A custodian record whose Argon2id limits exceed the strongest the
# reference writes (opslimit 4, 256 MiB) is refused at once, naming the
# custodian, by pprotect-run (125) and pprotect (1); the file is untouched.
# Without the cap, opslimit 0xFFFFFFFF ran for hours, memlimit 4 GiB took
# 4.2 GB.
source "$(dirname "$0")/run_common.bash"
PPROTECT=$PPROTECT_BIN_DIR/pprotect

hostile() { # out opslimit memlimit: raw.yaml with alice's v1 limits replaced
  python3 - "$RAW_FILE" "$1" "$2" "$3" <<'PY'
import base64, re, struct, sys
src, out, ops, mem = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
text = open(src).read()
def patch(m):
    raw = bytearray(base64.b64decode(m.group(2)))
    assert raw[0] == 1
    raw[1:9] = struct.pack("<II", ops, mem)
    return m.group(1) + base64.b64encode(bytes(raw)).decode()
text = re.sub(r"(alice@example.com:\n    pwdkm: )(\S+)", patch, text)
open(out, "w").write(text)
PY
}

for limits in "4294967295 67108864" "2 4294967295" "5 67108864" "4 268436480"; do
  # shellcheck disable=SC2086
  hostile "$TMP/hostile.yaml" $limits
  before=$(sha256sum <"$TMP/hostile.yaml")
  set +e
  PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='alice passphrase' \
    timeout 20 "$RUN" --file "$TMP/hostile.yaml" --domain prod -- true 2>"$TMP/err"
  code=$?
  set -e
  [ "$code" -eq 125 ] || fail "pprotect-run with limits $limits exited $code, not 125"
  [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "not one line: $(cat "$TMP/err")"
  grep -q "'alice@example.com'.*--allow-expensive-kdf" "$TMP/err" || fail "message: $(cat "$TMP/err")"
  set +e
  PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='alice passphrase' \
    timeout 20 "$PPROTECT" decrypt-domain prod --file "$TMP/hostile.yaml" >"$TMP/out" 2>"$TMP/err"
  code=$?
  set -e
  [ "$code" -eq 1 ] || fail "decrypt-domain with limits $limits exited $code, not 1"
  [ ! -s "$TMP/out" ] || fail "decrypt-domain printed: $(cat "$TMP/out")"
  grep -q "^error: key custodian 'alice@example.com' asks for an Argon2id cost" "$TMP/err" ||
    fail "message: $(cat "$TMP/err")"
  [ "$(sha256sum <"$TMP/hostile.yaml")" = "$before" ] || fail "the file changed"
done
# --allow-expensive-kdf lets both programs derive it (opslimit 5, 64 MiB: a
# fraction of a second). The record's other bytes stay those of limits
# 2/64 MiB, so the key derived does not match: the refusal is then the
# reference's bad credentials, not the cost.
hostile "$TMP/hostile.yaml" 5 67108864
set +e
PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='alice passphrase' \
  timeout 20 "$RUN" --allow-expensive-kdf --file "$TMP/hostile.yaml" --domain prod -- true 2>"$TMP/err"
code=$?
set -e
[ "$code" -eq 125 ] || fail "pprotect-run --allow-expensive-kdf exited $code, not 125"
if grep -q "Argon2id cost" "$TMP/err"; then fail "pprotect-run --allow-expensive-kdf still refused the cost"; fi
grep -qi "passphrase" "$TMP/err" || fail "pprotect-run --allow-expensive-kdf: $(cat "$TMP/err")"
set +e
PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='alice passphrase' \
  timeout 20 "$PPROTECT" decrypt-domain prod --allow-expensive-kdf --file "$TMP/hostile.yaml" >/dev/null 2>"$TMP/err"
code=$?
set -e
if grep -q "Argon2id cost" "$TMP/err"; then fail "pprotect --allow-expensive-kdf still refused the cost"; fi
grep -qi "passphrase" "$TMP/err" || fail "pprotect --allow-expensive-kdf ($code): $(cat "$TMP/err")"
# Another custodian of the same file is not held back by it.
hostile "$TMP/hostile.yaml" 4294967295 67108864
out=$("$RUN" --file "$TMP/hostile.yaml" --domain ci -- sh -c 'printf %s "$DEPLOY_TOKEN"')
[ "$out" = tok-0123456789abcdef ] || fail "the raw custodian could not run: $out"
echo ok
