#!/usr/bin/env bash
# --mask masks a value in each form a program prints it in: raw; standard
# and URL-safe base64 at each of the three byte alignments inside longer
# data; base64 wrapped at 76 columns (base64(1), base64.encodebytes) and
# at 64 (PEM); percent-encoding (quote with and without its default safe
# '/', quote_plus); JSON strings (ASCII-only and UTF-8); shlex.quote and
# bash's set -x. Values that overlap, or one inside
# another, come out as one label: the longest occurrence's, and no part of
# either value shows.
source "$(dirname "$0")/run_common.bash"

SPECIAL='p@ss w"o\rd'\''x/+?=&é'
# 93 bytes: its base64 (124 characters) spans two lines at 76 or 64.
LONG_KEY=long-key-0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_
protected_copy "$TMP/p.yaml" SPECIAL "$SPECIAL" OVER_A abcdefghij1234567 OVER_B 1234567klmnopqrst \
  OUTER xx-inner-secret-value-xx INNER inner-secret-value LONG_KEY "$LONG_KEY"

python3 - "$RUN" "$TMP/p.yaml" "$SPECIAL" <<'PY'
import base64, json, shlex, subprocess, sys, urllib.parse
run, protected, special = sys.argv[1], sys.argv[2], sys.argv[3].encode()
failures = []

def masked(child, stream="stdout"):
    p = subprocess.run([run, "--file", protected, "--domain", "ci", "--mask", "--", *child],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        failures.append("%s: exit %d %r" % (child, p.returncode, p.stderr[:200]))
    return p.stdout if stream == "stdout" else p.stderr

def inner_base64(encode, prefix, value, suffix):
    """The characters of encode(prefix + value + suffix) that hold bits of value alone."""
    text = encode(prefix + value + suffix).decode()
    first, end = len(prefix), len(prefix) + len(value)
    return "".join(c for i, c in enumerate(text) if i * 6 // 8 >= first and (i * 6 + 5) // 8 < end)

cases = []  # (what, printed, what must not show)
for name, value in (("DEPLOY_TOKEN", b"tok-0123456789abcdef"), ("SPECIAL", special)):
    for prefix in (b"", b"a", b"ab"):
        for encode, kind in ((base64.b64encode, "base64"), (base64.urlsafe_b64encode, "base64url")):
            printed = encode(prefix + value + b"!?").decode()
            cases.append(("%s %s after %d bytes" % (name, kind, len(prefix)), printed,
                          inner_base64(encode, prefix, value, b"!?"), name))
        cases.append(("%s base64 of the value alone, offset %d" % (name, len(prefix)),
                      base64.b64encode(value[len(prefix):]).decode(), base64.b64encode(value[len(prefix):]).decode(), name))
text = special.decode()
for what, printed in (("percent quote", urllib.parse.quote(text, safe="")),
                      ("percent quote, safe='/'", urllib.parse.quote(text)),
                      ("percent quote_plus", urllib.parse.quote_plus(text, safe="")),
                      ("JSON ensure_ascii", json.dumps(text)),
                      ("JSON UTF-8", json.dumps(text, ensure_ascii=False)),
                      ("shlex.quote", shlex.quote(text))):
    inside = printed[1:-1] if what.startswith("JSON") else printed
    cases.append(("SPECIAL " + what, printed, inside, "SPECIAL"))

script = "".join("print(%r)\n" % ("%d:%s" % (i, case[1])) for i, case in enumerate(cases))
out = masked(["python3", "-c", script]).decode()
lines = dict(line.split(":", 1) for line in out.splitlines())
for i, (what, printed, hidden, name) in enumerate(cases):
    line = lines.get(str(i), "")
    if hidden in line or "[REDACTED:%s]" % name not in line:
        failures.append("%s: printed %r, came out %r" % (what, printed, line))

# bash's xtrace quotes the value its own way, on stderr.
err = masked(["bash", "-c", 'set -x; : "$SPECIAL"'], "stderr").decode()
if "[REDACTED:SPECIAL]" not in err or "w\"o" in err:
    failures.append("set -x: %r" % err)

# Wrapped base64 of a value whose base64 spans lines: base64(1) and
# base64.encodebytes at 76 columns, PEM at 64 (as openssl base64 writes
# it; ssl.DER_cert_to_PEM_cert is Python's PEM writer).
out = masked(["sh", "-c", 'printf %s "$LONG_KEY" | base64; echo ---; python3 -c "$0"',
              "import base64, os, ssl, sys\n"
              "value = os.environb[b'LONG_KEY']\n"
              "sys.stdout.write(base64.encodebytes(value).decode() + '---\\n' + ssl.DER_cert_to_PEM_cert(value))"]).decode()
expected = ("[REDACTED:LONG_KEY]\n---\n[REDACTED:LONG_KEY]\n---\n"
            "-----BEGIN CERTIFICATE-----\n[REDACTED:LONG_KEY]\n-----END CERTIFICATE-----\n")
if out != expected:
    failures.append("wrapped base64: %r, expected %r" % (out, expected))

# Overlapping values and a value inside another: one label, nothing else.
out = masked(["sh", "-c", 'echo "<${OVER_A}klmnopqrst>"; echo "<abcdefghij${OVER_B}>"; echo "<$OUTER>"; echo "<$INNER>"']).decode()
expected = "<[REDACTED:OVER_A]>\n<[REDACTED:OVER_A]>\n<[REDACTED:OUTER]>\n<[REDACTED:INNER]>\n"
if out != expected:
    failures.append("overlaps: %r, expected %r" % (out, expected))

if failures:
    print("FAIL: " + "\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("ok: %d encoded forms" % len(cases))
PY
finish
