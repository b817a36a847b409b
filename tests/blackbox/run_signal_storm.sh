#!/usr/bin/env bash
# 1,000 signals at the supervisor reach the child as the kernel would
# deliver them sent to it directly: every real-time signal exactly once,
# queued values in order (sigqueue), each standard signal at least once and
# never more often than sent (they coalesce while pending). The exit status
# is the child's. With --signal-group the counts hold too.
source "$(dirname "$0")/run_common.bash"
COUNTER=$PPROTECT_BIN_DIR/signal_counter
[ -x "$COUNTER" ] || fail "$COUNTER not built"

for mode in "" --signal-group; do
  tally=$TMP/tally$mode
  run_bg $mode -- "$COUNTER" "$tally" >"$TMP/ready$mode"
  wait_for "grep -qs ready '$TMP/ready$mode'" || fail "child did not start"
  python3 - "$LAUNCHER" "$tally" "${mode:-direct}" <<'PY' || fail "signal storm ($mode)"
import ctypes, os, random, signal, sys, time
launcher, tally, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
libc = ctypes.CDLL(None, use_errno=True)
rt = [signal.SIGRTMIN + k for k in range(5)]
standard = [signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGALRM, signal.SIGURG, signal.SIGHUP]
sent = {}
queued = {n: [] for n in rt}
rng = random.Random(1)
for i in range(1000):
    if i % 5 < 3:
        n = rng.choice(rt)
        if i % 2 == 0:
            value = len(queued[n])
            # union sigval is passed as a pointer-sized integer.
            if libc.sigqueue(launcher, n, ctypes.c_void_p(value)) != 0:
                raise OSError(ctypes.get_errno(), "sigqueue")
            queued[n].append(value)
        else:
            os.kill(launcher, n)
    else:
        n = rng.choice(standard)
        os.kill(launcher, n)
    sent[n] = sent.get(n, 0) + 1
time.sleep(1.0)  # let the last ones through before the final SIGTERM
os.kill(launcher, signal.SIGTERM)
deadline = time.time() + 10
while not os.path.exists(tally) and time.time() < deadline:
    time.sleep(0.05)
time.sleep(0.1)
got = {}
values = {}
for line in open(tally):
    fields = [int(x) for x in line.split()]
    got[fields[0]] = fields[1]
    values[fields[0]] = fields[2:]
bad = []
for n, count in sent.items():
    name = signal.Signals(n).name if n < signal.SIGRTMIN else "SIGRTMIN+%d" % (n - signal.SIGRTMIN)
    received = got.get(n, 0)
    if n in rt:
        if received != count:
            bad.append("%s: sent %d, received %d" % (name, count, received))
        if mode == "direct" and values.get(n, []) != queued[n]:
            bad.append("%s: queued values out of order or lost: %s..." % (name, values.get(n, [])[:10]))
    elif not 1 <= received <= count:
        bad.append("%s: sent %d, received %d" % (name, count, received))
extra = set(got) - set(sent)
if extra:
    bad.append("received signals never sent: %s" % sorted(extra))
if bad:
    print("FAIL (%s): %s" % (mode, "; ".join(bad)), file=sys.stderr)
    sys.exit(1)
print("ok (%s): %d signals, %d real-time all delivered" % (mode, sum(sent.values()), sum(sent[n] for n in rt if n in sent)))
PY
  set +e
  wait "$LAUNCHER"
  code=$?
  set -e
  [ "$code" = 42 ] || fail "exit status $code, expected the child's 42 ($mode)"
done
echo ok
