#!/bin/bash
# ctest: TIMEOUT 2400
# ctest: FIXTURES_SETUP pprotect_demo_image
# containers/docker/Dockerfile, the whole multi-stage build, by podman from
# the repository root as the README says: the build stage installs Debian's
# packages and compiles the static pprotect-run, the final stage is scratch.
# The slow test (minutes: apt-get and a compile), so it runs once per source
# tree: the image is saved as a docker-archive under the build directory,
# keyed by the tree's content, and docker_example.sh, compose_example.sh and
# kubernetes_example.sh load it (CTest runs this first, as their fixture).
# The build context keeps build directories, node_modules and .git out
# (Dockerfile.dockerignore); a probe build checks what it sends.
source "$(dirname "$0")/common.bash"
require_engine_tests
enter_private_mounts

key=$(demo_image_key)
if [[ -n $key && -s $DEMO_IMAGE_ARCHIVE && $(cat "$DEMO_IMAGE_DIR/pprotect-demo.key" 2>/dev/null) == "$key" ]]; then
  pass "the image of this source tree ($key) is built already: $DEMO_IMAGE_ARCHIVE"
  finish
fi
rm -f "$DEMO_IMAGE_ARCHIVE" "$DEMO_IMAGE_DIR/pprotect-demo.key"

start_podman
import_debian_slim
dockerfile=$CONTAINERS/docker/Dockerfile
ignorefile=$CONTAINERS/docker/Dockerfile.dockerignore
# podman reads Dockerfile.dockerignore only when told (BuildKit does by
# itself): --ignorefile.
build=("${PODMAN[@]}" build --pull=never --ignorefile "$ignorefile")

# What the build context holds, with the same ignore file.
mkdir -p "$WORK/probe"
printf 'FROM scratch\nCOPY . /context\n' >"$WORK/probe/Containerfile"
"${build[@]}" --network none -f "$WORK/probe/Containerfile" -t context-probe "$PPROTECT_SOURCE_DIR" \
  >"$WORK/probe.log" 2>&1 || { cat "$WORK/probe.log" >&2; fail "the context probe did not build"; }
probe=$("${PODMAN[@]}" image mount context-probe)
sent=$(cd "$probe/context" && find . \( -name .git -o -type d \( -name node_modules -o -name 'build*' \) \) -prune -print)
expect_eq "the context holds no .git, build directory or node_modules" "$sent" ""
if [[ -f $probe/context/containers/docker/Dockerfile && -f $probe/context/tests/fixtures/raw.yaml ]]; then
  pass "the context holds the sources and the fixture"
else
  fail "the context lacks the sources: $(ls "$probe/context")"
fi
"${PODMAN[@]}" image unmount context-probe >/dev/null

# The README's command, with podman. --network host: the build stage's
# apt-get reaches the Debian mirror; podman makes no network for it.
started=$SECONDS
if ! "${build[@]}" --network host -f "$dockerfile" --build-arg PROTECTED_FILE=tests/fixtures/raw.yaml \
  -t pprotect-demo "$PPROTECT_SOURCE_DIR" >"$WORK/build.log" 2>&1; then
  tail -40 "$WORK/build.log" >&2
  fail "podman build of containers/docker/Dockerfile failed"
fi
pass "podman built containers/docker/Dockerfile in $((SECONDS - started)) s"

root=$("${PODMAN[@]}" image mount pprotect-demo)
expect_eq "the image holds pprotect-run, busybox and protected.yaml only" \
  "$(cd "$root" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ' | sed 's/ $//')" \
  "bin/busybox etc/pprotect/protected.yaml pprotect-run"
if is_static "$root/pprotect-run" && is_static "$root/bin/busybox"; then
  pass "both programs in the image are static"
else
  fail "a program in the scratch image is dynamically linked"
fi
"${PODMAN[@]}" image unmount pprotect-demo >/dev/null

# Every check above held (a failed one ends the test): keep the image.
{
  mkdir -p "$DEMO_IMAGE_DIR"
  "${PODMAN[@]}" save -q --format docker-archive -o "$DEMO_IMAGE_DIR/.pprotect-demo.tar" pprotect-demo
  mv "$DEMO_IMAGE_DIR/.pprotect-demo.tar" "$DEMO_IMAGE_ARCHIVE"
  echo "$key" >"$DEMO_IMAGE_DIR/pprotect-demo.key"
  pass "saved as $DEMO_IMAGE_ARCHIVE"
}
finish
