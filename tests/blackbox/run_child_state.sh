#!/usr/bin/env bash
# The child starts with the signal mask and ignored dispositions the launcher
# was started with (systemd ignores SIGPIPE, for one), not with the
# launcher's all-blocked mask, and with no descriptor beyond 0, 1 and 2.
source "$(dirname "$0")/run_common.bash"

# A parent that ignores SIGPIPE and SIGUSR2, blocks SIGUSR1 and SIGWINCH and
# leaves descriptors 5 and 7 open (inheritable) for the launcher.
python3 - "$RUN" "$RAW_FILE" "$TMP" <<'PY'
import os, signal, subprocess, sys, time
run, raw, tmp = sys.argv[1:4]
run_options = os.environ.get("PPROTECT_TEST_RUN_OPTIONS", "").split()
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
signal.signal(signal.SIGUSR2, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGWINCH})
def own_status(name):
    for line in open("/proc/self/status"):
        if line.startswith(name + ":"):
            return int(line.split()[1], 16)
want_blk = own_status("SigBlk")
want_ign = own_status("SigIgn")  # python also ignores SIGXFSZ itself
assert want_blk & (1 << (signal.SIGUSR1 - 1)) and want_ign & (1 << (signal.SIGPIPE - 1))
r5 = os.open("/dev/null", os.O_RDONLY); os.dup2(r5, 5)
r7 = os.open("/dev/null", os.O_RDONLY); os.dup2(r7, 7)
# --mask needs the supervisor: no --exec then.
for mode in ([], ["--exec"]) if not run_options else ([],):
    p = subprocess.Popen([run, "--file", raw, "--domain", "ci", *run_options, *mode, "--", "sh", "-c", "echo ready; exec sleep 30"],
                         stdout=subprocess.PIPE, pass_fds=(5, 7), restore_signals=False)
    assert p.stdout.readline() == b"ready\n"
    pid = p.pid
    if not mode:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            pid = int(f.read().split()[0])
    # "ready" comes from sh just before it execs sleep, and the dynamic
    # loader briefly holds libc open on fd 3 while sleep starts: wait for
    # sleep itself with nothing but 0-2 open. A descriptor that leaked from
    # the launcher stays open, so it still fails at the deadline.
    deadline = time.monotonic() + 10
    while True:
        comm = open("/proc/%d/comm" % pid).read().strip()
        fds = sorted(int(fd) for fd in os.listdir("/proc/%d/fd" % pid))
        if (comm == "sleep" and fds == [0, 1, 2]) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    status = dict(line.split(":\t", 1) for line in open("/proc/%d/status" % pid).read().splitlines() if ":\t" in line)
    p.kill(); p.wait()
    os.kill(pid, signal.SIGKILL) if not mode else None
    blk = int(status["SigBlk"], 16)
    ign = int(status["SigIgn"], 16)
    errors = []
    if blk != want_blk:
        errors.append("SigBlk %x, expected %x" % (blk, want_blk))
    if ign != want_ign:
        errors.append("SigIgn %x, expected %x" % (ign, want_ign))
    if fds != [0, 1, 2]:
        errors.append("fds %s, expected [0, 1, 2]" % fds)
    if errors:
        print("FAIL %s: %s" % (mode or "supervised", "; ".join(errors)), file=sys.stderr)
        sys.exit(1)
print("ok")
PY
