#!/bin/bash
# ctest: FIXTURES_REQUIRED pprotect_demo_image
# containers/docker/Dockerfile's image (built by dockerfile_image.sh), run by
# podman as `docker run` runs it: the passphrase as a secret at
# /run/secrets/pprotect_passphrase, ENTRYPOINT + CMD, pprotect-run as PID 1;
# orphans are reaped, `podman stop` returns the program's status, a missing
# secret gives 125, a read-only root works. And the build stage installs
# only packages that scripts/install-deps.sh proves enough to build with.
source "$(dirname "$0")/common.bash"
require_engine_tests
enter_private_mounts
start_podman
load_demo_image
dir=$CONTAINERS/docker

expect_eq "the ENTRYPOINT is pprotect-run reading the Docker secret" \
  "$("${PODMAN[@]}" image inspect -f '{{.Config.Entrypoint}}' pprotect-demo)" \
  "[/pprotect-run --file /etc/pprotect/protected.yaml --domain ci -u ci@example.com --passphrase-file /run/secrets/pprotect_passphrase --non-interactive --]"

make_passphrase_file "$WORK/passphrase"
"${PODMAN[@]}" secret create pprotect_passphrase "$WORK/passphrase" >/dev/null
run=("${PODMAN[@]}" run --rm --network none)

# The image as built: CMD gets the secret.
set +e
out=$("${run[@]}" --secret pprotect_passphrase pprotect-demo 2>"$WORK/err")
rc=$?
set -e
expect_eq "the container exits 0" "$rc" 0
expect_eq "the demo program sees the secret" "$out" "DEPLOY_TOKEN holds ${#FIXTURE_TOKEN} characters"
expect_not_contains "no secret on stderr" "$(cat "$WORK/err")" "$FIXTURE_TOKEN"

# docker run IMAGE CMD...: arguments replace CMD, the ENTRYPOINT stays.
set +e
out=$("${run[@]}" --secret pprotect_passphrase pprotect-demo /bin/busybox sh -c \
  'echo "$DEPLOY_TOKEN ppid=$PPID pid1=$(cat /proc/1/comm) pass=${PPROTECT_PASSPHRASE-unset}"; exit 3' 2>/dev/null)
rc=$?
set -e
expect_eq "a command given to run gets the secret, under pprotect-run as PID 1" \
  "$out" "$FIXTURE_TOKEN ppid=1 pid1=pprotect-run pass=unset"
expect_eq "and its exit status is the container's" "$rc" 3

# Without the secret, the container fails as a launcher error (125) naming
# the file, instead of starting the program without its secrets.
set +e
out=$("${run[@]}" pprotect-demo 2>"$WORK/err")
rc=$?
set -e
expect_eq "missing secret: exit 125" "$rc" 125
expect_contains "the error names the secret file" "$(cat "$WORK/err")" "/run/secrets/pprotect_passphrase"
expect_eq "and the program did not start" "$out" ""

# A read-only root, as compose's read_only: true. WARNING: podman 4.3.1
# cannot mount --secret with --read-only; a read-only bind mount of the file
# is the same thing to pprotect-run.
set +e
out=$("${run[@]}" --read-only -v "$WORK/passphrase:/run/secrets/pprotect_passphrase:ro" pprotect-demo \
  /bin/busybox sh -c 'echo "$DEPLOY_TOKEN"; /bin/busybox touch /written 2>/dev/null && echo writable || echo read-only' \
  2>"$WORK/err")
rc=$?
set -e
expect_eq "--read-only: exit 0, the secret arrives, / is not writable" "$rc $(echo $out)" "0 $FIXTURE_TOKEN read-only"

# Orphans are reaped (as for the scratch image), then docker stop: SIGTERM
# to pprotect-run, forwarded; the program's status back.
start_orphans stopped "$WORK/state" --secret pprotect_passphrase pprotect-demo
expect_orphans_reaped stopped "$WORK/state"
"${PODMAN[@]}" stop -t 20 stopped >/dev/null
expect_eq "podman stop: the program's status (42) is the container's" "$("${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' stopped)" \
  42
expect_eq "the program got the SIGTERM" "$(cat "$WORK/state/term" 2>/dev/null)" "got-term"

# The build stage: the packages it installs are the ones this project's
# install-deps.sh proves enough, and it configures the static build.
build_stage=$(sed -n '1,/^FROM scratch/p' "$dir/Dockerfile")
expect_contains "the build stage configures the static build" "$build_stage" "-DPPROTECT_STATIC=ON"
for package in $(sed -n '/apt-get install/,/rm -rf/p' "$dir/Dockerfile" | tr ' \\' '\n\n' |
  grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm|lists|ca-certificates|busybox-static)$'); do
  if grep -qw -- "$package" "$PPROTECT_SOURCE_DIR/scripts/install-deps.sh"; then
    pass "build stage package $package is one install-deps.sh builds with"
  else
    fail "build stage installs $package, which install-deps.sh does not list"
  fi
done
finish
