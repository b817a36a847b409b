#!/usr/bin/env python3
"""Does what the kubelet would for containers/kubernetes/deployment.yaml,
without a cluster: checks the Deployment's structure, writes the Secret and
ConfigMap volumes into an image root as the kubelet mounts them (keys as
files, defaultMode, fsGroup as the files' group), and prints the container's
user and argv (command + args).

Usage: pod_root.py DEPLOYMENT SECRET_YAML CONFIGMAP_YAML ROOT
Prints "UID:GID" on the first line, then argv one word per line.
Exits 2 with a message when the manifest breaks the README's contract.
"""
import base64
import os
import sys

import yaml


def die(message):
    print(f"pod_root.py: {message}", file=sys.stderr)
    sys.exit(2)


def main():
    deployment_path, secret_path, configmap_path, root = sys.argv[1:5]
    with open(deployment_path) as f:
        deployment = yaml.safe_load(f)
    with open(secret_path) as f:
        secret = yaml.safe_load(f)
    with open(configmap_path) as f:
        configmap = yaml.safe_load(f)

    if deployment.get("apiVersion") != "apps/v1" or deployment.get("kind") != "Deployment":
        die("not an apps/v1 Deployment")
    spec = deployment["spec"]
    labels = spec["template"]["metadata"]["labels"]
    for key, value in spec["selector"]["matchLabels"].items():
        if labels.get(key) != value:
            die(f"selector {key}={value} does not match the template's labels")
    pod = spec["template"]["spec"]
    security = pod.get("securityContext") or {}
    uid = security.get("runAsUser", 0)
    gid = security.get("runAsGroup", 0)
    fs_group = security.get("fsGroup")
    containers = pod["containers"]
    if len(containers) != 1:
        die("expected one container")
    container = containers[0]
    volumes = {v["name"]: v for v in pod.get("volumes") or []}

    for mount in container.get("volumeMounts") or []:
        if mount["name"] not in volumes:
            die(f"volumeMount {mount['name']} names no volume")
        volume = volumes[mount["name"]]
        target = os.path.join(root, mount["mountPath"].lstrip("/"))
        os.makedirs(target, exist_ok=True)
        if "secret" in volume:
            source = volume["secret"]
            if source["secretName"] != secret["metadata"]["name"]:
                die(f"the volume wants Secret {source['secretName']}, the README creates {secret['metadata']['name']}")
            data = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
        elif "configMap" in volume:
            source = volume["configMap"]
            if source["name"] != configmap["metadata"]["name"]:
                die(f"the volume wants ConfigMap {source['name']}, the README creates {configmap['metadata']['name']}")
            data = {k: v.encode() for k, v in (configmap.get("data") or {}).items()}
        else:
            die(f"volume {mount['name']} is neither a Secret nor a ConfigMap")
        mode = source.get("defaultMode", 0o644)
        items = source.get("items") or [{"key": k, "path": k} for k in data]
        for item in items:
            if item["key"] not in data:
                die(f"key {item['key']} is not in the {mount['name']} volume's source")
            path = os.path.join(target, item["path"])
            with open(path, "wb") as out:
                out.write(data[item["key"]])
            os.chmod(path, item.get("mode", mode))
            if fs_group is not None:
                os.chown(path, 0, fs_group)
        if mount.get("readOnly"):
            os.chmod(target, 0o555)

    print(f"{uid}:{gid}")
    for word in (container.get("command") or []) + (container.get("args") or []):
        print(word)


main()
