#!/usr/bin/env bash
# --mask catches a value however the child's writes cut it: split at every
# offset across two reads of the supervisor's (the child writes the rest
# once the pipe is empty: the first part was read alone), across two writes 100 ms
# apart (from its fourth byte on: what is held back waits for the rest);
# a UTF-8 value split inside a character; text split inside a character
# comes out as it went in; and a child that exits while bytes are held back
# has them all written.
source "$(dirname "$0")/run_common.bash"

protected_copy "$TMP/p.yaml" UNICODE_SECRET 'pässwörd-ünïcode-✓-ok'

python3 - "$RUN" "$TMP/p.yaml" <<'PY'
import subprocess, sys
run, protected = sys.argv[1:3]
failures = []

def masked(child, *args):
    p = subprocess.run([run, "--file", protected, "--domain", "ci", "--mask", "--", "python3", "-c", child, *args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0 or p.stderr:
        failures.append("exit %d, stderr %r" % (p.returncode, p.stderr[:300]))
    return p.stdout

PREAMBLE = r"""
import array, fcntl, os, sys, termios, time
value = os.environ[sys.argv[1]].encode()
def out(b): os.write(1, b)
def read_by_now():
    # FIONREAD on our end of the pipe: what the supervisor has not read.
    left = array.array("i", [0])
    while True:
        fcntl.ioctl(1, termios.FIONREAD, left)
        if left[0] == 0:
            return
"""

VALUES = {"DEPLOY_TOKEN": b"tok-0123456789abcdef", "UNICODE_SECRET": "pässwörd-ünïcode-✓-ok".encode()}
for name, value in VALUES.items():
    label = b"[REDACTED:" + name.encode() + b"]"
    # Every offset, each part read on its own.
    got = masked(PREAMBLE + r"""
for k in range(1, len(value)):
    out(b"<" + value[:k]); read_by_now(); out(value[k:] + b">\n"); read_by_now()
""", name)
    lines = got.split(b"\n")[:-1]
    count = len(lines)
    bad = [i + 1 for i, line in enumerate(lines) if line != b"<" + label + b">"]
    if count != len(value) - 1 or bad:
        failures.append("%s split across two reads: %d lines, wrong at offsets %s: %r" % (name, count, bad[:5], got[:300]))
    # Two writes 100 ms apart, from the fourth byte on (and the offsets
    # inside a character of the UTF-8 value among them).
    offsets = [4, 5, 7, len(value) // 2, len(value) - 1]
    got = masked(PREAMBLE + r"""
for k in [int(a) for a in sys.argv[2:]]:
    out(b"<" + value[:k]); time.sleep(0.1); out(value[k:] + b">\n")
""", name, *map(str, offsets))
    if got != (b"<" + label + b">\n") * len(offsets):
        failures.append("%s split 100 ms apart at %s: %r" % (name, offsets, got))

# Text split inside a character, 100 ms apart: the same bytes come out.
text = "héllo wörld ✓ — ça va\n".encode()
got = masked(r"""
import os, sys, time
text = "héllo wörld ✓ — ça va\n".encode()
for k in (2, 10, 14, 15):
    os.write(1, text[:k]); time.sleep(0.1); os.write(1, text[k:])
""", "x")
if got != text * 4:
    failures.append("UTF-8 text split inside characters: %r" % got)

# The child exits while bytes are held back: the start of a value (held,
# as it may be a secret), and a value then such a start.
got = masked(PREAMBLE + r"""
out(b"held tok-0123")
""", "DEPLOY_TOKEN")
if got != b"held tok-0123":
    failures.append("held prefix at exit: %r" % got)
got = masked(PREAMBLE + r"""
out(b"a " + value + b" b tok-01")
""", "DEPLOY_TOKEN")
if got != b"a [REDACTED:DEPLOY_TOKEN] b tok-01":
    failures.append("value then held prefix at exit: %r" % got)

if failures:
    print("FAIL: " + "\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("ok")
PY
finish
