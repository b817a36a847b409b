#!/bin/bash
# ctest: TIMEOUT 600
# containers/systemd/myapp.service in a booted systemd: systemd-nspawn boots
# the cached Debian root (an overlay on it, so the cache stays untouched)
# with the unit, protected.yaml and the passphrase installed where the
# README's `install` lines put them, the built static pprotect-run as
# /usr/bin/pprotect-run and a small /usr/local/bin/myapp. The unit is the
# file as written. systemctl, driven from outside through nsenter: start,
# the credential and the secret arrive, the program's line is in the
# journal, `systemctl stop` forwards SIGTERM and ends with Result=success; a
# wrong passphrase fails with 125 and no restart loop; a program that
# ignores SIGTERM is SIGKILLed by pprotect-run's --stop-timeout, before
# systemd's own TimeoutStopSec. Then myapp-encrypted.service, with the
# passphrase encrypted by the machine's systemd-creds.
source "$(dirname "$0")/common.bash"
require_engine_tests
require_installed systemd-nspawn systemd-container
require_installed nsenter util-linux
[[ -d $SYSTEMD_ROOT ]] || fail "$SYSTEMD_ROOT missing: run scripts/install-deps.sh"
enter_private_mounts
find_static_bin_dir
unit=$CONTAINERS/systemd/myapp.service

make_passphrase_file "$WORK/myapp.passphrase"
expect_contains "the unit does not restart on 125" "$(cat "$unit")" "RestartPreventExitStatus=125"

machine=$WORK/machine
mkdir -p "$machine" "$WORK/machine-upper" "$WORK/machine-work"
mount -t overlay overlay -o "lowerdir=$SYSTEMD_ROOT,upperdir=$WORK/machine-upper,workdir=$WORK/machine-work" "$machine"
on_exit "umount -l '$machine'"

# What the README's install lines do, into the machine.
install -m 0755 "$STATIC_BIN_DIR/pprotect-run" "$machine/usr/bin/pprotect-run"
install -d -m 0755 "$machine/etc/pprotect"
install -m 0600 "$WORK/myapp.passphrase" "$machine/etc/pprotect/myapp.passphrase"
install -m 0644 "$FIXTURE_FILE" "$machine/etc/pprotect/protected.yaml"
install -m 0644 "$unit" "$machine/etc/systemd/system/myapp.service"
# The program: says what it got, then waits for SIGTERM and exits 0.
install -D -m 0755 /dev/stdin "$machine/usr/local/bin/myapp" <<'SCRIPT'
#!/bin/sh
trap 'echo "myapp: got SIGTERM"; exit 0' TERM
echo "myapp: token=$DEPLOY_TOKEN credentials=${PPROTECT_PASSPHRASE-none} uid=$(id -u)"
while :; do sleep 0.2 & wait $!; done
SCRIPT

# --register=no --keep-unit: this machine's PID 1 is not systemd, so there
# is no systemd-machined or manager to register the container with. On a
# host run by systemd, `systemd-nspawn -b -D DIR` (or `machinectl start`)
# needs neither. --private-network: the machine gets a loopback only.
systemd-nspawn -D "$machine" -b --register=no --keep-unit --private-network --console=passive \
  >"$WORK/nspawn.log" 2>&1 </dev/null &
nspawn_pid=$!
on_exit "stop_machine"
stop_machine() {
  [[ -n ${init_pid:-} ]] && kill -s RTMIN+4 "$init_pid" 2>/dev/null # systemd: poweroff
  wait_until "! kill -0 $nspawn_pid 2>/dev/null" || kill -KILL "$nspawn_pid" 2>/dev/null
  wait "$nspawn_pid" 2>/dev/null || true
}
# The machine's systemd: nspawn's child, PID 1 in its namespace.
wait_until "[[ -n \$(cat /proc/$nspawn_pid/task/$nspawn_pid/children 2>/dev/null) ]]" ||
  { cat "$WORK/nspawn.log" >&2; fail "systemd-nspawn started nothing"; }
init_pid=$(cut -d' ' -f1 <"/proc/$nspawn_pid/task/$nspawn_pid/children")
in_machine() { nsenter -t "$init_pid" -m -u -i -n -p -C "$@"; }
systemctl() { in_machine systemctl "$@"; }
prop() { systemctl show -p "$1" --value myapp.service; }
journal() { in_machine journalctl -u myapp.service -o cat 2>/dev/null; }
# journald takes the service's output and systemd's messages asynchronously:
# a line may arrive after the state change that caused it.
expect_journal() { # what text
  local expected_line=$2
  if wait_until '[[ $(journal) == *"$expected_line"* ]]'; then
    pass "$1"
  else
    fail "$1: the journal lacks [$2]: $(journal)"
  fi
}

