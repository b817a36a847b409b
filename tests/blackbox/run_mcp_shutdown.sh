#!/usr/bin/env bash
# An MCP client (the official SDK) ends a stdio server by closing its stdin,
# then SIGTERM after 2 s, then SIGKILL after 2 s more, all to the launcher
# only. Whatever stage ends it, the server never outlives the launcher.
source "$(dirname "$0")/run_common.bash"

python3 - "$RUN" "$RAW_FILE" "$TMP" <<'PY'
import os, signal, subprocess, sys, time
run, raw, tmp = sys.argv[1:4]
run_options = os.environ.get("PPROTECT_TEST_RUN_OPTIONS", "").split()

SERVERS = {
    # Reads JSON-RPC lines until EOF, then exits: stage 1 ends it.
    "eof": "import sys\nfor line in sys.stdin: sys.stdout.write(line); sys.stdout.flush()\n",
    # Never reads stdin: SIGTERM (stage 2) ends it.
    "term": "import time\nwhile True: time.sleep(1)\n",
    # Ignores SIGTERM: only a SIGKILL ends it.
    "stubborn": "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True: time.sleep(1)\n",
}

def alive(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return "\nState:\tZ" not in f.read()
    except FileNotFoundError:
        return False

def client(server, options):
    p = subprocess.Popen([run, "--file", raw, "--domain", "ci", *run_options, *options, "--", "python3", "-c",
                          "import os; print(os.getpid(), flush=True)\n" + SERVERS[server]],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    server_pid = int(p.stdout.readline())
    p.stdin.write(b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n'); p.stdin.flush()
    assert p.stdout.readline() if server == "eof" else True
    p.stdin.close()                         # stage 1
    stage = 1
    try:
        p.wait(timeout=2)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGTERM)       # stage 2
        stage = 2
        try:
            p.wait(timeout=2)
        except subprocess.TimeoutExpired:
            p.kill()                        # stage 3
            stage = 3
            p.wait()
    # The launcher is gone: the server must be gone too (allow the kernel a
    # moment to deliver the parent-death signal).
    for _ in range(40):
        if not alive(server_pid):
            return stage, True
        time.sleep(0.05)
    os.kill(server_pid, signal.SIGKILL)
    return stage, False

errors = []
for server, options, expected_stage in [
        ("eof", [], 1),
        ("term", [], 2),
        # The recommended MCP setup: --stop-timeout below the client's 2 s.
        ("stubborn", ["--stop-timeout", "1"], 2),
        # Or a death signal that cannot be ignored, for stage 3.
        ("stubborn", ["--parent-death-signal", "KILL"], 3)]:
    stage, gone = client(server, options)
    print("%s %s: ended in stage %d, server %s" % (server, options, stage, "gone" if gone else "OUTLIVED the launcher"))
    if not gone:
        errors.append("%s %s: the server outlived the launcher" % (server, options))
    if stage != expected_stage:
        errors.append("%s %s: stage %d, expected %d" % (server, options, stage, expected_stage))
if errors:
    print("FAIL: " + "; ".join(errors), file=sys.stderr)
    sys.exit(1)
print("ok")
PY
