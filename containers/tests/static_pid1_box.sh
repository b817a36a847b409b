#!/bin/bash
# The static pprotect-run as a container's PID 1 in an otherwise empty root:
# only the binary, protected.yaml, a passphrase file and a static busybox.
# The secret reaches the child, orphaned grandchildren are reaped, SIGTERM
# sent to PID 1 from outside stops the child and its exit status comes back.
source "$(dirname "$0")/common.bash"
require_box
find_static_bin_dir
find_static_busybox

root=$WORK/root
mkdir -p "$root"
cp "$STATIC_BIN_DIR/pprotect-run" "$root/pprotect-run"
cp "$FIXTURE_FILE" "$root/protected.yaml"
make_passphrase_file "$root/passphrase"
cp "$BUSYBOX" "$root/busybox"
launch=(/pprotect-run --file /protected.yaml --domain "$FIXTURE_DOMAIN" -u "$FIXTURE_USER"
  --passphrase-file /passphrase --non-interactive --)
expect_eq "the root holds nothing else" "busybox passphrase pprotect-run protected.yaml" "$(cd "$root" && echo *)"

# 1. The secret reaches the child; pprotect-run is PID 1; nothing needs /etc.
set +e
out=$(in_box "$root" "${launch[@]}" /busybox sh -c 'echo "token=$DEPLOY_TOKEN ppid=$PPID pid=$$"; echo "pass=${PPROTECT_PASSPHRASE-unset}"' 2>"$WORK/err1")
rc=$?
set -e
expect_eq "exit status of a child that succeeds" 0 "$rc"
expect_contains "secret in the child's environment" "$out" "token=$FIXTURE_TOKEN"
expect_contains "pprotect-run is PID 1 (the child's parent)" "$out" "ppid=1 "
expect_contains "no passphrase variable in the child" "$out" "pass=unset"
[[ -s $WORK/err1 ]] && echo "stderr: $(cat "$WORK/err1")"

# 2. An exit status comes back unchanged.
set +e
in_box "$root" "${launch[@]}" /busybox sh -c 'exit 7' 2>/dev/null
rc=$?
set -e
expect_eq "exit status 7 propagated" 7 "$rc"

# 3. Orphans are reaped, then SIGTERM from outside reaches the child.
#    The child makes 20 orphans (their parent shell exits at once, so they
#    are re-parented to PID 1) that run until /release exists, says it is
#    ready, and waits for TERM.
#    busybox sh starts background jobs with stdin from /dev/null, which
#    every container runtime provides; so does this box from here on.
mkdir -p "$root/dev"
mknod -m 0666 "$root/dev/null" c 1 3
cat >"$root/child.sh" <<'SCRIPT'
trap 'echo got-term >/term; exit 42' TERM
i=0
while [ $i -lt 20 ]; do
  /busybox sh -c '/busybox sh -c "while [ ! -e /release ]; do /busybox sleep 0.05; done" &'
  i=$((i + 1))
done
echo ready >/ready
while :; do /busybox sleep 0.1; done
SCRIPT
in_box "$root" "${launch[@]}" /busybox sh /child.sh 2>"$WORK/err3" &
unshare_pid=$!
on_exit "kill -KILL $unshare_pid 2>/dev/null"
wait_until "[[ -e $root/ready ]]" || fail "the child never became ready: $(cat "$WORK/err3")"
init_pid=$(box_init_pid "$unshare_pid")
# Killing a namespace's PID 1 ends everything in it.
on_exit "kill -KILL $init_pid 2>/dev/null"
expect_eq "PID 1 of the box runs pprotect-run" "pprotect-run" "$(cat "/proc/$init_pid/comm" 2>/dev/null)"

# Children of PID 1 other than the main shell: orphans still running, or
# zombies if nobody reaps them.
main_child=$(cut -d' ' -f1 <"/proc/$init_pid/task/$init_pid/children")
others() {
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
expect_eq "the 20 orphans were re-parented to PID 1" 20 "$(others)"
touch "$root/release"
if wait_until '[[ $(others) == 0 ]]'; then
  pass "once they exited, PID 1 reaped all 20 (no zombie left)"
else
  fail "PID 1 still has $(others) extra children, $(zombies) of them zombies"
fi

kill -TERM "$init_pid"
wait_box "$unshare_pid" "$init_pid"
rc=$BOX_STATUS
expect_eq "SIGTERM to PID 1 stops the child and its status (42) comes back" 42 "$rc"
expect_eq "the child got the SIGTERM" "got-term" "$(cat "$root/term" 2>/dev/null)"
finish
