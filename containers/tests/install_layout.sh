#!/bin/bash
# `cmake --install` puts pprotect and pprotect-run in bin/, both man pages,
# bash and zsh completions; the installed binaries run, the man pages render
# without warnings and the bash completion completes.
source "$(dirname "$0")/common.bash"

check_layout() { # root zsh_dir
  local root=$1 zsh_dir=$2 path
  for path in bin/pprotect bin/pprotect-run share/man/man1/pprotect.1 share/man/man1/pprotect-run.1 \
    share/bash-completion/completions/pprotect share/bash-completion/completions/pprotect-run \
    "$zsh_dir/_pprotect" "$zsh_dir/_pprotect-run"; do
    if [[ -f $root/$path ]]; then pass "installed $path"; else fail "missing $path under $root"; fi
  done
}

# A /usr/local style prefix: zsh's site-functions.
cmake --install "$PPROTECT_BUILD_DIR" --prefix "$WORK/local" >/dev/null
check_layout "$WORK/local" share/zsh/site-functions
# The /usr prefix (what packages use): Debian's zsh vendor-completions.
DESTDIR=$WORK/dest cmake --install "$PPROTECT_BUILD_DIR" --prefix /usr >/dev/null
check_layout "$WORK/dest/usr" share/zsh/vendor-completions

set +e
"$WORK/local/bin/pprotect-run" --version >"$WORK/out" 2>&1
rc=$?
set -e
expect_eq "the installed pprotect-run runs" "$rc" 0
set +e
out=$("$WORK/local/bin/pprotect-run" --file "$FIXTURE_FILE" --domain ci -u "$FIXTURE_USER" --non-interactive \
  --passphrase-file <(printf '%s' "$FIXTURE_PASSPHRASE") -- /bin/sh -c 'printf %s "$DEPLOY_TOKEN"')
rc=$?
set -e
expect_eq "and hands a secret to a child" "$rc $out" "0 $FIXTURE_TOKEN"

if command -v groff >/dev/null; then
  for page in pprotect pprotect-run; do
    warnings=$(groff -man -Tutf8 -ww -z "$WORK/local/share/man/man1/$page.1" 2>&1)
    expect_eq "man page $page.1 renders without warnings" "$warnings" ""
  done
  expect_contains "pprotect-run(1) documents the exit codes" \
    "$(groff -man -Tutf8 "$WORK/local/share/man/man1/pprotect-run.1" 2>/dev/null | col -b)" "exits 125"
else
  echo "note: groff not installed; man pages not rendered"
fi

# Nothing the binaries offer is missing from the man pages or completions.
man_text() { groff -man -Tascii "$1" 2>/dev/null | col -b; }
run_flags=$("$WORK/local/bin/pprotect-run" --help 2>&1 | grep -oE -- '(^|[ ,])--?[a-z][a-z-]*' | grep -oE -- '--?[a-z][a-z-]*' | sort -u)
subcommands=$("$WORK/local/bin/pprotect" --help 2>&1 | grep -oE '^ {2,4}[a-z][a-z-]+( {2,}|$)' | tr -d ' ')
cli_flags=$(for sub in $subcommands; do "$WORK/local/bin/pprotect" "$sub" --help 2>&1; done |
  grep -oE -- '(^|[ ,[])--?[a-z][a-z-]*' | grep -oE -- '--?[a-z][a-z-]*' | sort -u)
[[ $(wc -w <<<"$run_flags") -gt 10 && $(wc -w <<<"$subcommands") -gt 15 ]] ||
  fail "could not read the flags and subcommands from --help"
check_documented() { # what words file...
  local what=$1 words=$2 word file missing
  shift 2
  for file in "$@"; do
    missing=
    for word in $words; do
      grep -qF -- "$word" "$file" || missing+=" $word"
    done
    if [[ -z $missing ]]; then pass "$what: all in $(basename "$file")"; else fail "$what missing from $file:$missing"; fi
  done
}
man_text "$WORK/local/share/man/man1/pprotect-run.1" >"$WORK/pprotect-run.1.txt"
man_text "$WORK/local/share/man/man1/pprotect.1" >"$WORK/pprotect.1.txt"
check_documented "pprotect-run flags" "$run_flags" "$WORK/pprotect-run.1.txt" \
  "$WORK/local/share/bash-completion/completions/pprotect-run" "$WORK/local/share/zsh/site-functions/_pprotect-run"
check_documented "pprotect subcommands" "$subcommands" "$WORK/pprotect.1.txt" \
  "$WORK/local/share/bash-completion/completions/pprotect" "$WORK/local/share/zsh/site-functions/_pprotect"
check_documented "pprotect flags" "$cli_flags" "$WORK/pprotect.1.txt" \
  "$WORK/local/share/bash-completion/completions/pprotect" "$WORK/local/share/zsh/site-functions/_pprotect"

# The bash completion, as bash-completion would load it.
complete_words() { # file function words...
  bash --norc -c '
    source "$1"; fn=$2; shift 2
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    "$fn"; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
completions=$WORK/local/share/bash-completion/completions
expect_contains "pprotect completes subcommands" \
  "$(complete_words "$completions/pprotect" _pprotect pprotect decr)" "decrypt-domain"
expect_eq "pprotect completes --key-type values" "$(complete_words "$completions/pprotect" _pprotect pprotect init --key-type '' | tr '\n' ' ' | sed 's/ $//')" \
  "hard fast raw"
expect_contains "pprotect-run completes its flags" \
  "$(complete_words "$completions/pprotect-run" _pprotect_run pprotect-run --passphrase-c)" "--passphrase-credential"
expect_contains "pprotect-run completes the command after --" \
  "$(complete_words "$completions/pprotect-run" _pprotect_run pprotect-run --domain ci -- bas)" "bash"
if command -v zsh >/dev/null; then
  for f in _pprotect _pprotect-run; do
    if zsh -n "$WORK/local/share/zsh/site-functions/$f"; then pass "zsh parses $f"; else fail "zsh cannot parse $f"; fi
  done
else
  echo "note: zsh not installed; zsh completions only installed, not parsed"
fi
finish
