#!/usr/bin/env bash
# A SIGTERM sent 0.5-4 ms after the launcher starts is never lost: the child
# (sleep 30) always ends by it, with and without --signal-group. 60 runs each.
source "$(dirname "$0")/run_common.bash"

python3 - "$RUN" "$RAW_FILE" <<'PY'
import os, random, signal, subprocess, sys, time
run, raw = sys.argv[1], sys.argv[2]
run_options = os.environ.get("PPROTECT_TEST_RUN_OPTIONS", "").split()
lost = []
for mode in ([], ["--signal-group"]):
    for i in range(60):
        delay = random.uniform(0.0005, 0.004)
        p = subprocess.Popen([run, "--file", raw, "--domain", "ci", *run_options, *mode, "--", "sleep", "30"])
        time.sleep(delay)
        p.send_signal(signal.SIGTERM)
        try:
            code = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            code = "hung"
        # 143: the child died of it, or it arrived before the child existed
        # and ended the launcher (run_startup_stop); -15: it arrived before
        # main() and its default action ended the launcher. Never lost.
        if code not in (143, -15):
            lost.append((mode, round(delay * 1000, 2), code))
if lost:
    print("FAIL: SIGTERM lost in %d runs: %s" % (len(lost), lost), file=sys.stderr)
    sys.exit(1)
print("ok: 0 of 120 lost")
PY
