#!/bin/bash
# ctest: FIXTURES_REQUIRED pprotect_demo_image
# containers/docker/compose.yaml brought up for real: a dockerd of the
# test's own, Debian's docker-compose, the image of containers/docker/Dockerfile
# (built once by dockerfile_image.sh and loaded here, so compose does not
# build it a second time: `up --no-build`), the passphrase as the compose
# secret. The program's output and status come back through compose; the
# container's root is read-only, the secret is mounted where the ENTRYPOINT
# reads it, and `docker stop` (SIGTERM to pprotect-run) returns the
# program's status.
source "$(dirname "$0")/common.bash"
require_engine_tests
require_installed docker-compose docker-compose
enter_private_mounts
start_podman
load_demo_image
start_dockerd

"${DOCKER[@]}" load -q -i "$DEMO_IMAGE_ARCHIVE" >/dev/null
# podman saved it as localhost/pprotect-demo; compose's `image:` is pprotect-demo.
"${DOCKER[@]}" tag localhost/pprotect-demo:latest pprotect-demo:latest

# The README's steps: passphrase.txt beside compose.yaml (here the project
# directory, so the source tree gets no secret written into it), then up.
# The one addition, network_mode: none, keeps compose from creating its
# default bridge network on the test machine; the example needs no network.
project=$WORK/compose
mkdir -p "$project"
install -m 0400 /dev/stdin "$project/passphrase.txt" <<<"$FIXTURE_PASSPHRASE"
printf 'services:\n  app:\n    network_mode: none\n' >"$project/no-network.yaml"
compose=(docker-compose --ansi never --project-name pprotecttest --project-directory "$project"
  -f "$CONTAINERS/docker/compose.yaml" -f "$project/no-network.yaml")
on_exit "${compose[*]} down --remove-orphans >/dev/null 2>&1"

set +e
out=$("${compose[@]}" up --no-build --no-color --exit-code-from app 2>"$WORK/err")
rc=$?
set -e
expect_eq "docker-compose up: the service exits 0" "$rc" 0
expect_contains "its log holds the program's line" "$out" "| DEPLOY_TOKEN holds ${#FIXTURE_TOKEN} characters"
expect_not_contains "no secret in compose's output" "$out$(cat "$WORK/err")" "$FIXTURE_TOKEN"
expect_not_contains "no passphrase in compose's output" "$out$(cat "$WORK/err")" "$FIXTURE_PASSPHRASE"

container=$("${compose[@]}" ps -a -q app)
expect_eq "read_only: true gives a read-only root" "$("${DOCKER[@]}" inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$container")" \
  "true"
expect_eq "the secret is mounted where the ENTRYPOINT reads it, read-only" \
  "$("${DOCKER[@]}" inspect -f '{{range .Mounts}}{{.Source}} {{.Destination}} {{.RW}}{{end}}' "$container")" \
  "$project/passphrase.txt /run/secrets/pprotect_passphrase false"
expect_eq "stop_grace_period: 15s" "$("${DOCKER[@]}" inspect -f '{{.Config.StopTimeout}}' "$container")" "15"
expect_eq "no network but none" "$("${DOCKER[@]}" inspect -f '{{.HostConfig.NetworkMode}}' "$container")" "none"

# The service with another command (docker-compose run), stopped with docker
# stop: SIGTERM to pprotect-run, forwarded; the program's status back.
mkdir -p "$WORK/state"
run_name=$("${compose[@]}" run -d -v "$WORK/state:/state" app /bin/busybox sh -c \
  "trap 'echo got-term >/state/term; exit 42' TERM; echo \"\$DEPLOY_TOKEN\" >/state/up; while :; do /bin/busybox sleep 0.1; done" \
  2>"$WORK/err" | tail -1)
wait_until "[[ -s $WORK/state/up ]]" || fail "the program never started: $(cat "$WORK/err")"
expect_eq "docker-compose run: the program gets the secret" "$(cat "$WORK/state/up" 2>/dev/null)" "$FIXTURE_TOKEN"
"${DOCKER[@]}" stop "$run_name" >/dev/null
expect_eq "docker stop: the program's status (42) is the container's" "$("${DOCKER[@]}" inspect -f '{{.State.ExitCode}}' "$run_name")" \
  42
expect_eq "the program got the SIGTERM" "$(cat "$WORK/state/term" 2>/dev/null)" "got-term"

# A wrong secret (here an empty passphrase.txt): pprotect-run fails (125),
# compose reports it, and the program never runs.
: >"$project/passphrase.txt"
set +e
out=$("${compose[@]}" up --no-build --no-color --exit-code-from app 2>"$WORK/err")
rc=$?
set -e
expect_eq "an empty passphrase file: the service exits 125" "$rc" 125
expect_not_contains "and the program did not run" "$out" "DEPLOY_TOKEN holds"

"${compose[@]}" down --remove-orphans >/dev/null 2>&1
expect_eq "docker-compose down leaves no container" "$("${DOCKER[@]}" ps -aq --filter label=com.docker.compose.project=pprotecttest)" ""
expect_eq "and no network was created" "$("${DOCKER[@]}" network ls --format '{{.Name}}' | sort | tr '\n' ' ' | sed 's/ $//')" \
  "host none"
finish
