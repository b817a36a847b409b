#!/bin/bash
# ctest: FIXTURES_REQUIRED pprotect_demo_image
# containers/kubernetes/deployment.yaml: no cluster can run here, so the
# manifest is validated against the Kubernetes API schemas (npm
# kubernetes-models, offline) and its pod is played for real by
# `podman kube play` with the image of containers/docker/Dockerfile: the
# numeric non-root user, the read-only root, no capabilities, the memory
# limit, the passphrase file from the Secret volume, pprotect-run as PID 1
# handing the secret over, and pod stop (SIGTERM, forwarded: 143).
source "$(dirname "$0")/common.bash"
require_engine_tests
require_installed node nodejs
python3 -c 'import yaml' 2>/dev/null || fail "python3 with PyYAML not found: scripts/install-deps.sh installs python3-yaml"
lint=$CONTAINERS/tests/lint
[[ -d $lint/node_modules/kubernetes-models ]] ||
  fail "$lint/node_modules is missing: run scripts/install-deps.sh"
enter_private_mounts
deployment=$CONTAINERS/kubernetes/deployment.yaml

# The Secret and ConfigMap the README's kubectl commands make (kubectl
# itself when it is installed; Debian 12 has none, so the same objects by
# hand otherwise).
printf '%s\n' "$FIXTURE_PASSPHRASE" >"$WORK/passphrase.txt"
cp "$FIXTURE_FILE" "$WORK/protected.yaml"
if command -v kubectl >/dev/null; then
  (cd "$WORK" &&
    kubectl create secret generic pprotect-passphrase --from-file=passphrase=./passphrase.txt \
      --dry-run=client -o yaml >secret.yaml &&
    kubectl create configmap pprotect-protected --from-file=protected.yaml=./protected.yaml \
      --dry-run=client -o yaml >configmap.yaml)
else
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

# 1. The schemas: the Deployment, the Secret and the ConfigMap.
to_json() { python3 -c 'import json, sys, yaml; print(json.dumps([d for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) if d]))' "$@"; }
set +e
out=$(to_json "$deployment" "$WORK/secret.yaml" "$WORK/configmap.yaml" | node "$lint/validate-kubernetes.mjs" 2>&1)
rc=$?
set -e
expect_eq "the manifests match the Kubernetes API schemas" \
  "$rc $(echo $out)" "0 valid Deployment myapp valid Secret pprotect-passphrase valid ConfigMap pprotect-protected"
# The validator rejects what a cluster would: a replica count as a string.
python3 -c 'import sys, yaml
d = yaml.safe_load(open(sys.argv[1])); d["spec"]["replicas"] = "one"
yaml.safe_dump(d, open(sys.argv[2], "w"))' "$deployment" "$WORK/broken.yaml"
set +e
out=$(to_json "$WORK/broken.yaml" | node "$lint/validate-kubernetes.mjs" 2>&1)
rc=$?
set -e
expect_eq "a broken copy is refused" "$rc" "1"
expect_contains "naming the field" "$out" "spec/replicas must be integer"

# What the manifest promises, beyond the schema: the README's names.
mapfile -t facts < <(python3 - "$deployment" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
pod = d["spec"]["template"]["spec"]
labels = d["spec"]["template"]["metadata"]["labels"]
print(all(labels.get(k) == v for k, v in d["spec"]["selector"]["matchLabels"].items()))
volumes = {v["name"]: v for v in pod["volumes"]}
print(volumes["pprotect-passphrase"]["secret"]["secretName"], oct(volumes["pprotect-passphrase"]["secret"]["defaultMode"]),
      pod["securityContext"]["fsGroup"])
print(volumes["pprotect-protected"]["configMap"]["name"])
PY
)
expect_eq "the selector matches the template's labels" "${facts[0]}" "True"
expect_eq "the passphrase volume is the README's Secret, mode 0440 for fsGroup 65534" \
  "${facts[1]}" "pprotect-passphrase 0o440 65534"
expect_eq "protected.yaml comes from the README's ConfigMap" "${facts[2]}" "pprotect-protected"

