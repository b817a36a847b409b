#!/usr/bin/env bash
# 8 writers adding 25 secrets each to one domain, while an owner rotates the
# domain's key again and again and readers (decrypt-domain, pprotect-run)
# read it: every write lands (200 secrets, 200 audit entries, each value
# right), no reader fails or sees a value that is not the one written, and
# nothing is left beside the file.
set -euo pipefail
: "${PPROTECT_BIN_DIR:?}" "${PPROTECT_FIXTURES:?}"
exec python3 - "$PPROTECT_BIN_DIR" "$PPROTECT_FIXTURES" <<'PY'
import json, os, shutil, subprocess, sys, tempfile, threading
bin_dir, fixtures = sys.argv[1:]
pprotect, run = os.path.join(bin_dir, "pprotect"), os.path.join(bin_dir, "pprotect-run")
work = tempfile.mkdtemp()
path = os.path.join(work, "protected.yaml")
shutil.copyfile(os.path.join(fixtures, "raw.yaml"), path)
env = dict(os.environ, PPROTECT_USER="ci@example.com",
           PPROTECT_PASSPHRASE="P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P")
WRITERS, EACH = 8, 25
failures = []
done = threading.Event()

def writer(w):
    for j in range(EACH):
        name, value = "W%d_%02d" % (w, j), "value-%d-%d" % (w, j)
        p = subprocess.run([pprotect, "add-secret", "--file", path, "--domain", "ci", "--secret", name,
                            "--value-file", "-"], input=value.encode(), capture_output=True, env=env)
        if p.returncode != 0:
            failures.append("writer %d, %s: exit %d: %s" % (w, name, p.returncode, p.stderr.decode()))

rotations = [0]
def rotator():
    while not done.is_set():
        p = subprocess.run([pprotect, "rotate-domain-keys", "--file", path, "--domain", "ci"],
                           capture_output=True, env=env)
        if p.returncode != 0:
            failures.append("rotation: exit %d: %s" % (p.returncode, p.stderr.decode()))
        rotations[0] += 1

reads = [0]
def check_values(values, what):
    for name, value in values.items():
        if name.startswith("W"):
            w, j = name[1:].split("_")
            if value != "value-%d-%d" % (int(w), int(j)):
                failures.append("%s: %s read as %r" % (what, name, value))

def reader(kind):
    while not done.is_set():
        if kind == "decrypt":
            p = subprocess.run([pprotect, "decrypt-domain", "ci", "--file", path], capture_output=True, env=env)
            if p.returncode != 0:
                failures.append("decrypt-domain: exit %d: %s" % (p.returncode, p.stderr.decode()))
                continue
            check_values(json.loads(p.stdout), "decrypt-domain")
        else:
            p = subprocess.run([run, "--file", path, "--domain", "ci", "--", "env"], capture_output=True, env=env)
            if p.returncode != 0:
                failures.append("pprotect-run: exit %d: %s" % (p.returncode, p.stderr.decode()))
                continue
            values = dict(line.split("=", 1) for line in p.stdout.decode().splitlines() if line.startswith("W"))
            check_values(values, "pprotect-run")
        reads[0] += 1

threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
others = [threading.Thread(target=rotator), threading.Thread(target=reader, args=("decrypt",)),
          threading.Thread(target=reader, args=("run",))]
for t in threads + others:
    t.start()
for t in threads:
    t.join()
done.set()
for t in others:
    t.join()

p = subprocess.run([pprotect, "decrypt-domain", "ci", "--file", path], capture_output=True, env=env)
final = json.loads(p.stdout)
written = {n for n in final if n.startswith("W")}
if len(written) != WRITERS * EACH:
    failures.append("%d of %d secrets landed" % (len(written), WRITERS * EACH))
check_values(final, "final read")
log = subprocess.run([pprotect, "list-audit-log", "--file", path], capture_output=True, env=env).stdout.decode()
added = sum(1 for line in log.splitlines() if "-- added secret W" in line)
rotated = sum(1 for line in log.splitlines() if "-- rotated key for domain ci" in line)
if added != WRITERS * EACH or rotated != rotations[0]:
    failures.append("audit log: %d additions and %d rotations, expected %d and %d" % (added, rotated, WRITERS * EACH, rotations[0]))
left = sorted(os.listdir(work))
if left != ["protected.yaml"]:
    failures.append("left beside the file: %s" % left)
shutil.rmtree(work)
if failures:
    print("FAIL:\n  " + "\n  ".join(failures[:30]), file=sys.stderr)
    sys.exit(1)
print("ok: %d secrets from %d writers, %d rotations, %d reads meanwhile" % (WRITERS * EACH, WRITERS, rotations[0], reads[0]))
PY
