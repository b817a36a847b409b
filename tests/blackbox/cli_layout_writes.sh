#!/bin/bash
# Writes keep the layout of the file they read: rm-secret, rm-domain and
# rm-owner on files the reference wrote under ruamel.yaml 0.18.10 (layout b)
# and 0.19.1 (layout c) give what the reference writes under the same release
# (tests/fixtures/writes/README.md), timestamps aside; reformat rewrites a
# file in another layout as the reference of that layout would, byte for
# byte, without an audit entry.
source "$(dirname "$0")/cli_common.bash"
FIXTURES="${PPROTECT_FIXTURES:?}"
WRITES="$FIXTURES/writes"

no_times() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/<time>/g' "$1"; }

# same_write RELEASE FIXTURE COMMAND ANSWERS
same_write() {
  local release=$1 fixture=$2 command=$3 answers=$4
  local expected="$WRITES/ruamel-$release-$fixture-$command.yaml"
  local source_file="$FIXTURES/ruamel-$release/$fixture.yaml"
  [ -f "$source_file" ] || source_file="$WRITES/ruamel-$release-$fixture.yaml"
  cp "$source_file" protected.yaml
  run "$answers" "$command"
  expect_rc 0 "$command on the $release $fixture.yaml"
  if [ "$(no_times protected.yaml)" != "$(no_times "$expected")" ]; then
    fail "$command on the $release $fixture.yaml: not what the reference writes:
$(diff <(no_times "$expected") <(no_times protected.yaml) | head -20)"
  fi
  # The entry the command added has a timestamp of now; nothing else moved.
  [ "$(diff "$expected" protected.yaml | grep -c '^[<>]')" -le 2 ] || fail "$command on $release $fixture.yaml: more than the new entry's time differs"
}

checked=0
for release in 0.18.10 0.19.1; do
  same_write $release raw rm-secret $'prod\ntls-key\n'
  same_write $release raw rm-domain $'ci\n'
  same_write $release raw rm-owner $'dev\nci@example.com\n'
  same_write $release quoting rm-domain $'x: "y"\n'
  same_write $release quoting rm-secret $'caf\xc3\xa9\nlatte\n'
  same_write $release multi-owner rm-owner $'prod\nbob@example.com\n'
  checked=$((checked + 6))
done
[ "$checked" = 12 ] || fail "only $checked writes checked"

# reformat SOURCE LAYOUT EXPECTED: byte for byte, the audit log untouched.
reformat() {
  local source=$1 layout=$2 expected=$3
  cp "$FIXTURES/$source" protected.yaml
  local log_before
  log_before="$("$PPROTECT" list-audit-log)"
  run '' reformat --yaml-layout "$layout"
  expect_rc 0 "reformat $source to $layout"
  cmp -s protected.yaml "$WRITES/$expected" || fail "reformat $source to $layout: not what the reference writes:
$(diff "$WRITES/$expected" protected.yaml | head -20)"
  expect_eq "reformat $source: audit log unchanged" "$("$PPROTECT" list-audit-log)" "$log_before"
  # Written again without a layout, the file keeps the one it has now.
  run '' reformat
  cmp -s protected.yaml "$WRITES/$expected" || fail "reformat without a layout changed the $layout file"
}
reformat raw.yaml c ruamel-0.19.1-raw-from-0.17.21.yaml
reformat ruamel-0.19.1/raw.yaml a ruamel-0.17.21-raw-from-0.19.1.yaml
reformat ruamel-0.18.10/quoting.yaml C ruamel-0.19.1-quoting-from-0.18.10.yaml
PPROTECT_YAML_LAYOUT=a run '' reformat
cmp -s protected.yaml "$WRITES/ruamel-0.19.1-quoting-from-0.18.10.yaml" && fail "PPROTECT_YAML_LAYOUT=a was not used"

# Layout b's releases quote long double-quoted text each their own way: a
# file from 0.18.12 or 0.17.22 with a long audit entry holding a tab, a
# backslash (and, from 0.17.22, an emoji) keeps its bytes on reformat, and a
# write gives what that release's reference writes.
for release in 0.18.12 0.17.22; do
  source_file="$WRITES/ruamel-$release-raw-long-quoted.yaml"
  grep -q '\\$' "$source_file" || fail "$release: the fixture has no fold ending in a backslash"
  cp "$source_file" protected.yaml
  run '' reformat
  expect_rc 0 "reformat on the $release long-quoted file"
  cmp -s protected.yaml "$source_file" || fail "reformat changed the $release long-quoted file:
$(diff "$source_file" protected.yaml | head -20)"
  same_write $release raw-long-quoted rm-secret $'prod\ntls-key\n'
done
# "b" is 0.18.12: it keeps that file as it is, and rewrites 0.17.22's folds.
cp "$WRITES/ruamel-0.18.12-raw-long-quoted.yaml" protected.yaml
run '' reformat --yaml-layout b
cmp -s protected.yaml "$WRITES/ruamel-0.18.12-raw-long-quoted.yaml" || fail "reformat --yaml-layout b changed the 0.18.12 file"
cp "$WRITES/ruamel-0.17.22-raw-long-quoted.yaml" protected.yaml
run '' reformat --yaml-layout b
expect_rc 0 "reformat --yaml-layout b on the 0.17.22 file"
grep -q '\\U0001F600' protected.yaml && fail "reformat --yaml-layout b kept 0.17.22's escaped emoji"

# A write on an A file stays in layout a.
cp "$FIXTURES/raw.yaml" protected.yaml
run $'prod\ntls-key\n' rm-secret
expect_rc 0 "rm-secret on the 0.17.21 raw.yaml"
expect_eq "layout a kept" "$(no_times protected.yaml)" "$(no_times "$FIXTURES/raw.yaml" | grep -v -e '^  secret-tls-key: ' ; echo '- <time> -- removed secret tls-key from prod')"
finish
