#!/usr/bin/env bash
# Once the child runs, the launcher's memory holds neither the passphrase nor
# any secret value: every readable mapping of /proc/<launcher>/mem is
# searched (root only: the launcher is not dumpable). Secret files too: the
# memfds are the child's alone once it runs. Only --restart and --watch keep
# the secrets (in locked memory) for a later start: checked at the end.
# With --mask the supervisor must keep the values to mask them, for as long
# as the child runs: then they are in locked memory only (mlock: never
# swapped out, no core dump), wiped when it exits, and the passphrase is
# still gone.
source "$(dirname "$0")/run_common.bash"
if [ "$(id -u)" -ne 0 ]; then
  skip "reading another process's memory needs root"
fi
# Sanitizers map terabytes of shadow memory and keep freed blocks in
# quarantine: a scan of that address space measures ASan, not us.
if grep -qs '^PPROTECT_SANITIZE:BOOL=ON' "${PPROTECT_BUILD_DIR:-/nonexistent}/CMakeCache.txt"; then
  skip "sanitizer build"
fi

# Where needles are in pid's memory: "absent", or "locked" when every
# mapping that holds one is locked (smaps VmFlags "lo"), else the mappings.
where() { # pid, needles...
  python3 - "$@" <<'PY'
import re, sys
pid, needles = int(sys.argv[1]), [n.encode() for n in sys.argv[2:]]
mappings, current = [], None
for line in open("/proc/%d/smaps" % pid):
    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
        current = {"fields": line.split(), "flags": []}
        mappings.append(current)
    elif line.startswith("VmFlags:"):
        current["flags"] = line.split()[1:]
found = []
with open("/proc/%d/mem" % pid, "rb", 0) as mem:
    for m in mappings:
        fields = m["fields"]
        start, end = (int(x, 16) for x in fields[0].split("-"))
        if "r" not in fields[1] or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]")):
            continue
        try:
            mem.seek(start)
            data = mem.read(end - start)
        except OSError:
            continue
        if any(n in data for n in needles):
            found.append((fields[0] + " " + " ".join(fields[5:]), "lo" in m["flags"]))
if not found:
    print("absent")
elif all(locked for _, locked in found):
    print("locked")
else:
    print("unlocked: " + "; ".join(name for name, locked in found if not locked))
PY
}

# Succeeds when none of the needles is in pid's memory; else says where.
scan() { # pid, needles...
  local found
  found=$(where "$@")
  [ "$found" = absent ] || {
    echo "FAIL: found in the memory of $1: $found" >&2
    return 1
  }
}

run_bg --mask -- sh -c 'echo ready; exec sleep 30' >"$TMP/out"
wait_for "grep -qs ready '$TMP/out'" || fail "child did not start (--mask)"
sleep 0.2
scan "$LAUNCHER" "$RAW_PASSPHRASE" || fail "the passphrase left in memory (--mask)"
expect_eq "--mask keeps the secret in locked memory only" "$(where "$LAUNCHER" "tok-0123456789abcdef")" locked
kill "$LAUNCHER"
wait "$LAUNCHER" 2>/dev/null || true

for mode in "" --uppercase "--secret-file DEPLOY_TOKEN" "--no-env --secret-file DEPLOY_TOKEN"; do
  # shellcheck disable=SC2086
  run_bg $mode -- sh -c 'echo ready; exec sleep 30' >"$TMP/out"
  wait_for "grep -qs ready '$TMP/out'" || fail "child did not start"
  sleep 0.2
  scan "$LAUNCHER" "$RAW_PASSPHRASE" "tok-0123456789abcdef" || fail "secrets left in memory ($mode)"
  kill "$LAUNCHER"
  wait "$LAUNCHER" 2>/dev/null || true
done
# Passphrases read from a file and from a systemd credential.
printf '%s\n' "$RAW_PASSPHRASE" >"$TMP/passphrase"
mkdir "$TMP/credentials"
printf '%s' "$RAW_PASSPHRASE" >"$TMP/credentials/pp"
for source in "--passphrase-file $TMP/passphrase" "--passphrase-credential pp"; do
  # shellcheck disable=SC2086
  PPROTECT_USER= PPROTECT_PASSPHRASE= CREDENTIALS_DIRECTORY=$TMP/credentials \
    run_bg -u "$RAW_USER" $source -- sh -c 'echo ready; exec sleep 30' >"$TMP/out"
  wait_for "grep -qs ready '$TMP/out'" || fail "child did not start ($source)"
  sleep 0.2
  scan "$LAUNCHER" "$RAW_PASSPHRASE" "tok-0123456789abcdef" || fail "secrets left in memory ($source)"
  kill "$LAUNCHER"
  wait "$LAUNCHER" 2>/dev/null || true
done
# pprotect exec runs the same code path, from a command line that keeps its
# own snapshot of the environment: that must not hold the passphrase either.
if [ -x "$PPROTECT_BIN_DIR/pprotect" ]; then
  PPROTECT_USER=$RAW_USER PPROTECT_PASSPHRASE=$RAW_PASSPHRASE \
    "$PPROTECT_BIN_DIR/pprotect" exec --file "$RAW_FILE" --domain ci -- sh -c 'echo ready; exec sleep 30' >"$TMP/out3" &
  exec_pid=$!
  on_exit "kill -9 $exec_pid"
  wait_for "grep -qs ready '$TMP/out3'" || fail "child of pprotect exec did not start"
  sleep 0.2
  scan "$exec_pid" "$RAW_PASSPHRASE" "tok-0123456789abcdef" || fail "secrets left in pprotect exec's memory"
  kill "$exec_pid"
  wait "$exec_pid" 2>/dev/null || true
fi
# The hard custodian too (its passphrase goes through Argon2id).
export PPROTECT_USER=alice@example.com PPROTECT_PASSPHRASE='alice passphrase'
"$RUN" --file "$PPROTECT_FIXTURES/hard.yaml" --domain prod --uppercase -- sh -c 'echo ready; exec sleep 30' >"$TMP/out2" &
launcher=$!
on_exit "kill -9 $launcher"
wait_for "grep -qs ready '$TMP/out2'" 30 || fail "child did not start (hard)"
sleep 0.2
scan "$launcher" "alice passphrase" "hard-to-get" || fail "secrets left in memory (hard)"

# --restart and --watch keep what a later start needs: the values (and for
# --watch the custodian's key), never the passphrase.
export PPROTECT_USER=$RAW_USER PPROTECT_PASSPHRASE=$RAW_PASSPHRASE
for mode in "--restart always" "--watch"; do
  # shellcheck disable=SC2086
  run_bg $mode -- sh -c 'echo ready; exec sleep 30' >"$TMP/out"
  wait_for "grep -qs ready '$TMP/out'" || fail "child did not start ($mode)"
  sleep 0.2
  scan "$LAUNCHER" "$RAW_PASSPHRASE" || fail "the passphrase is kept ($mode)"
  if scan "$LAUNCHER" "tok-0123456789abcdef" 2>/dev/null; then
    fail "$mode: the value is not kept, but a restart needs it"
  fi
  kill "$LAUNCHER"
  wait "$LAUNCHER" 2>/dev/null || true
done
echo ok