# Booted: running, or degraded when a unit this root does not need fails.
state=
for ((i = 0; i < 600; i++)); do
  state=$(in_machine systemctl is-system-running 2>&1 || true)
  [[ $state == running || $state == degraded ]] && break
  sleep 0.1
done
if [[ $state == running || $state == degraded ]]; then
  pass "the machine booted ($state)"
  [[ $state == degraded ]] && echo "note: failed units: $(systemctl --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' ')"
else
  cat "$WORK/nspawn.log" >&2
  fail "the machine did not boot: $state"
fi

# 0. The unit as installed verifies cleanly (no warnings) with the machine's
#    own systemd-analyze.
set +e
out=$(in_machine systemd-analyze verify --man=no /etc/systemd/system/myapp.service 2>&1)
rc=$?
set -e
expect_eq "systemd-analyze verify succeeds" "$rc" 0
expect_eq "and warns about nothing" "$out" ""

# Its ExecStart without what LoadCredential= provides: pprotect-run's own
# error (125), naming what is missing.
mapfile -t exec_start < <(python3 -c '
import shlex, sys
for line in open(sys.argv[1]):
    if line.startswith("ExecStart="):
        print("\n".join(shlex.split(line[len("ExecStart="):])))' "$unit")
set +e
in_machine env -i PATH=/usr/bin:/bin "${exec_start[@]}" </dev/null >/dev/null 2>"$WORK/err"
rc=$?
set -e
expect_eq "ExecStart without \$CREDENTIALS_DIRECTORY: exit 125" "$rc" 125
expect_contains "with a message saying so" "$(cat "$WORK/err")" "CREDENTIALS_DIRECTORY"

# 1. Start: the credential is there for the service only, the program gets
#    the secret and no passphrase variable, under pprotect-run as main PID.
systemctl start myapp.service
expect_journal "the program gets the secret (in the journal)" "myapp: token=$FIXTURE_TOKEN credentials=none"
dynamic_uid=$(journal | sed -n 's/.* uid=\([0-9]*\)$/\1/p' | tail -1)
if [[ -n $dynamic_uid && $dynamic_uid != 0 ]]; then
  pass "the program runs as the DynamicUser ($dynamic_uid), not root"
else
  fail "the program's uid is [$dynamic_uid]"
fi
expect_eq "the unit is active" "$(prop ActiveState)" "active"
main_pid=$(prop MainPID)
expect_eq "its main process is pprotect-run" "$(in_machine cat "/proc/$main_pid/comm")" "pprotect-run"
expect_eq "the credential is the service's alone (mode 0400, its user)" "$(in_machine stat -c '%a %u' /run/credentials/myapp.service/pprotect-passphrase)" \
  "400 $dynamic_uid"
expect_not_contains "and the passphrase is in no environment of the service" \
  "$(in_machine sh -c "cat /proc/$main_pid/environ /proc/\$(cut -d' ' -f1 /proc/$main_pid/task/$main_pid/children)/environ" | tr '\0' '\n')" \
  "$FIXTURE_PASSPHRASE"

# 2. systemctl stop: SIGTERM to pprotect-run only (KillMode=mixed), forwarded
#    to the program, which exits 0; the unit stopped successfully.
systemctl stop myapp.service
expect_journal "the program got the forwarded SIGTERM" "myapp: got SIGTERM"
expect_eq "stopped: Result=success, main process status 0" "$(prop Result) $(prop ExecMainStatus)" "success 0"
expect_journal "systemd says so" "Deactivated successfully"
expect_eq "the unit is inactive" "$(prop ActiveState)" "inactive"

# 3. A wrong passphrase: pprotect-run exits 125, which
#    RestartPreventExitStatus= keeps from restarting (Restart=on-failure).
printf 'not-the-passphrase\n' >"$machine/etc/pprotect/myapp.passphrase"
systemctl reset-failed myapp.service 2>/dev/null || true
systemctl start myapp.service || true
wait_until '[[ $(prop ActiveState) == failed ]]' || fail "the unit did not fail: $(prop ActiveState)"
expect_eq "wrong passphrase: exit status 125" "$(prop ExecMainStatus)" "125"
# Restart= would have acted after RestartSec (100 ms): look again later.
sleep 2
expect_eq "and no restart: still failed, NRestarts=0" "$(prop ActiveState) $(prop NRestarts)" "failed 0"
expect_journal "the journal says why" "pprotect-run: error:"
expect_not_contains "without the passphrase" "$(journal)" "not-the-passphrase"

# 4. A program that ignores SIGTERM: systemctl stop sends it to pprotect-run,
#    which forwards it, waits --stop-timeout (20 s) and SIGKILLs the program,
#    then exits 137 itself, before systemd's TimeoutStopSec (30 s) would
#    SIGKILL anything.
install -m 0600 "$WORK/myapp.passphrase" "$machine/etc/pprotect/myapp.passphrase"
install -m 0755 /dev/stdin "$machine/usr/local/bin/myapp" <<'SCRIPT'
#!/bin/sh
trap '' TERM
echo "myapp: ignoring SIGTERM"
while :; do sleep 0.2; done
SCRIPT
systemctl reset-failed myapp.service
systemctl start myapp.service
expect_journal "the program that ignores SIGTERM started" "myapp: ignoring SIGTERM"
systemctl stop myapp.service
# ExecMainCode 1 is CLD_EXITED: pprotect-run exited by itself (with 137);
# 2 (CLD_KILLED) would mean systemd had to kill it.
expect_eq "pprotect-run SIGKILLed the program and exited 137 (not killed by systemd)" "$(prop ExecMainCode) $(prop ExecMainStatus)" \
  "1 137"
expect_journal "systemd logged the end of the stop" "Failed with result 'exit-code'"
expect_not_contains "and its own stop timeout never fired" "$(journal)" "timed out"
# A program killed at stop is the unit's failure, and a stop is no reason
# to restart.
expect_eq "the unit failed with exit-code, nothing left, no restart" "$(prop ActiveState) $(prop Result) $(prop MainPID) $(prop NRestarts)" \
  "failed exit-code 0 0"

# 5. containers/systemd/myapp-encrypted.service: the passphrase encrypted at
#    rest with the machine's own systemd-creds (its host key: no TPM2 here),
#    as its header says; LoadCredentialEncrypted= decrypts it for the
#    service alone, and --passphrase-credential reads it as before.
encrypted_unit=$CONTAINERS/systemd/myapp-encrypted.service
install -m 0644 "$encrypted_unit" "$machine/etc/systemd/system/myapp-encrypted.service"
install -m 0755 /dev/stdin "$machine/usr/local/bin/myapp" <<'SCRIPT'
#!/bin/sh
trap 'echo "myapp: got SIGTERM"; exit 0' TERM
echo "myapp: token=$DEPLOY_TOKEN credentials=${PPROTECT_PASSPHRASE-none} uid=$(id -u)"
while :; do sleep 0.2 & wait $!; done
SCRIPT
install -d -m 0700 "$machine/etc/credstore.encrypted"
if in_machine systemd-creds encrypt --name=pprotect-passphrase /etc/pprotect/myapp.passphrase \
  /etc/credstore.encrypted/myapp.passphrase 2>"$WORK/err"; then
  pass "systemd-creds encrypt made the encrypted credential"
else
  fail "systemd-creds encrypt failed: $(cat "$WORK/err")"
fi
rm -f "$machine/etc/pprotect/myapp.passphrase" # only the encrypted one is left
# systemd-creds writes Base64; neither it nor what it decodes to holds the
# passphrase.
cred=$machine/etc/credstore.encrypted/myapp.passphrase
expect_not_contains "the encrypted credential does not hold the passphrase" \
  "$(tr -d '\0' <"$cred"; base64 -d <"$cred" 2>/dev/null | tr -d '\0')" "$FIXTURE_PASSPHRASE"
set +e
out=$(in_machine systemd-analyze verify --man=no /etc/systemd/system/myapp-encrypted.service 2>&1)
rc=$?
set -e
expect_eq "systemd-analyze verify succeeds on the encrypted unit" "$rc" 0
expect_eq "and warns about nothing" "$out" ""
systemctl daemon-reload
systemctl start myapp-encrypted.service
encrypted_journal() { in_machine journalctl -u myapp-encrypted.service -o cat 2>/dev/null; }
if wait_until '[[ $(encrypted_journal) == *"myapp: token=$FIXTURE_TOKEN credentials=none"* ]]'; then
  pass "the program gets the secret through the encrypted credential"
else
  fail "the encrypted unit's program did not get the secret: $(encrypted_journal)"
fi
encrypted_pid=$(systemctl show -p MainPID --value myapp-encrypted.service)
expect_eq "its main process is pprotect-run" "$(in_machine cat "/proc/$encrypted_pid/comm")" "pprotect-run"
expect_eq "the decrypted credential is the service's alone (mode 0400)" \
  "$(in_machine stat -c '%a' /run/credentials/myapp-encrypted.service/pprotect-passphrase)" "400"
systemctl stop myapp-encrypted.service
expect_eq "stopped: Result=success" \
  "$(systemctl show -p Result --value myapp-encrypted.service) $(systemctl show -p ExecMainStatus --value myapp-encrypted.service)" "success 0"
finish
