#!/usr/bin/env bash
# --mask on binary output: 2 MiB of random bytes with secrets embedded at
# random places, written in writes of random sizes to stdout and to stderr
# (each its own pipe), come out byte for byte but for each secret, which is
# its label. Without secrets in it, binary output passes unchanged (and
# stdin is never relayed: run_binary_stdio runs with --mask too).
source "$(dirname "$0")/run_common.bash"

protected_copy "$TMP/p.yaml" LONG_KEY 'k3y-with-sixty-four-bytes-0123456789-abcdefghijklmnopqrstuvwxyz!'

python3 - "$RUN" "$TMP/p.yaml" "$TMP" <<'PY'
import os, random, subprocess, sys
run, protected, tmp = sys.argv[1:4]
secrets = {b"tok-0123456789abcdef": b"[REDACTED:DEPLOY_TOKEN]",
           b"k3y-with-sixty-four-bytes-0123456789-abcdefghijklmnopqrstuvwxyz!": b"[REDACTED:LONG_KEY]"}
rng = random.Random(int.from_bytes(os.urandom(4), "little"))
seed = rng.getrandbits(32)
rng = random.Random(seed)

def make(embed):
    data, expected = bytearray(), bytearray()
    while len(data) < 2 << 20:
        chunk = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 3000)))
        data += chunk
        expected += chunk
        if embed:
            value = rng.choice(list(secrets))
            # A quote on either side would make bash's quoted form of the
            # value match instead: keep neighbours plain.
            data += b"\x00" + value + b"\x00"
            expected += b"\x00" + secrets[value] + b"\x00"
    return bytes(data), bytes(expected)

failures = []
for embed in (True, False):
    data, expected = make(embed)
    with open(os.path.join(tmp, "data"), "wb") as f:
        f.write(data)
    # The same bytes through stdout alone, then through stderr alone.
    child = r"""
import os, random, sys
data = open(sys.argv[1], "rb").read()
fd, rng = int(sys.argv[2]), random.Random(int(sys.argv[3]))
at = 0
while at < len(data):
    n = rng.randint(1, 9000)
    os.write(fd, data[at:at + n])
    at += n
"""
    for fd in (1, 2):
        p = subprocess.run([run, "--file", protected, "--domain", "ci", "--mask", "--", "python3", "-c", child,
                            os.path.join(tmp, "data"), str(fd), str(seed)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        got = p.stdout if fd == 1 else p.stderr
        other = p.stderr if fd == 1 else p.stdout
        if p.returncode != 0 or got != expected or other:
            first = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
            failures.append("seed %d, %s, fd %d: exit %d, %d bytes out (expected %d), first difference at %d: %r / %r"
                            % (seed, "secrets" if embed else "no secret", fd, p.returncode, len(got), len(expected),
                               first, got[first:first + 40], expected[first:first + 40]))
if failures:
    print("FAIL: " + "\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("ok (seed %d)" % seed)
PY
finish
