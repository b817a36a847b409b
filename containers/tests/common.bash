# Shared by containers/tests/*.sh (sourced, not a test itself: only *.sh
# files are registered). fail, skip, pass, on_exit and the expectations are
# tests/harness.bash's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../tests/harness.bash"

: "${PPROTECT_BIN_DIR:?}" "${PPROTECT_FIXTURES:?}" "${PPROTECT_SOURCE_DIR:?}" "${PPROTECT_BUILD_DIR:?}"
CONTAINERS="$PPROTECT_SOURCE_DIR/containers"

# The fixture every example uses: raw custodian ci@example.com, domain ci.
FIXTURE_FILE="$PPROTECT_FIXTURES/raw.yaml"
FIXTURE_USER="ci@example.com"
FIXTURE_PASSPHRASE="P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P"
FIXTURE_DOMAIN="ci"
FIXTURE_TOKEN="tok-0123456789abcdef"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pprotect-containers.XXXXXX")
on_exit 'rm -rf "$WORK"'

# The dynamically linked binaries of this build.
RUN_BIN="$PPROTECT_BIN_DIR/pprotect-run"
[[ -x $RUN_BIN ]] || fail "$RUN_BIN not built"

is_static() { # path: no program interpreter, no shared library
  ! readelf -lW "$1" 2>/dev/null | grep -q 'Requesting program interpreter' &&
    ! readelf -dW "$1" 2>/dev/null | grep -q '(NEEDED)'
}

# Where the static pprotect-run is: $PPROTECT_STATIC_BIN_DIR, else this
# build's own (static by default), else the one containers/CMakeLists.txt
# builds for the tests when this build is dynamic. Sets STATIC_BIN_DIR.
find_static_bin_dir() {
  local dir
  for dir in "${PPROTECT_STATIC_BIN_DIR:-}" "$PPROTECT_BIN_DIR" "$PPROTECT_BUILD_DIR/containers/static/bin"; do
    if [[ -n $dir && -x $dir/pprotect-run ]] && is_static "$dir/pprotect-run"; then
      STATIC_BIN_DIR=$dir
      return 0
    fi
  done
  if grep -q '^PPROTECT_CONTAINER_STATIC:BOOL=OFF' "$PPROTECT_BUILD_DIR/CMakeCache.txt" 2>/dev/null ||
    grep -q '^PPROTECT_SANITIZE:BOOL=ON' "$PPROTECT_BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    skip "no static build configured (PPROTECT_CONTAINER_STATIC=OFF or a sanitizer build)"
  fi
  fail "no static pprotect-run found (expected $PPROTECT_BUILD_DIR/containers/static/bin)"
}

# A file holding the fixture passphrase, mode 0400.
make_passphrase_file() { # path
  printf '%s\n' "$FIXTURE_PASSPHRASE" >"$1"
  chmod 0400 "$1"
}