# 2. The pod, played by podman with the Dockerfile's image under the name
#    the manifest gives it.
start_podman
load_demo_image
"${PODMAN[@]}" tag localhost/pprotect-demo:latest registry.example.com/myapp:1.0
# WARNING: podman 4.3.1 mishandles Secret volumes (it panics on a secret
# volume without `optional:`, and writes the value base64-encoded with it).
# So the Secret is played as a ConfigMap of the same name holding the same
# decoded key, and the manifest's secret volume as a configMap volume with
# the same name, items and mode; nothing else in the manifest changes.
python3 - "$deployment" "$WORK/secret.yaml" "$WORK" <<'PY'
import base64, sys, yaml
deployment, secret_path, work = sys.argv[1:]
d = yaml.safe_load(open(deployment))
for volume in d["spec"]["template"]["spec"]["volumes"]:
    if "secret" in volume:
        source = volume.pop("secret")
        source["name"] = source.pop("secretName")
        volume["configMap"] = source
yaml.safe_dump(d, open(f"{work}/play.yaml", "w"))
secret = yaml.safe_load(open(secret_path))
yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": secret["metadata"]["name"]},
                "data": {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}},
               open(f"{work}/secret-as-configmap.yaml", "w"))
PY
if ! "${PODMAN[@]}" kube play --network none --configmap "$WORK/secret-as-configmap.yaml" \
  --configmap "$WORK/configmap.yaml" "$WORK/play.yaml" >"$WORK/play.log" 2>&1; then
  cat "$WORK/play.log" >&2
  fail "podman kube play failed"
fi
pod=$("${PODMAN[@]}" pod ps --format '{{.Name}}')
container=$("${PODMAN[@]}" ps -a --filter "pod=$pod" --format '{{.Names}}' | grep -- '-app$')
wait_until "[[ \$(\"\${PODMAN[@]}\" logs $container 2>&1) == *DEPLOY_TOKEN* ]]" ||
  fail "the program never started: $("${PODMAN[@]}" logs "$container" 2>&1)"
expect_eq "the program sees the secret" "$("${PODMAN[@]}" logs "$container" 2>&1)" \
  "DEPLOY_TOKEN holds ${#FIXTURE_TOKEN} characters"
init_pid=$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$container")
expect_eq "PID 1 of the container is pprotect-run" "$(cat "/proc/$init_pid/comm" 2>/dev/null)" "pprotect-run"
expect_eq "running as uid and gid 65534 (runAsUser, runAsGroup)" "$(awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u, g }' "/proc/$init_pid/status")" \
  "65534 65534"
expect_eq "with no capability (drop: ALL)" "$(awk '/^CapEff:/ { print $2 }' "/proc/$init_pid/status")" "0000000000000000"
expect_eq "no privilege escalation (no_new_privs)" "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$init_pid/status")" "1"
expect_eq "the memory limit is 64Mi" "$("${PODMAN[@]}" inspect -f '{{.HostConfig.Memory}}' "$container")" "67108864"
set +e
out=$("${PODMAN[@]}" exec "$container" /bin/busybox sh -c \
  '/bin/busybox touch /written 2>/dev/null && echo writable || echo read-only; /bin/busybox cat /var/run/secrets/pprotect/passphrase' 2>&1)
set -e
expect_eq "the root is read-only and the passphrase file is where --passphrase-file reads it" \
  "$(echo $out)" "read-only $FIXTURE_PASSPHRASE"
# podman applies neither defaultMode nor fsGroup to the files of a volume
# (they are 0644 root:root here); on a cluster they are 0440 root:65534.
echo "note: passphrase file under podman: $("${PODMAN[@]}" exec "$container" /bin/busybox stat -c '%a %u:%g' /var/run/secrets/pprotect/passphrase)"

# Pod deletion: SIGTERM to PID 1, forwarded to the program (busybox sleep,
# killed by it): the container's status is 143.
"${PODMAN[@]}" pod stop -t 30 "$pod" >/dev/null
expect_eq "pod stop: the program's status (killed by TERM: 143)" "$("${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' "$container")" \
  143
expect_not_contains "no secret in the log" "$("${PODMAN[@]}" logs "$container" 2>&1)" "$FIXTURE_TOKEN"
"${PODMAN[@]}" pod rm -f "$pod" >/dev/null
finish
