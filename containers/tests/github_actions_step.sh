#!/bin/bash
# containers/github-actions: the deploy step, run as the Actions runner runs
# a `run:` step (bash --noprofile --norc -eo pipefail, the step's env with
# ${{ secrets.X }} filled in, the repository as working directory).
source "$(dirname "$0")/common.bash"
command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || skip "python3 with PyYAML not installed"

workflow=$CONTAINERS/github-actions/deploy.yml
repo=$WORK/repo
mkdir -p "$repo"
cp "$FIXTURE_FILE" "$repo/protected.yaml"
cat >"$repo/deploy.sh" <<'SCRIPT'
#!/bin/sh
echo "token=$DEPLOY_TOKEN"
echo "token sha256=$(printf %s "$DEPLOY_TOKEN" | sha256sum | cut -d' ' -f1)"
echo "user=${PPROTECT_USER-none} passphrase=${PPROTECT_PASSPHRASE-none}"
SCRIPT
chmod +x "$repo/deploy.sh"

# The step's env (secrets filled in) and run script.
python3 - "$workflow" "$WORK" "$FIXTURE_PASSPHRASE" <<'PY'
import re, sys, yaml
workflow, work, passphrase = sys.argv[1:4]
doc = yaml.safe_load(open(workflow))
steps = [s for job in doc["jobs"].values() for s in job["steps"] if "pprotect-run" in s.get("run", "")]
if len(steps) != 1:
    sys.exit("expected one step running pprotect-run")
step = steps[0]
secrets = {"PPROTECT_PASSPHRASE": passphrase}
with open(f"{work}/step.env", "w") as out:
    for name, value in (step.get("env") or {}).items():
        value = re.sub(r"\$\{\{\s*secrets\.(\w+)\s*\}\}", lambda m: secrets[m.group(1)], str(value))
        out.write(f"{name}={value}\n")
with open(f"{work}/step.sh", "w") as out:
    out.write(step["run"] + "\n")
PY
step_run=$(cat "$WORK/step.sh")
expect_contains "the step is non-interactive" "$step_run" "--non-interactive"
expect_contains "the step has a timeout" "$step_run" "--timeout"
expect_contains "the step masks the secrets in its log" "$step_run" "--mask"
expect_contains "the passphrase comes from an Actions secret" "$(cat "$workflow")" 'PPROTECT_PASSPHRASE: ${{ secrets.PPROTECT_PASSPHRASE }}'

mapfile -t step_env <"$WORK/step.env"
run_step() {
  (cd "$repo" && env -i PATH="$PPROTECT_BIN_DIR:/usr/bin:/bin" HOME="$WORK" CI=true GITHUB_ACTIONS=true \
    "${step_env[@]}" "$@" bash --noprofile --norc -eo pipefail "$WORK/step.sh" </dev/null)
}
set +e
out=$(run_step 2>"$WORK/err")
rc=$?
set -e
expect_eq "the step succeeds" "$rc" 0
expect_contains "deploy.sh gets the secret" "$out" \
  "token sha256=$(printf %s "$FIXTURE_TOKEN" | sha256sum | cut -d' ' -f1)"
expect_contains "which the log shows masked" "$out" "token=[REDACTED:DEPLOY_TOKEN]"
expect_not_contains "and never as it is" "$out$(cat "$WORK/err")" "$FIXTURE_TOKEN"
expect_contains "but not the credential variables" "$out" "user=none passphrase=none"
expect_not_contains "the passphrase never shows in the log" "$out$(cat "$WORK/err")" "$FIXTURE_PASSPHRASE"

# A wrong Actions secret fails the step with the launcher's status, and the
# message names the variable, not its value.
wrong_env=()
for entry in "${step_env[@]}"; do
  [[ $entry == PPROTECT_PASSPHRASE=* ]] && entry="PPROTECT_PASSPHRASE=not-the-passphrase"
  wrong_env+=("$entry")
done
set +e
(cd "$repo" && env -i PATH="$PPROTECT_BIN_DIR:/usr/bin:/bin" HOME="$WORK" "${wrong_env[@]}" \
  bash --noprofile --norc -eo pipefail "$WORK/step.sh" </dev/null >/dev/null 2>"$WORK/err")
rc=$?
set -e
expect_eq "a wrong passphrase fails the step with 125" "$rc" 125
expect_contains "naming where it came from" "$(cat "$WORK/err")" "env var: PPROTECT_PASSPHRASE"
expect_not_contains "without the value" "$(cat "$WORK/err")" "not-the-passphrase"

# A missing Actions secret is an empty variable: still no prompt, no hang.
empty_env=()
for entry in "${step_env[@]}"; do
  [[ $entry == PPROTECT_PASSPHRASE=* ]] && entry="PPROTECT_PASSPHRASE="
  empty_env+=("$entry")
done
set +e
(cd "$repo" && env -i PATH="$PPROTECT_BIN_DIR:/usr/bin:/bin" HOME="$WORK" "${empty_env[@]}" \
  bash --noprofile --norc -eo pipefail "$WORK/step.sh" </dev/null >/dev/null 2>"$WORK/err")
rc=$?
set -e
expect_eq "an unset Actions secret fails the step with 125" "$rc" 125
expect_contains "with the empty-passphrase warning" "$(cat "$WORK/err")" "Empty passphrase"

# --timeout: a deploy that hangs is stopped and the step fails with 124.
sed 's/--timeout [^ ]*/--timeout 1s/' "$WORK/step.sh" >"$WORK/step-short.sh"
printf '#!/bin/sh\nexec sleep 600\n' >"$repo/deploy.sh"
set +e
(cd "$repo" && env -i PATH="$PPROTECT_BIN_DIR:/usr/bin:/bin" HOME="$WORK" "${step_env[@]}" \
  bash --noprofile --norc -eo pipefail "$WORK/step-short.sh" </dev/null >/dev/null 2>"$WORK/err")
rc=$?
set -e
expect_eq "a hung deploy hits --timeout: exit 124" "$rc" 124
finish
