#!/bin/bash
# containers/docker: the scratch image and the compose file. No Docker engine
# runs here, so the test does what `docker build` and `docker compose up`
# would: assembles the final stage's root from its COPY lines (with the
# static pprotect-run and busybox the build stage would produce), mounts the
# compose secret at its target, and runs ENTRYPOINT + CMD as PID 1 in a PID
# namespace, chrooted into that root.
source "$(dirname "$0")/common.bash"
command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || skip "python3 with PyYAML not installed"
require_box
find_static_bin_dir
find_static_busybox

dir=$CONTAINERS/docker
root=$WORK/image/root
mkdir -p "$root"
python3 "$(dirname "$0")/image_root.py" "$dir/Dockerfile" "$dir/compose.yaml" "$root" "$PPROTECT_SOURCE_DIR" \
  "/build/bin/pprotect-run=$STATIC_BIN_DIR/pprotect-run" "/bin/busybox=$BUSYBOX" >"$WORK/argv"
mapfile -t argv <"$WORK/argv"
expect_eq "the image holds pprotect-run, busybox and protected.yaml only" \
  "$root/bin/busybox $root/etc/pprotect/protected.yaml $root/pprotect-run" "$(find "$root" -type f | sort | tr '\n' ' ' | sed 's/ $//')"

# The compose secret, where Docker mounts it.
read -r secret_name secret_target secret_file <"$WORK/image/secrets.txt"
expect_eq "compose's secret is the passphrase file" "pprotect_passphrase ./passphrase.txt" "$secret_name $secret_file"
expect_contains "the ENTRYPOINT reads that secret" " ${argv[*]} " " --passphrase-file $secret_target "
mkdir -p "$root$(dirname "$secret_target")"
make_passphrase_file "$root$secret_target"

set +e
out=$(in_box_ro 0:0 "$root" "${argv[@]}" 2>"$WORK/err")
rc=$?
set -e
expect_eq "the container exits 0 (root file system read-only, as compose's read_only: true)" 0 "$rc"
if in_box_ro 0:0 "$root" /bin/busybox touch /written 2>/dev/null; then
  fail "the read-only root was writable"
else
  pass "(the root really was read-only)"
fi
expect_eq "the demo program sees the secret" "DEPLOY_TOKEN holds ${#FIXTURE_TOKEN} characters" "$out"
expect_not_contains "no secret on stderr" "$(cat "$WORK/err")" "$FIXTURE_TOKEN"

# docker run IMAGE CMD...: arguments replace CMD, the ENTRYPOINT stays.
entry=()
for word in "${argv[@]}"; do
  entry+=("$word")
  [[ $word == -- ]] && break
done
set +e
out=$(in_box "$root" "${entry[@]}" /bin/busybox sh -c 'echo "$DEPLOY_TOKEN"; exit 3' 2>/dev/null)
rc=$?
set -e
expect_eq "a command given to docker run gets the secret" "$FIXTURE_TOKEN" "$out"
expect_eq "and its exit status is the container's" 3 "$rc"

# Without the secret mounted, the container fails as a launcher error (125)
# naming the file, instead of starting the program without its secrets.
rm -f "$root$secret_target"
set +e
in_box "$root" "${argv[@]}" >/dev/null 2>"$WORK/err"
rc=$?
set -e
expect_eq "missing Docker secret: exit 125" 125 "$rc"
expect_contains "the error names the secret file" "$(cat "$WORK/err")" "$secret_target"

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

if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  echo "note: a Docker engine is reachable; build the image by hand with the README's commands"
fi
finish
