#!/usr/bin/env bash
# Every file of the hostile corpus (tests/hostile: damaged, crafted and
# unusual protected files, made by make_corpus.py) through list-domains,
# decrypt-domain, a write (rotate-domain-keys) and pprotect-run: each gives
# the exit code its manifest says, a failure is one line on stderr holding
# the expected words and nothing on stdout, a failing command leaves the
# file byte for byte as it was, and no output holds a secret or passphrase
# of the fixture (but decrypt-domain's own). None may take more than 20 s:
# a file must not be able to stall a command.
set -euo pipefail
: "${PPROTECT_BIN_DIR:?}" "${PPROTECT_FIXTURES:?}" "${PPROTECT_SOURCE_DIR:?}"
exec python3 - "$PPROTECT_BIN_DIR" "$PPROTECT_FIXTURES" "$PPROTECT_SOURCE_DIR/tests/hostile" <<'PY'
import json, os, shutil, subprocess, sys, tempfile
bin_dir, fixtures, corpus = sys.argv[1:]
expected = json.load(open(os.path.join(fixtures, "raw.expected.json")))
passphrases = {name: c["passphrase"] for name, c in expected["custodians"].items()}
secrets = [v for d in expected["domains"].values() for v in d["secrets"].values() if len(v) >= 4]
secrets += list(passphrases.values())
pprotect, run = os.path.join(bin_dir, "pprotect"), os.path.join(bin_dir, "pprotect-run")
failures, checked = [], 0
work = tempfile.mkdtemp()
try:
    cases = [json.loads(line) for line in open(os.path.join(corpus, "expected.jsonl"))]
    assert len(cases) >= 100, len(cases)
    for case in cases:
        env = dict(os.environ, PPROTECT_USER=case["user"], PPROTECT_PASSPHRASE=passphrases[case["user"]])
        env.pop("PPROTECT_ENV_PREFIX", None)
        domain = case["domain"]
        for command, argv in [
            ("list", [pprotect, "list-domains"]),
            ("decrypt", [pprotect, "decrypt-domain", domain]),
            ("write", [pprotect, "rotate-domain-keys", "--domain", domain, "--non-interactive"]),
            ("run", [run, "--domain", domain, "--non-interactive", *case["run_flags"], "--", "sh", "-c", "exit 0"]),
        ]:
            what = "%s %s" % (case["file"], command)
            path = os.path.join(work, "protected.yaml")
            shutil.copyfile(os.path.join(corpus, "files", case["file"]), path)
            before = open(path, "rb").read()
            try:
                p = subprocess.run([*argv, "--file", path] if argv[0] == pprotect else [argv[0], "--file", path, *argv[1:]],
                                   env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
            except subprocess.TimeoutExpired:
                failures.append("%s: still running after 20 s" % what)
                continue
            checked += 1
            code, fragment = case["expect"][command]
            out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
            if p.returncode != code:
                failures.append("%s: exit %d, expected %d (stderr %r)" % (what, p.returncode, code, err[:300]))
                continue
            if code != 0:
                if err.count("\n") != 1 or not err.endswith("\n"):
                    failures.append("%s: stderr is not one line: %r" % (what, err[:300]))
                if fragment not in err:
                    failures.append("%s: stderr %r lacks %r" % (what, err[:300], fragment))
                if out:
                    failures.append("%s: a failure wrote to stdout: %r" % (what, out[:200]))
                if open(path, "rb").read() != before:
                    failures.append("%s: a failing command changed the file" % what)
            shown = err + ("" if command == "decrypt" else out)
            for secret in secrets:
                if secret in shown:
                    failures.append("%s: a secret or passphrase is in the output" % what)
finally:
    shutil.rmtree(work)
if failures:
    print("FAIL: %d of %d checks:\n  %s" % (len(failures), checked, "\n  ".join(failures)), file=sys.stderr)
    sys.exit(1)
print("ok: %d files x 4 commands, %d runs" % (len(cases), checked))
PY
