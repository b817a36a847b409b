#!/bin/bash
# containers/kubernetes: the Deployment, run as the kubelet would without a
# cluster: the image root of containers/docker, the Secret and ConfigMap made
# by the README's kubectl commands mounted as volumes (keys as files, mode
# 0440, group = fsGroup), then command + args as PID 1 in a PID namespace,
# as the pod's numeric non-root user on a read-only root file system
# (readOnlyRootFilesystem: true). Finally SIGTERM, as at pod deletion.
source "$(dirname "$0")/common.bash"
command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || skip "python3 with PyYAML not installed"
require_box
find_static_bin_dir
find_static_busybox

root=$WORK/image/root
mkdir -p "$root"
python3 "$(dirname "$0")/image_root.py" "$CONTAINERS/docker/Dockerfile" "$CONTAINERS/docker/compose.yaml" "$root" \
  "$PPROTECT_SOURCE_DIR" "/build/bin/pprotect-run=$STATIC_BIN_DIR/pprotect-run" "/bin/busybox=$BUSYBOX" >/dev/null
rm -f "$root/etc/pprotect/protected.yaml" # the ConfigMap provides it here
chmod 0755 "$root" "$root/pprotect-run" "$root/bin/busybox"

# The README's commands, client-side only.
printf '%s\n' "$FIXTURE_PASSPHRASE" >"$WORK/passphrase.txt"
cp "$FIXTURE_FILE" "$WORK/protected.yaml"
if command -v kubectl >/dev/null; then
  (cd "$WORK" &&
    kubectl create secret generic pprotect-passphrase --from-file=passphrase=./passphrase.txt \
      --dry-run=client -o yaml >secret.yaml &&
    kubectl create configmap pprotect-protected --from-file=protected.yaml=./protected.yaml \
      --dry-run=client -o yaml >configmap.yaml)
else
  echo "note: kubectl not installed; writing the Secret and ConfigMap it would make"
  python3 - "$WORK" <<'PY'
import base64, sys, yaml
work = sys.argv[1]
with open(f"{work}/passphrase.txt", "rb") as f:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pprotect-passphrase"},
              "data": {"passphrase": base64.b64encode(f.read()).decode()}}
with open(f"{work}/protected.yaml") as f:
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "pprotect-protected"},
                 "data": {"protected.yaml": f.read()}}
yaml.safe_dump(secret, open(f"{work}/secret.yaml", "w"))
yaml.safe_dump(configmap, open(f"{work}/configmap.yaml", "w"))
PY
fi

python3 "$(dirname "$0")/pod_root.py" "$CONTAINERS/kubernetes/deployment.yaml" "$WORK/secret.yaml" \
  "$WORK/configmap.yaml" "$root" >"$WORK/pod"
mapfile -t pod <"$WORK/pod"
user=${pod[0]}
argv=("${pod[@]:1}")
expect_eq "the pod runs as a numeric non-root user" "65534:65534" "$user"
expect_eq "the passphrase volume is mode 0440, group fsGroup" "440 0:65534" \
  "$(stat -c '%a %u:%g' "$root/var/run/secrets/pprotect/passphrase")"

in_box_ro "$user" "$root" "${argv[@]}" >"$WORK/out" 2>"$WORK/err" &
unshare_pid=$!
on_exit "kill -KILL $unshare_pid 2>/dev/null"
wait_until "grep -q DEPLOY_TOKEN '$WORK/out'" || fail "the program never started: $(cat "$WORK/err")"
expect_eq "the program sees the secret" "DEPLOY_TOKEN holds ${#FIXTURE_TOKEN} characters" "$(cat "$WORK/out")"
init_pid=$(box_init_pid "$unshare_pid")
on_exit "kill -KILL $init_pid 2>/dev/null"
expect_eq "PID 1 of the pod is pprotect-run" "pprotect-run" "$(cat "/proc/$init_pid/comm" 2>/dev/null)"
expect_eq "running as uid 65534" "65534" "$(awk '/^Uid:/{print $2}' "/proc/$init_pid/status")"

# Pod deletion: the kubelet sends SIGTERM to PID 1.
kill -TERM "$init_pid"
wait_box "$unshare_pid" "$init_pid"
rc=$BOX_STATUS
expect_eq "SIGTERM ends the pod with the program's status (killed by TERM: 143)" 143 "$rc"
expect_not_contains "no secret on stderr" "$(cat "$WORK/err")" "$FIXTURE_TOKEN"
finish
