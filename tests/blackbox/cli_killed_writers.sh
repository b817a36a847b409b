#!/usr/bin/env bash
# 200 writes, each killed at a random moment by SIGKILL or SIGTERM: after
# every one the file loads, and is either the state before the write or the
# state after it (the one new secret, one more audit entry, everything else
# byte for byte); never a mix, never broken. Temp files a SIGKILL leaves
# have the file's mode, and the next writer removes them.
set -euo pipefail
: "${PPROTECT_BIN_DIR:?}" "${PPROTECT_FIXTURES:?}"
exec python3 - "$PPROTECT_BIN_DIR" "$PPROTECT_FIXTURES" <<'PY'
import os, random, shutil, signal, stat, subprocess, sys, tempfile, time
import yaml
bin_dir, fixtures = sys.argv[1:]
pprotect = os.path.join(bin_dir, "pprotect")
work = tempfile.mkdtemp(dir=os.environ.get("TMPDIR", "/tmp"))
path = os.path.join(work, "protected.yaml")
shutil.copyfile(os.path.join(fixtures, "raw.yaml"), path)
os.chmod(path, 0o640)
rng = random.Random(int(os.environ.get("PPROTECT_TEST_SEED", "0")) or None)
failures, committed, interrupted, temp_seen = [], 0, 0, 0

def load(data):
    return yaml.safe_load(data)

for i in range(200):
    before = open(path, "rb").read()
    name = "K%03d" % i
    p = subprocess.Popen([pprotect, "add-secret", "--file", path, "--domain", "ci", "--secret", name,
                          "--value-file", "-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    p.stdin.write(b"v%d" % i)
    p.stdin.close()
    time.sleep(rng.uniform(0, 0.012))
    signum = rng.choice([signal.SIGKILL, signal.SIGTERM])
    try:
        p.send_signal(signum)
    except ProcessLookupError:
        pass
    code = p.wait()
    interrupted += code < 0
    after = open(path, "rb").read()
    for entry in os.listdir(work):
        if entry != "protected.yaml":
            temp_seen += 1
            mode = stat.S_IMODE(os.stat(os.path.join(work, entry)).st_mode)
            if not entry.startswith("protected.yaml.pprotect-tmp-") or mode != 0o640:
                failures.append("write %d: left %s with mode %o" % (i, entry, mode))
    if after == before:
        continue
    try:
        old, new = load(before), load(after)
    except yaml.YAMLError as error:
        failures.append("write %d (%s): the file does not load: %s" % (i, signal.Signals(signum).name, error))
        break
    committed += 1
    added = {k: v for k, v in new["ci"].items() if k not in old["ci"]}
    if list(added) != ["secret-" + name]:
        failures.append("write %d: added %s, expected secret-%s" % (i, list(added), name))
    rest_new = {k: v for k, v in new.items() if k not in ("ci", "audit-log")}
    rest_old = {k: v for k, v in old.items() if k not in ("ci", "audit-log")}
    if rest_new != rest_old or {k: v for k, v in new["ci"].items() if k in old["ci"]} != old["ci"]:
        failures.append("write %d: other content changed" % i)
    if new["audit-log"][:-1] != old["audit-log"] or not new["audit-log"][-1].endswith("added secret %s in ci" % name):
        failures.append("write %d: the audit log is not the old one plus one entry" % i)
    if stat.S_IMODE(os.stat(path).st_mode) != 0o640:
        failures.append("write %d: the file lost its mode" % i)

# One more write, not interrupted: it removes what killed writers left.
subprocess.run([pprotect, "add-secret", "--file", path, "--domain", "ci", "--secret", "LAST", "--value-file", "/dev/null"],
               check=True, stdout=subprocess.DEVNULL)
left = sorted(os.listdir(work))
if left != ["protected.yaml"]:
    failures.append("after a clean write, left beside the file: %s" % left)
env = dict(os.environ, PPROTECT_USER="ci@example.com",
           PPROTECT_PASSPHRASE="P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P")
p = subprocess.run([pprotect, "decrypt-domain", "ci", "--file", path], capture_output=True, env=env)
if p.returncode != 0:
    failures.append("the final file does not decrypt: %s" % p.stderr.decode())
shutil.rmtree(work)
if failures:
    print("FAIL:\n  " + "\n  ".join(failures[:30]), file=sys.stderr)
    sys.exit(1)
print("ok: 200 writes, %d killed before exiting, %d committed, %d temp files seen and removed" % (interrupted, committed, temp_seen))
PY
