#!/usr/bin/env bash
# A stop request (TERM, INT, HUP, QUIT) that arrives before the child exists
# ends pprotect-run and pprotect exec at once with 128+N, and the child never
# starts: while a passphrase is read from a pipe that never ends, while a
# passphrase helper runs, during a hard custodian's Argon2id, at any moment
# of the start-up, each within 500 ms (100 ms asked; a loaded machine).
# Before, every signal stayed blocked until the child ran, so `timeout`,
# `docker stop` and systemd waited out their grace period. A signal that is no stop request
# still waits for the child and reaches it; a stop request the launcher was
# started with ignored stays ignored.
source "$(dirname "$0")/run_common.bash"

python3 - "$RUN" "$PPROTECT_BIN_DIR/pprotect" "$PPROTECT_FIXTURES" "$TMP" <<'PY'
import os, signal, statistics, subprocess, sys, time
run, pprotect, fixtures, tmp = sys.argv[1:]
marker = os.path.join(tmp, "child-ran")
failures = []
latencies = []

def launch(argv, env_extra=None, **kw):
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)

def stop_at(argv, delay, signum, env_extra=None, expect=None, what=""):
    if os.path.exists(marker):
        os.unlink(marker)
    p = launch(argv, env_extra)
    time.sleep(delay)
    sent = time.monotonic()
    p.send_signal(signum)
    try:
        code = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait()
        failures.append("%s: still running 10 s after SIG%s" % (what, signal.Signals(signum).name[3:]))
        return
    latencies.append((time.monotonic() - sent) * 1000)
    # -N: it came before main() blocked anything, and the default action
    # ended us: just as prompt, nothing started.
    want = (128 + signum, -signum) if expect is None else (expect,)
    if code not in want:
        failures.append("%s: exit %s after %s, expected %s (stderr %r)" % (what, code, signal.Signals(signum).name, want, p.stderr.read()))
    if os.path.exists(marker):
        failures.append("%s: the child started after %s" % (what, signal.Signals(signum).name))

child = ["--", "sh", "-c", "touch %s; sleep 30" % marker]
raw = ["--file", os.path.join(fixtures, "raw.yaml"), "--domain", "ci"]
hard = ["--file", os.path.join(fixtures, "hard.yaml"), "--domain", "prod", "--uppercase"]
alice = {"PPROTECT_USER": "alice@example.com", "PPROTECT_PASSPHRASE": "alice passphrase"}

# A passphrase from a pipe whose writer never writes: the launcher waits in read().
for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
    r, w = os.pipe()
    p_env = dict(os.environ, PPROTECT_PASSPHRASE="")
    if os.path.exists(marker):
        os.unlink(marker)
    p = subprocess.Popen([run, *raw, "-u", "ci@example.com", "--passphrase-file", "/dev/fd/%d" % r, *child],
                         env=p_env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=(r,))
    time.sleep(0.3)
    sent = time.monotonic()
    p.send_signal(signum)
    try:
        code = p.wait(timeout=10)
        latencies.append((time.monotonic() - sent) * 1000)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait(); code = "hung"
    os.close(r); os.close(w)
    if code != 128 + signum or os.path.exists(marker):
        failures.append("reading a pipe: %s gave %s, child started: %s" % (signum, code, os.path.exists(marker)))

# During the hard custodian's Argon2id (256 MiB, most of a second), at
# several moments of the start-up.
for delay in (0.0, 0.01, 0.05, 0.15, 0.3):
    stop_at([run, *hard, *child], delay, signal.SIGTERM, alice, what="pprotect-run at %.0f ms" % (delay * 1000))
    stop_at([pprotect, "exec", *hard, *child], delay, signal.SIGTERM, alice,
            what="pprotect exec at %.0f ms" % (delay * 1000))
stop_at([run, *hard, *child], 0.1, signal.SIGINT, alice, what="pprotect-run, SIGINT during the KDF")
stop_at([pprotect, "exec", *hard, *child], 0.1, signal.SIGHUP, alice, what="pprotect exec, SIGHUP during the KDF")

# While a passphrase helper runs (it never ends on its own): the helper's
# group goes too.
helper = ["--passphrase-command", "sleep 30", "-u", "ci@example.com"]
no_passphrase = {"PPROTECT_PASSPHRASE": ""}
for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
    stop_at([run, *raw, *helper, *child], 0.3, signum, no_passphrase,
            what="pprotect-run, SIG%s while the helper runs" % signal.Signals(signum).name[3:])
stop_at([pprotect, "exec", *raw, *helper, *child], 0.3, signal.SIGTERM, no_passphrase,
        what="pprotect exec, SIGTERM while the helper runs")

# Not a stop request: it waits for the child and reaches it (its default
# action ends the child, 128+10).
p = launch([run, *hard, "--", "sh", "-c", "sleep 5"], alice)
time.sleep(0.1)
p.send_signal(signal.SIGUSR1)
code = p.wait(timeout=20)
if code != 128 + signal.SIGUSR1:
    failures.append("SIGUSR1 during the KDF: exit %s, expected it to reach the child (138)" % code)

# Started with SIGTERM ignored (nohup-like): it stays ignored, the child runs.
if os.path.exists(marker):
    os.unlink(marker)
p = launch([run, *hard, "--", "sh", "-c", "touch %s" % marker], alice,
           preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))
time.sleep(0.1)
p.send_signal(signal.SIGTERM)
code = p.wait(timeout=20)
if code != 0 or not os.path.exists(marker):
    failures.append("an ignored SIGTERM ended the launcher: exit %s" % code)

# The issue asks for 100 ms; the bound here is five times that, so that a
# loaded machine does not fail it, while a stop that waits for the next
# phase (a derivation, a helper's 30 s) does.
slow = [ms for ms in latencies if ms > 500]
if slow:
    failures.append("%d of %d stops took over 500 ms (slowest %.0f ms)" % (len(slow), len(latencies), max(slow)))
if failures:
    print("FAIL:\n  " + "\n  ".join(failures), file=sys.stderr)
    sys.exit(1)
print("ok: %d stops, signal to exit median %.1f ms, max %.1f ms" %
      (len(latencies), statistics.median(latencies), max(latencies)))
PY
