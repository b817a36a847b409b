#!/usr/bin/env bash
# --exec replaces the launcher with the command: same pid, no supervisor,
# the secrets in its environment, its exit code as is.
source "$(dirname "$0")/run_common.bash"

python3 - "$RUN" "$RAW_FILE" <<'PY'
import subprocess, sys
run, raw = sys.argv[1:3]
p = subprocess.Popen([run, "--file", raw, "--domain", "ci", "--exec", "--", "sh", "-c",
                      'echo "$$ $PPID $DEPLOY_TOKEN ${PPROTECT_PASSPHRASE-unset}"; exit 9'], stdout=subprocess.PIPE)
out = p.stdout.read().decode().split()
code = p.wait()
import os
errors = []
if out[0] != str(p.pid):
    errors.append("command runs as pid %s, the launcher was %d" % (out[0], p.pid))
if out[1] != str(os.getpid()):
    errors.append("command's parent is %s, not the caller %d" % (out[1], os.getpid()))
if out[2] != "tok-0123456789abcdef" or out[3] != "unset":
    errors.append("environment: %s" % out[2:])
if code != 9:
    errors.append("exit %d, expected 9" % code)
if errors:
    print("FAIL: " + "; ".join(errors), file=sys.stderr)
    sys.exit(1)
PY
set +e
run --exec -- no-such-command-pprotect 2>"$TMP/err"
code=$?
set -e
[ "$code" -eq 127 ] || fail "--exec of a missing command exited $code"
grep -q '^pprotect-run: error: ' "$TMP/err" || fail "error line: $(cat "$TMP/err")"
echo ok
