#!/usr/bin/env bash
# --mask in a terminal (pprotect-run run in a pseudo-terminal of the
# test's own): the child gets a terminal for stdin, stdout and stderr
# (isatty true), its colours come through and its secrets are masked; the
# window size is the user's at start and reaches the child with SIGWINCH
# when it changes; keys reach its stdin; and the user's terminal is raw
# while the child runs and exactly as it was (stty -g) after a normal
# exit, after TERM, HUP, INT or QUIT to pprotect-run, after the child was
# killed or crashed, after Ctrl-C and after --timeout.
source "$(dirname "$0")/run_common.bash"

python3 - "$RUN" "$RAW_FILE" <<'PY'
import fcntl, os, select, signal, struct, subprocess, sys, termios, time
run, raw = sys.argv[1:3]
failures = []

def stty(slave):
    return subprocess.run(["stty", "-g"], stdin=slave, stdout=subprocess.PIPE, check=True).stdout.strip()

# Starts pprotect-run in a new terminal; returns its pid, the terminal's
# two ends, and its mode before pprotect-run started.
def spawn(child_argv, rows=24, cols=80, options=()):
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    before = stty(slave)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.closerange(3, 1024)
        os.execv(run, [run, "--file", raw, "--domain", "ci", "--mask", *options, "--", *child_argv])
    return pid, master, slave, before

def read_until(master, needle, seconds=10):
    out = b""
    deadline = time.monotonic() + seconds
    while needle not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                out += os.read(master, 65536)
            except OSError:
                break
    return out

def finish(pid, master, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            read_until(master, b"\0never", 0.2)
            return os.waitstatus_to_exitcode(status)
        read_until(master, b"\0never", 0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None

# 1. A terminal for stdin, stdout and stderr; colours; the secret masked.
pid, master, slave, before = spawn(["sh", "-c", 'for fd in 0 1 2; do [ -t $fd ] && printf "tty$fd "; done; echo; '
                            'printf "\\033[31mred $DEPLOY_TOKEN\\033[0m\\n"; stty size; echo end'])
out = read_until(master, b"end")
code = finish(pid, master)
for needle in (b"tty0 tty1 tty2 ", b"\x1b[31mred [REDACTED:DEPLOY_TOKEN]\x1b[0m\r\n", b"24 80\r\n"):
    if needle not in out:
        failures.append("terminal: %r not in %r" % (needle, out))
if b"tok-0123" in out or code != 0:
    failures.append("terminal: exit %s, output %r" % (code, out))

# 2. SIGWINCH: the new size reaches the child; keys reach its stdin. And
# 3. the user's terminal raw while it runs, as it was after a normal exit.
CHILD = r"""
import os, signal, sys
def size(): return "%d %d" % os.get_terminal_size(1)[::-1]
signal.signal(signal.SIGWINCH, lambda n, f: print("winch " + size(), flush=True))
print("size " + size(), flush=True)
print("got " + sys.stdin.readline().strip(), flush=True)
"""
pid, master, slave, before = spawn(["python3", "-c", CHILD], 30, 100)
out = read_until(master, b"size 30 100")
mode = termios.tcgetattr(slave)
if "size 30 100" not in out.decode(errors="replace"):
    failures.append("start size: %r" % out)
if mode[3] & (termios.ICANON | termios.ECHO | termios.ISIG) or mode[1] & termios.OPOST:
    failures.append("the user's terminal is not raw while the child runs: lflag %o oflag %o" % (mode[3], mode[1]))
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 132, 0, 0))
out = read_until(master, b"winch 50 132")
if b"winch 50 132" not in out:
    failures.append("SIGWINCH: %r" % out)
os.write(master, b"typed keys\r")
out = read_until(master, b"got typed keys")
if b"got typed keys" not in out:
    failures.append("keys: %r" % out)
code = finish(pid, master)
if code != 0:
    failures.append("SIGWINCH child: exit %s" % code)

# The terminal as it was (stty -g), on every way out.
def stop_with(signum):
    return ("SIG%s to pprotect-run" % signal.Signals(signum).name[3:], ["sh", "-c", "echo ready; exec sleep 30"],
            lambda pid, m: os.kill(pid, signum), 128 + signum, ())
for what, argv, action, expected, options in (
        ("a normal exit", ["sh", "-c", "echo ready; read line"], lambda pid, m: os.write(m, b"\r"), 0, ()),
        stop_with(signal.SIGTERM), stop_with(signal.SIGHUP), stop_with(signal.SIGINT), stop_with(signal.SIGQUIT),
        ("the child killed", ["sh", "-c", "echo ready; read line; kill -KILL $$"],
         lambda pid, m: os.write(m, b"\r"), 128 + signal.SIGKILL, ()),
        ("the child's SIGSEGV", ["sh", "-c", "echo ready; read line; kill -SEGV $$"],
         lambda pid, m: os.write(m, b"\r"), 128 + signal.SIGSEGV, ()),
        ("Ctrl-C typed", ["sh", "-c", "echo ready; exec sleep 30"], lambda pid, m: os.write(m, b"\x03"),
         128 + signal.SIGINT, ()),
        ("--timeout", ["sh", "-c", "echo ready; exec sleep 30"], lambda pid, m: None, 124, ("--timeout", "1"))):
    pid, master, slave, before = spawn(argv, options=options)
    out = read_until(master, b"ready")
    during = stty(slave)
    action(pid, master)
    code = finish(pid, master)
    after = stty(slave)
    if during == before:
        failures.append("%s: the terminal was not raw while the child ran" % what)
    if after != before:
        failures.append("%s: terminal left as %s, was %s" % (what, after, before))
    if code != expected:
        failures.append("%s: exit %s, expected %s (%r)" % (what, code, expected, out))
    os.close(master)
    os.close(slave)

if failures:
    print("FAIL: " + "\n".join(failures), file=sys.stderr)
    sys.exit(1)
print("ok")
PY
finish
