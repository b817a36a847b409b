#!/usr/bin/env bash
# --mask in pipelines: when our stdout's reader goes (`| head -1`) the child
# gets SIGPIPE itself, as without --mask; stdout and stderr that are the
# same pipe (2>&1) keep the child's order; a reader that does not read
# holds up the child, not the supervisor (signals still reach the child),
# and its output is all written once it reads; a second stop request ends
# the wait on a reader that never reads; a daemon left holding the output
# (sleep &) does not keep pprotect-run from exiting; a stdout closed at
# start stays closed for the child.
source "$(dirname "$0")/run_common.bash"

# yes | head -1: yes dies of SIGPIPE, promptly.
set +e
timeout 20 "$RUN" --file "$RAW_FILE" --domain ci --mask -- yes | head -1 >"$TMP/head"
codes=("${PIPESTATUS[@]}")
set -e
expect_eq "yes | head -1: yes died of SIGPIPE" "${codes[0]}" 141
expect_eq "yes | head -1: the line" "$(cat "$TMP/head")" y

# 2>&1 | cat: one pipe, the child's order.
run --mask -- python3 -c '
import os
for i in range(2000):
    os.write(1 + i % 2, b"%d\n" % i)' 2>&1 | cat >"$TMP/merged"
expect_eq "2>&1 keeps the order" "$(cat "$TMP/merged")" "$(seq 0 1999)"

# A daemon keeps the output open: exit at once all the same.
start=$(date +%s%N)
out=$(run --mask -- sh -c 'sleep 30 & echo "done $DEPLOY_TOKEN"')
took=$((($(date +%s%N) - start) / 1000000))
expect_eq "a background job holding stdout: output" "$out" "done [REDACTED:DEPLOY_TOKEN]"
[ "$took" -lt 5000 ] || fail "a background job holding stdout kept pprotect-run $took ms"
pass "a background job holding stdout: exit after $took ms"

# Started with stdout closed (`>&-`): the child finds it closed, as without
# --mask (its write fails), and nothing of ours (a signalfd, a pipe, a
# secret file) is taken for stdout.
for mode in "" --mask "--mask --secret-file DEPLOY_TOKEN"; do
  # shellcheck disable=SC2086
  err=$(run $mode --quiet -- sh -c 'echo "out $DEPLOY_TOKEN" 2>/dev/null; echo "rc=$?" >&2' 2>&1 >&-)
  expect_eq "stdout closed at start ($mode): the child's write fails, nothing else is said" "$err" "rc=1"
done

python3 - "$RUN" "$RAW_FILE" "$TMP" <<'PY'
import os, signal, subprocess, sys, time
run, raw, tmp = sys.argv[1:4]
failures = []
CHILD = r"""
import os, signal, sys
def note(number, frame):
    with open(sys.argv[1], "a") as f:
        f.write("USR1\n")
signal.signal(signal.SIGUSR1, note)
print(os.getpid(), file=sys.stderr, flush=True)
chunk = b"x" * 65536
while True:
    os.write(1, chunk)
"""

def start():
    read_end, write_end = os.pipe()  # nobody reads read_end for now
    p = subprocess.Popen([run, "--file", raw, "--domain", "ci", "--mask", "--", "python3", "-c", CHILD,
                          os.path.join(tmp, "usr1")], stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    child = int(p.stderr.readline())
    time.sleep(0.5)  # both pipes full by now
    return p, read_end, child

# A reader that does not read: signals still reach the child, which is
# stopped on its write, not the supervisor.
p, reader, child = start()
p.send_signal(signal.SIGUSR1)
deadline = time.monotonic() + 10
while not os.path.exists(os.path.join(tmp, "usr1")) and time.monotonic() < deadline:
    time.sleep(0.02)
if not os.path.exists(os.path.join(tmp, "usr1")):
    failures.append("SIGUSR1 did not reach the child while stdout was not read")
# SIGTERM ends the child; the supervisor then writes what it holds, which
# a reader that reads gets, and exits with the child's status.
p.send_signal(signal.SIGTERM)
time.sleep(0.5)
if p.poll() is not None:
    failures.append("exited (%s) before its output was read" % p.returncode)
os.set_blocking(reader, True)
total = 0
while True:
    data = os.read(reader, 1 << 20)
    if not data:
        break
    total += len(data)
code = p.wait(timeout=10)
if code != 128 + signal.SIGTERM or total == 0:
    failures.append("after SIGTERM and a reader: exit %s, %d bytes" % (code, total))
os.close(reader)

# A reader that never reads: a second stop request ends the wait.
p, reader, child = start()
p.send_signal(signal.SIGTERM)
time.sleep(0.5)
p.send_signal(signal.SIGTERM)
try:
    code = p.wait(timeout=5)
    if code != 128 + signal.SIGTERM:
        failures.append("second SIGTERM: exit %d" % code)
except subprocess.TimeoutExpired:
    p.kill()
    failures.append("a second SIGTERM did not end the wait on a reader that never reads")
os.close(reader)
if failures:
    print("FAIL: " + "; ".join(failures), file=sys.stderr)
    sys.exit(1)
print("ok: a reader that reads got %d bytes after SIGTERM" % total)
PY
finish