# Waits (up to 30 s, so a broken build fails rather than hangs) until a
# command succeeds. Not a timing assertion: only "eventually".
wait_until() {
  local i
  for ((i = 0; i < 300; i++)); do
    if eval "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# A static busybox for images (Debian's busybox-static).
# The orphan check of the images: start_orphans NAME STATE RUN-ARGS...
# starts container NAME (podman run -d RUN-ARGS... IMAGE) whose program
# makes 20 orphans (their parent shell exits at once, so they are
# re-parented to PID 1) that run until STATE/release exists, says it is
# ready, and waits for TERM (then exits 42); expect_orphans_reaped NAME
# STATE checks that pprotect-run is PID 1, got the 20, and reaped them all
# once released.
start_orphans() { # name state-dir podman-run-arguments... image
  local name=$1 state=$2
  shift 2
  mkdir -p "$state"
  cat >"$state/child.sh" <<'SCRIPT'
trap 'echo got-term >/state/term; exit 42' TERM
i=0
while [ $i -lt 20 ]; do
  /bin/busybox sh -c '/bin/busybox sh -c "while [ ! -e /state/release ]; do /bin/busybox sleep 0.05; done" &'
  i=$((i + 1))
done
echo ready >/state/ready
while :; do /bin/busybox sleep 0.1; done
SCRIPT
  "${PODMAN[@]}" run -d --name "$name" --network none -v "$state:/state" "$@" /bin/busybox sh /state/child.sh \
    >/dev/null
  wait_until "[[ -e $state/ready ]]" || fail "the child never became ready: $("${PODMAN[@]}" logs "$name" 2>&1)"
}
expect_orphans_reaped() { # name state-dir
  local name=$1 state=$2 init_pid main_child
  init_pid=$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$name")
  expect_eq "PID 1 of the container runs pprotect-run" "$(cat "/proc/$init_pid/comm" 2>/dev/null)" "pprotect-run"
  expect_eq "PID 1 is the container's first process" \
    "$(awk '/^NSpid:/ { print $NF }' "/proc/$init_pid/status" 2>/dev/null)" "1"
  main_child=$(cut -d' ' -f1 <"/proc/$init_pid/task/$init_pid/children")
  others() { # children of PID 1 other than the main shell: orphans, or zombies
    local child n=0
    for child in $(cat "/proc/$init_pid/task/$init_pid/children" 2>/dev/null); do
      [[ $child == "$main_child" ]] || n=$((n + 1))
    done
    echo "$n"
  }
  zombies() {
    local child n=0
    for child in $(cat "/proc/$init_pid/task/$init_pid/children" 2>/dev/null); do
      [[ $(awk '{print $3}' "/proc/$child/stat" 2>/dev/null) == Z ]] && n=$((n + 1))
    done
    echo "$n"
  }
  expect_eq "the 20 orphans were re-parented to PID 1" "$(others)" 20
  touch "$state/release"
  if wait_until '[[ $(others) == 0 ]]'; then
    pass "once they exited, PID 1 reaped all 20 (no zombie left)"
  else
    fail "PID 1 still has $(others) extra children, $(zombies) of them zombies"
  fi
}

find_static_busybox() {
  local candidate
  for candidate in /bin/busybox /usr/bin/busybox; do
    if [[ -x $candidate ]] && is_static "$candidate"; then
      BUSYBOX=$candidate
      return 0
    fi
  done
  fail "no static busybox: scripts/install-deps.sh installs busybox-static"
}

# --- Container engines -------------------------------------------------------
# A program scripts/install-deps.sh installs is missing: a failure, not a
# skip, so that a broken install step cannot pass as skipped tests.
require_installed() { # command package
  command -v "$1" >/dev/null || fail "$1 not found: scripts/install-deps.sh installs $2"
}

# The engine tests run in the release pass only: they exercise the static
# release binaries (or build the Dockerfile from source, which does not
# depend on the build at all), and the ASan pass has no static binaries to
# put in an image. PPROTECT_ENGINE_TESTS comes from the CMake option of the
# same name (OFF in sanitizer builds).
require_engine_tests() {
  [[ ${PPROTECT_ENGINE_TESTS:-ON} == ON ]] ||
    skip "container-engine tests run in the release pass only (PPROTECT_ENGINE_TESTS=${PPROTECT_ENGINE_TESTS})"
  [[ $(id -u) == 0 ]] || skip "the container-engine tests run rootful engines: run them as root"
}

# Engines write where their configuration cannot send them elsewhere: a
# rootful buildah keeps its blob cache in /var/lib/containers/cache whatever
# its storage root, dockerd 20.10 writes /etc/docker/key.json and
# /run/docker/plugins whatever its --data-root and --exec-root. So an engine
# test runs in a mount namespace of its own with /etc, /run and /var/lib
# overlaid by directories of its work dir: whatever lands there goes when the
# test ends, and every mount it makes (overlays, the engines' storage) dies
# with the namespace. Re-runs the test script in that namespace; call it
# first.
enter_private_mounts() {
  if [[ -z ${PPROTECT_PRIVATE_MOUNTS:-} ]]; then
    require_installed unshare util-linux
    rm -rf "$WORK"
    trap - EXIT
    exec unshare --mount --propagation private env PPROTECT_PRIVATE_MOUNTS=1 bash "$0"
  fi
  local dir name
  for dir in /etc /run /var/lib; do
    name=${dir//\//_}
    mkdir -p "$WORK/overlays/$name/upper" "$WORK/overlays/$name/work"
    mount -t overlay overlay \
      -o "lowerdir=$dir,upperdir=$WORK/overlays/$name/upper,workdir=$WORK/overlays/$name/work" "$dir"
    on_exit "umount -l $dir"
  done
}

# The cached Debian roots scripts/install-deps.sh makes (base_roots.bash).
ROOTS_CACHE=${PPROTECT_ROOTS_CACHE:-/var/cache/pprotect-tests}
MINBASE_ROOT=$ROOTS_CACHE/bookworm-minbase.v1
SYSTEMD_ROOT=$ROOTS_CACHE/bookworm-systemd.v1

# Unmounts everything mounted under a directory, deepest first.
unmount_under() { # dir
  local target
  findmnt -rn -o TARGET | { grep -F "$1/" || true; } | sort -r | while read -r target; do
    umount "$target" 2>/dev/null || umount -l "$target" || true
  done
}

# Processes whose command line names a directory (the engine helpers a test
# started with its own state paths: conmon, containerd-shim, ...), by pid.
pids_using() { # dir
  local proc pid
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    if tr '\0' ' ' 2>/dev/null <"$proc/cmdline" | grep -qF -- "$1"; then echo "$pid"; fi
  done
}

# podman with every piece of its state under $WORK/podman: storage, run
# directory, events log, secrets, network configuration. Nothing touches
# /var/lib/containers or /run/containers, and no network is ever created
# (netns none; the tests give --network none or host anyway). Sets PODMAN
# (use as "${PODMAN[@]}"); the cleanup removes containers, pods and storage.
start_podman() {
  require_installed podman podman
  require_installed runc runc
  local dir=$WORK/podman
  mkdir -p "$dir/tmp" "$dir/cni"
  cat >"$dir/containers.conf" <<CONF
[containers]
# No network namespace with a network in it unless a test asks: podman
# would otherwise create its CNI bridge and iptables chains on this machine.
netns = "none"
# podman's defaults (nofile 1048576, nproc 4194304) exceed the hard limits of
# some VMs ("error setting rlimit type 7"); these fit under common ones.
# Not needed on a normal host.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
# runc, not crun: crun refuses cgroups v1 hybrid hosts ("cgroups in hybrid
# mode not supported"). cgroupfs: systemd is not PID 1 on every test
# machine. events to a file: there may be no journald. A normal host needs
# none of these three lines.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
tmp_dir = "$dir/libpod"
image_copy_tmp_dir = "$dir/tmp"
static_dir = "$dir/storage/libpod"
volume_path = "$dir/storage/volumes"
# kube play's infra container runs catatonit (Debian's package path).
helper_binaries_dir = ["/usr/libexec/podman", "/usr/lib/podman", "/usr/bin"]

[network]
network_config_dir = "$dir/cni"
CONF
  cat >"$dir/storage.conf" <<CONF
[storage]
driver = "overlay"
runroot = "$dir/run"
graphroot = "$dir/storage"
CONF
  cat >"$dir/registries.conf" <<CONF
# Nothing is pulled: every image is built or loaded here (--pull=never).
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
CONF
  export CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf
  export CONTAINERS_REGISTRIES_CONF=$dir/registries.conf TMPDIR=$dir/tmp
  PODMAN=(podman --root "$dir/storage" --runroot "$dir/run" --storage-driver overlay --cgroup-manager cgroupfs
    --runtime runc --events-backend file --tmpdir "$dir/libpod")
  on_exit stop_podman
}
stop_podman() {
  local dir=$WORK/podman pid
  "${PODMAN[@]}" pod rm --all --force --time 0 >/dev/null 2>&1 || true
  "${PODMAN[@]}" rm --all --force --time 0 >/dev/null 2>&1 || true
  "${PODMAN[@]}" system reset --force >/dev/null 2>&1 || true
  for pid in $(pids_using "$dir"); do kill -KILL "$pid" 2>/dev/null || true; done
  unmount_under "$dir"
}

# An image made of the cached minbase root, under the name the Dockerfile's
# build stage starts FROM; no registry is reachable to pull debian:12-slim.
import_debian_slim() {
  [[ -d $MINBASE_ROOT ]] || fail "$MINBASE_ROOT missing: run scripts/install-deps.sh"
  tar -C "$MINBASE_ROOT" -c . | "${PODMAN[@]}" import -q - localhost/debian:12-slim >/dev/null
  "${PODMAN[@]}" tag localhost/debian:12-slim docker.io/library/debian:12-slim
}

# The image of containers/docker/Dockerfile, built by dockerfile_image.sh
# (the CTest fixture pprotect_demo_image, so CTest runs it first, also for
# `ctest -R` of a test that needs it) and saved here as a docker-archive.
DEMO_IMAGE_DIR=$PPROTECT_BUILD_DIR/containers/images
DEMO_IMAGE_ARCHIVE=$DEMO_IMAGE_DIR/pprotect-demo.tar
# Names the source tree's content (the build context): the commit's tree,
# plus uncommitted changes and untracked files when there are any. The
# fixture rebuilds when it changes, so the image is built once per commit.
# Empty outside git (then it is built on every run).
demo_image_key() {
  local src=$PPROTECT_SOURCE_DIR tree
  tree=$(git -C "$src" rev-parse 'HEAD^{tree}' 2>/dev/null) || return 0
  {
    echo "$tree"
    git -C "$src" diff HEAD --binary
    git -C "$src" ls-files --others --exclude-standard -z | (cd "$src" && xargs -0 -r sha256sum)
  } | sha256sum | cut -c1-16
}
# Loads that image into this test's podman, or fails naming the fixture.
load_demo_image() {
  [[ -s $DEMO_IMAGE_ARCHIVE ]] ||
    fail "$DEMO_IMAGE_ARCHIVE missing: 'containers: dockerfile_image' builds it"
  "${PODMAN[@]}" load -q -i "$DEMO_IMAGE_ARCHIVE" >/dev/null
}

# A dockerd of the test's own: data, exec root (containerd's state included),
# socket, pid file and client configuration under $WORK/docker, and no
# network of any kind: no docker0 bridge, no iptables or masquerading rules
# (the containers run with network_mode none). /usr/bin/docker from the
# docker.io package, not whatever `docker` comes first on PATH. Sets DOCKER
# and DOCKER_HOST; the cleanup removes the containers and ends the daemon
# and its containerd by pid.
start_dockerd() {
  require_installed /usr/sbin/dockerd docker.io
  require_installed /usr/bin/docker docker.io
  local dir=$WORK/docker
  mkdir -p "$dir/client"
  echo '{}' >"$dir/daemon.json"
  export DOCKER_HOST=unix://$dir/docker.sock DOCKER_CONFIG=$dir/client
  DOCKER=(/usr/bin/docker)
  /usr/sbin/dockerd --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/dockerd.pid" -H "$DOCKER_HOST" --storage-driver overlay2 \
    --iptables=false --ip6tables=false --ip-masq=false --bridge=none >"$dir/dockerd.log" 2>&1 </dev/null &
  DOCKERD_PID=$!
  on_exit stop_dockerd
  if ! wait_until '"${DOCKER[@]}" version >/dev/null 2>&1'; then
    tail -20 "$dir/dockerd.log" >&2
    fail "dockerd did not start"
  fi
}
stop_dockerd() {
  local dir=$WORK/docker pid ids
  ids=$("${DOCKER[@]}" ps -aq 2>/dev/null || true)
  [[ -z $ids ]] || "${DOCKER[@]}" rm -f $ids >/dev/null 2>&1 || true
  kill -TERM "$DOCKERD_PID" 2>/dev/null || true
  wait_until "! kill -0 $DOCKERD_PID 2>/dev/null" || kill -KILL "$DOCKERD_PID" 2>/dev/null || true
  wait "$DOCKERD_PID" 2>/dev/null || true
  for pid in $(pids_using "$dir"); do kill -KILL "$pid" 2>/dev/null || true; done
  unmount_under "$dir"
}
