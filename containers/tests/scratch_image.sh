#!/bin/bash
# containers/scratch/Dockerfile built by podman from this build's static
# pprotect-run, a static busybox and protected.yaml, and run by podman: the
# secret arrives, pprotect-run is PID 1, exit statuses come back, a missing
# secret gives 125, 20 orphans are re-parented to PID 1 and reaped, `podman
# stop` reaches the child and returns its status, a read-only root works.
source "$(dirname "$0")/common.bash"
require_engine_tests
enter_private_mounts
find_static_bin_dir
find_static_busybox
start_podman

ctx=$WORK/ctx
mkdir -p "$ctx"
cp "$STATIC_BIN_DIR/pprotect-run" "$FIXTURE_FILE" "$ctx/"
mv "$ctx/$(basename "$FIXTURE_FILE")" "$ctx/protected.yaml"
cp "$BUSYBOX" "$ctx/busybox"
if ! "${PODMAN[@]}" build --network none --pull=never -f "$CONTAINERS/scratch/Dockerfile" -t pprotect-scratch \
  "$ctx" >"$WORK/build.log" 2>&1; then
  cat "$WORK/build.log" >&2
  fail "podman build of containers/scratch/Dockerfile failed"
fi
pass "podman built containers/scratch/Dockerfile"
image_root=$("${PODMAN[@]}" image mount pprotect-scratch)
expect_eq "the image holds pprotect-run, busybox and protected.yaml only" \
  "$(cd "$image_root" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ' | sed 's/ $//')" \
  "bin/busybox etc/pprotect/protected.yaml pprotect-run"
"${PODMAN[@]}" image unmount pprotect-scratch >/dev/null

make_passphrase_file "$WORK/passphrase"
"${PODMAN[@]}" secret create pprotect_passphrase "$WORK/passphrase" >/dev/null
run=("${PODMAN[@]}" run --rm --network none)

# 1. The image as built: CMD gets the secret.
set +e
out=$("${run[@]}" --secret pprotect_passphrase pprotect-scratch 2>"$WORK/err")
rc=$?
set -e
expect_eq "the container exits 0" "$rc" 0
expect_eq "the demo program sees the secret" "$out" "DEPLOY_TOKEN holds ${#FIXTURE_TOKEN} characters"
expect_not_contains "no secret on stderr" "$(cat "$WORK/err")" "$FIXTURE_TOKEN"

# 2. A command given to podman run: the secret in its environment, its
#    parent is PID 1 and PID 1 is pprotect-run, no passphrase variable.
set +e
out=$("${run[@]}" --secret pprotect_passphrase pprotect-scratch /bin/busybox sh -c \
  'echo "token=$DEPLOY_TOKEN ppid=$PPID pid1=$(cat /proc/1/comm)"; echo "pass=${PPROTECT_PASSPHRASE-unset}"' 2>"$WORK/err")
rc=$?
set -e
expect_eq "exit status of a child that succeeds" "$rc" 0
expect_contains "secret in the child's environment" "$out" "token=$FIXTURE_TOKEN"
expect_contains "pprotect-run is PID 1 (the child's parent)" "$out" "ppid=1 pid1=pprotect-run"
expect_contains "no passphrase variable in the child" "$out" "pass=unset"

# 3. An exit status comes back unchanged.
set +e
"${run[@]}" --secret pprotect_passphrase pprotect-scratch /bin/busybox sh -c 'exit 7' 2>/dev/null
rc=$?
set -e
expect_eq "exit status 7 propagated through podman run" "$rc" 7

# 4. No secret mounted: pprotect-run's own error, naming the file; the
#    program never starts without its secrets.
set +e
out=$("${run[@]}" pprotect-scratch /bin/busybox echo started 2>"$WORK/err")
rc=$?
set -e
expect_eq "missing secret: exit 125" "$rc" 125
expect_contains "the error names the secret file" "$(cat "$WORK/err")" "/run/secrets/pprotect_passphrase"
expect_eq "and the program did not start" "$out" ""

# 5. Read-only root (podman run --read-only): still works, and really is
#    read-only. WARNING: podman 4.3.1 fails to mount --secret together with
#    --read-only, so the passphrase comes as a read-only bind mount here, as
#    the README's docker-without-swarm line does.
set +e
out=$("${run[@]}" --read-only -v "$WORK/passphrase:/run/secrets/pprotect_passphrase:ro" pprotect-scratch \
  /bin/busybox sh -c 'echo "token=$DEPLOY_TOKEN"; /bin/busybox touch /written 2>/dev/null && echo writable || echo read-only' \
  2>"$WORK/err")
rc=$?
set -e
expect_eq "--read-only: the container exits 0" "$rc" 0
expect_eq "--read-only: the secret arrives and / is not writable" "$(echo $out)" "token=$FIXTURE_TOKEN read-only"

# 6. Orphans are reaped, then `podman stop` reaches the child. The child
#    makes 20 orphans (their parent shell exits at once, so they are
#    re-parented to PID 1) that run until /state/release exists, says it is
#    ready, and waits for TERM.
start_orphans orphans "$WORK/state" --secret pprotect_passphrase pprotect-scratch
expect_orphans_reaped orphans "$WORK/state"
"${PODMAN[@]}" stop -t 20 orphans >/dev/null
expect_eq "podman stop: the child's status (42) is the container's" "$("${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' orphans)" \
  42
expect_eq "the child got the SIGTERM" "$(cat "$WORK/state/term" 2>/dev/null)" "got-term"

# 7. A child that ignores SIGTERM: podman's own SIGKILL after its stop
#    timeout ends the container (137); nothing hangs.
"${PODMAN[@]}" run -d --name deaf --network none --secret pprotect_passphrase -v "$WORK/state:/state" \
  pprotect-scratch /bin/busybox sh -c "trap '' TERM; echo up >/state/deaf; while :; do /bin/busybox sleep 0.1; done" \
  >/dev/null
wait_until "[[ -e $WORK/state/deaf ]]" || fail "the TERM-ignoring child never started"
"${PODMAN[@]}" stop -t 2 deaf >/dev/null 2>&1
expect_eq "a child that ignores SIGTERM: podman stop's SIGKILL gives 137" "$("${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' deaf)" \
  137
finish
