#!/usr/bin/env bash
# The demo of `make run`: a throwaway protected file in a temp dir, then
# pprotect-run handing one of its secrets to a child process.
set -euo pipefail
bin=$(cd "${1:-build/bin}" && pwd)
fixtures=$(cd "$(dirname "$0")/../tests/fixtures" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

if [ -t 1 ]; then
  say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
else
  say() { printf '\n$ %s\n' "$*"; }
fi

make_with_pprotect() {
  # A fast (64 MiB Argon2id) custodian keeps the demo quick.
  export PPROTECT_USER=demo@example.com PPROTECT_PASSPHRASE='correct horse battery staple'
  say "pprotect init --key-type fast            # user demo@example.com"
  printf '%s\n%s\n%s\n' "$PPROTECT_USER" "$PPROTECT_PASSPHRASE" "$PPROTECT_PASSPHRASE" |
    "$bin/pprotect" init --key-type fast >/dev/null 2>&1 || return 1
  say "pprotect add-domain                      # web"
  printf 'web\n' | "$bin/pprotect" add-domain >/dev/null 2>&1 || return 1
  say "pprotect add-secret                      # web / API_TOKEN"
  printf 'web\nAPI_TOKEN\ndemo-token-1234\n' | "$bin/pprotect" add-secret >/dev/null 2>&1 || return 1
  domain=web
}

use_fixture() {
  # The reference-written fixture with a raw custodian.
  rm -f protected.yaml
  say "cp tests/fixtures/raw.yaml protected.yaml  # written by pocket_protector"
  cp "$fixtures/raw.yaml" protected.yaml
  export PPROTECT_USER=ci@example.com
  export PPROTECT_PASSPHRASE=P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P
  domain=ci
}

file=protected.yaml
if ! { [ -x "$bin/pprotect" ] && make_with_pprotect; }; then
  use_fixture
fi
say "head -4 $file"
head -4 "$file"

say "pprotect-run --domain $domain -- sh -c 'env | grep -E \"^(API_TOKEN|DEPLOY_TOKEN|PPROTECT_)\"'"
"$bin/pprotect-run" --file "$file" --domain "$domain" -- \
  sh -c 'env | grep -E "^(API_TOKEN|DEPLOY_TOKEN|PPROTECT_)" | sed "s/^/  child sees: /"'
echo "  (the credential variables were not passed on)"

say "pprotect-run --domain $domain -- sh -c 'kill -TERM \$\$'; echo \$?"
set +e
"$bin/pprotect-run" --file "$file" --domain "$domain" -- sh -c 'kill -TERM $$'
echo "  exit status $? (128 + SIGTERM, the child's death passed on)"
say "pprotect-run --domain nope -- true; echo \$?"
"$bin/pprotect-run" --file "$file" --domain nope -- true 2>&1 | sed 's/^/  /'
echo "  exit status ${PIPESTATUS[0]} (pprotect-run's own error: never confused with the child's)"
set -e
