#!/usr/bin/env bash
# systemd socket activation: with LISTEN_PID = the launcher's pid, the
# LISTEN_FDS descriptors (3, 4, ...) stay open in the child and LISTEN_PID
# is rewritten to the child's pid; other descriptors are still closed.
source "$(dirname "$0")/run_common.bash"

python3 - "$RUN" "$RAW_FILE" <<'PY'
import os, socket, sys
run, raw = sys.argv[1:3]
run_options = os.environ.get("PPROTECT_TEST_RUN_OPTIONS", "").split()
CHILD = r"""
import os, stat
e = os.environ
print(os.getpid(), e.get("LISTEN_PID"), e.get("LISTEN_FDS"), e.get("LISTEN_FDNAMES"))
fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))[:-1]  # the last one was listdir's own
print(" ".join(map(str, fds)))
print(" ".join("socket" if stat.S_ISSOCK(os.fstat(fd).st_mode) else "other" for fd in (3, 4) if fd in fds))
"""

def start(extra_args, listen_pid_is_launcher=True):
    a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        # Out of the way first, then into place: 3 and 4 may be taken.
        high = [os.dup2(fd, 100 + i) for i, fd in
                enumerate((write_end, a.fileno(), b.fileno(), os.open("/dev/null", os.O_RDONLY)))]
        os.dup2(high[0], 1); os.dup2(high[1], 3); os.dup2(high[2], 4)
        os.dup2(high[3], 6)  # not a listen fd
        for fd in (3, 4, 6):
            os.set_inheritable(fd, True)
        env = dict(os.environ, LISTEN_FDS="2", LISTEN_FDNAMES="a:b",
                   LISTEN_PID=str(os.getpid() if listen_pid_is_launcher else 1))
        os.closerange(7, 1024)  # only 0-4 and 6 go to the launcher
        os.execve(run, [run, "--file", raw, "--domain", "ci", *run_options, *extra_args, "--", "python3", "-c", CHILD], env)
    os.close(write_end)
    out = b""
    while True:
        chunk = os.read(read_end, 4096)
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return out.decode().splitlines(), os.waitstatus_to_exitcode(status)

errors = []
for extra in ([], ["--no-passthrough"]):
    lines, code = start(extra)
    if code != 0 or len(lines) < 3:
        errors.append("%s: exit %s, output %r" % (extra, code, lines)); continue
    shell_pid, listen_pid, listen_fds, names = (lines[0].split() + ["", "", "", ""])[:4]
    if listen_pid != shell_pid:
        errors.append("%s: LISTEN_PID=%s but the child is %s" % (extra, listen_pid, shell_pid))
    if listen_fds != "2" or names != "a:b":
        errors.append("%s: LISTEN_FDS=%s LISTEN_FDNAMES=%s" % (extra, listen_fds, names))
    fds = [int(x) for x in lines[1].split()]
    if fds != [0, 1, 2, 3, 4]:
        errors.append("%s: child fds %s" % (extra, fds))
    if lines[2].split() != ["socket", "socket"]:
        errors.append("%s: fds 3 and 4 are %s" % (extra, lines[2]))
# Not ours (LISTEN_PID names another process): nothing is kept.
lines, code = start([], listen_pid_is_launcher=False)
fds = [int(x) for x in lines[1].split()] if len(lines) > 1 else None
if fds != [0, 1, 2]:
    errors.append("fds kept although LISTEN_PID is not the launcher: %s" % fds)
if errors:
    print("FAIL: " + "; ".join(errors), file=sys.stderr)
    sys.exit(1)
print("ok")
PY
