#!/usr/bin/env python3
"""Assembles what `docker build` + `docker compose up` would give for
containers/docker, without a Docker engine: the final stage's root file
system (scratch plus its COPY lines) and the command the container runs.

Usage: image_root.py DOCKERFILE COMPOSE ROOT CONTEXT FROM_BUILD_MAP...
  FROM_BUILD_MAP: PATH_IN_BUILD_STAGE=HOST_PATH for each COPY --from=build.
Writes the container's argv (ENTRYPOINT + CMD), one per line, to stdout and
the compose secrets as "NAME TARGET" lines to ROOT/../secrets.txt.
Exits 2 with a message when the files break the contract the README states.
"""
import json
import os
import re
import shlex
import shutil
import sys

import yaml


def die(message):
    print(f"image_root.py: {message}", file=sys.stderr)
    sys.exit(2)


def logical_lines(text):
    line = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not line and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            line += raw.rstrip()[:-1] + " "
            continue
        line += raw
        yield line.strip()
        line = ""


def main():
    dockerfile, compose_path, root, context = sys.argv[1:5]
    from_build = dict(arg.split("=", 1) for arg in sys.argv[5:])
    with open(compose_path) as f:
        compose = yaml.safe_load(f)
    service_name, service = next(iter(compose["services"].items()))
    build_args = dict((service.get("build") or {}).get("args") or {})

    stages = []
    with open(dockerfile) as f:
        for line in logical_lines(f.read()):
            instruction, _, rest = line.partition(" ")
            instruction = instruction.upper()
            if instruction == "FROM":
                stages.append({"from": rest.split()[0], "lines": []})
            elif stages:
                stages[-1]["lines"].append((instruction, rest.strip()))
    if len(stages) < 2:
        die("the Dockerfile is not multi-stage")
    final = stages[-1]
    if final["from"] != "scratch" and "distroless" not in final["from"]:
        die(f"the final stage is FROM {final['from']}, not scratch or distroless")

    args, entrypoint, cmd = {}, None, None
    for instruction, rest in final["lines"]:
        if instruction == "ARG":
            name, _, default = rest.partition("=")
            args[name] = str(build_args.get(name, default))
        elif instruction == "COPY":
            words = shlex.split(rest)
            source_stage = None
            while words[0].startswith("--"):
                flag = words.pop(0)
                if flag.startswith("--from="):
                    source_stage = flag.split("=", 1)[1]
            *sources, destination = [re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), ""), w) for w in words]
            for source in sources:
                if source_stage is not None:
                    if source not in from_build:
                        die(f"no host file given for {source} of stage {source_stage}")
                    host = from_build[source]
                else:
                    host = os.path.join(context, source)
                target = os.path.join(root, destination.lstrip("/"))
                if destination.endswith("/"):
                    target = os.path.join(target, os.path.basename(source))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(host, target)
        elif instruction == "ENTRYPOINT":
            entrypoint = json.loads(rest)
        elif instruction == "CMD":
            cmd = json.loads(rest)
        elif instruction in ("ENV", "WORKDIR", "LABEL", "EXPOSE", "STOPSIGNAL", "USER"):
            pass
        else:
            die(f"the final stage uses {instruction}, which this check does not model")
    if not isinstance(entrypoint, list) or entrypoint[0] != "/pprotect-run":
        die("ENTRYPOINT is not the exec form starting with /pprotect-run")
    if "command" in service:
        cmd = service["command"]
    argv = entrypoint + (cmd or [])

    with open(os.path.join(os.path.dirname(root.rstrip("/")), "secrets.txt"), "w") as out:
        for entry in service.get("secrets") or []:
            name = entry if isinstance(entry, str) else entry["source"]
            target = f"/run/secrets/{name}" if isinstance(entry, str) else entry.get("target", f"/run/secrets/{name}")
            if name not in (compose.get("secrets") or {}):
                die(f"service {service_name} uses secret {name}, which is not declared")
            out.write(f"{name} {target} {compose['secrets'][name]['file']}\n")
    for word in argv:
        print(word)


main()
