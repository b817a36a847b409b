#!/usr/bin/env bash
# With --mask, output without a newline is not held up: a prompt shows
# within 50 ms (median of five) while the child waits for an answer, even
# one whose last bytes could begin a secret ("tok" of tok-...), which the
# supervisor holds back for at most 10 ms without output. A JSON-RPC reply
# line goes out when it is written.
source "$(dirname "$0")/run_common.bash"

python3 - "$RUN" "$RAW_FILE" "$TMP" <<'PY'
import os, select, statistics, subprocess, sys, time
run, raw, tmp = sys.argv[1:4]
failures = []
CHILD = r"""
import os, sys, time
stamp = sys.argv[1]
for i in range(5):
    written = time.monotonic()
    os.write(1, sys.argv[2].encode())
    with open(stamp + str(i), "w") as f:
        f.write(repr(written))
    sys.stdin.readline()
"""
for prompt in ("Password: ", "Continue with tok", '{"jsonrpc":"2.0","id":1,"result":{}}\n'):
    p = subprocess.Popen([run, "--file", raw, "--domain", "ci", "--mask", "--", "python3", "-c", CHILD,
                          os.path.join(tmp, "stamp"), prompt], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    delays = []
    for i in range(5):
        got = b""
        deadline = time.monotonic() + 10
        while got != prompt.encode() and time.monotonic() < deadline:
            ready, _, _ = select.select([p.stdout], [], [], 1)
            if ready:
                got += os.read(p.stdout.fileno(), 4096)
        seen = time.monotonic()
        if got != prompt.encode():
            failures.append("%r: got %r" % (prompt, got))
            break
        stamp = os.path.join(tmp, "stamp" + str(i))
        while not os.path.exists(stamp) or not open(stamp).read():
            time.sleep(0.001)
        delays.append(seen - float(open(stamp).read()))
        os.remove(stamp)
        p.stdin.write(b"\n")
        p.stdin.flush()
    p.stdin.close()
    p.wait(timeout=10)
    if delays:
        median = statistics.median(delays)
        print("ok: %r shown after %.1f ms (median of %d)" % (prompt, median * 1000, len(delays)))
        if median > 0.050:
            failures.append("%r shown after %.1f ms (median), more than 50 ms" % (prompt, median * 1000))
if failures:
    print("FAIL: " + "; ".join(failures), file=sys.stderr)
    sys.exit(1)
PY
finish
