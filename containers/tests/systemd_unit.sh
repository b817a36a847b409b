#!/bin/bash
# containers/systemd: the unit verifies cleanly with systemd-analyze, and
# its ExecStart works the way systemd runs it: LoadCredential= copied into a
# private $CREDENTIALS_DIRECTORY, an environment with nothing else in it,
# stdin from /dev/null. With a running systemd, the unit also runs for real.
source "$(dirname "$0")/common.bash"
command -v python3 >/dev/null || skip "python3 not installed"
unit=$CONTAINERS/systemd/myapp.service

# The unit with this machine's paths: the built pprotect-run, a passphrase
# file, a program that reports what it got.
make_passphrase_file "$WORK/myapp.passphrase"
cp "$FIXTURE_FILE" "$WORK/protected.yaml"
cat >"$WORK/myapp" <<SCRIPT
#!/bin/sh
echo "token=\$DEPLOY_TOKEN"
echo "credentials=\${PPROTECT_PASSPHRASE-none}"
exit 0
SCRIPT
chmod 0755 "$WORK/myapp"
sed -e "s|/usr/bin/pprotect-run|$RUN_BIN|" \
  -e "s|/etc/pprotect/myapp.passphrase|$WORK/myapp.passphrase|" \
  -e "s|/etc/pprotect/protected.yaml|$WORK/protected.yaml|" \
  -e "s|/usr/local/bin/myapp|$WORK/myapp|" "$unit" >"$WORK/pprotect-test-myapp.service"

if command -v systemd-analyze >/dev/null; then
  set +e
  out=$(systemd-analyze verify --man=no "$WORK/pprotect-test-myapp.service" 2>&1)
  rc=$?
  set -e
  expect_eq "systemd-analyze verify succeeds" 0 "$rc"
  expect_eq "and warns about nothing" "" "$out"
else
  echo "note: systemd-analyze not installed; unit not verified"
fi

# What systemd does for this unit, by hand.
mapfile -t fields < <(python3 - "$WORK/pprotect-test-myapp.service" <<'PY'
import shlex, sys
exec_start = credential = None
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("ExecStart="):
        exec_start = line[len("ExecStart="):]
    elif line.startswith("LoadCredential="):
        credential = line[len("LoadCredential="):]
name, _, source = credential.partition(":")
print(name)
print(source)
for word in shlex.split(exec_start):
    print(word)
PY
)
credential_name=${fields[0]}
credential_source=${fields[1]}
exec_start=("${fields[@]:2}")
expect_eq "LoadCredential= names the credential --passphrase-credential reads" \
  "--passphrase-credential $credential_name" \
  "$(printf '%s\n' "${exec_start[@]}" | grep -A1 -x -- --passphrase-credential | tr '\n' ' ' | sed 's/ $//')"
credentials_dir=$WORK/credentials/pprotect-test-myapp.service
mkdir -p "$credentials_dir"
install -m 0400 "$credential_source" "$credentials_dir/$credential_name"
chmod 0500 "$credentials_dir"

set +e
out=$(env -i PATH=/usr/bin:/bin CREDENTIALS_DIRECTORY="$credentials_dir" "${exec_start[@]}" </dev/null 2>"$WORK/err")
rc=$?
set -e
expect_eq "ExecStart with \$CREDENTIALS_DIRECTORY exits 0" 0 "$rc"
expect_contains "the program gets the secret" "$out" "token=$FIXTURE_TOKEN"
expect_contains "and no passphrase variable" "$out" "credentials=none"

# Without the credential (LoadCredential= missing or misnamed) the service
# fails with pprotect-run's launcher status, which the unit does not restart.
set +e
env -i PATH=/usr/bin:/bin "${exec_start[@]}" </dev/null >/dev/null 2>"$WORK/err"
rc=$?
set -e
expect_eq "no \$CREDENTIALS_DIRECTORY: exit 125" 125 "$rc"
expect_contains "with a message saying so" "$(cat "$WORK/err")" "CREDENTIALS_DIRECTORY"
expect_contains "the unit does not restart on 125" "$(cat "$unit")" "RestartPreventExitStatus=125"

# A real run when this machine's PID 1 is systemd.
if [[ -d /run/systemd/system ]] && command -v systemd-run >/dev/null; then
  set +e
  out=$(systemd-run --wait --pipe --quiet --collect \
    -p LoadCredential="$credential_name:$credential_source" \
    "${exec_start[@]}" 2>&1)
  rc=$?
  set -e
  expect_eq "systemd-run with LoadCredential= exits 0" 0 "$rc"
  expect_contains "and the program gets the secret" "$out" "token=$FIXTURE_TOKEN"
else
  echo "note: systemd is not PID 1 here; the unit ran by hand only"
fi
finish
