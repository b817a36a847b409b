# bash completion for pprotect-run                              -*- shell-script -*-

_pprotect_run() {
  local cur prev words cword
  _init_completion -s 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }

  # After "--" comes the command to run and its arguments.
  local i
  for ((i = 1; i < cword; i++)); do
    if [[ ${words[i]} == -- ]]; then
      if ((i + 1 == cword)); then
        COMPREPLY=($(compgen -c -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      return
    fi
  done

  case $prev in
    -f | --file | --passphrase-file)
      COMPREPLY=($(compgen -f -- "$cur"))
      return
      ;;
    --parent-death-signal)
      COMPREPLY=($(compgen -W "TERM INT HUP KILL QUIT USR1 USR2" -- "$cur"))
      return
      ;;
    --passphrase-command)
      COMPREPLY=($(compgen -c -- "$cur"))
      return
      ;;
    --restart)
      COMPREPLY=($(compgen -W "no on-failure always" -- "$cur"))
      return
      ;;
    --on-change)
      COMPREPLY=($(compgen -W "restart signal:HUP signal:USR1 signal:USR2" -- "$cur"))
      return
      ;;
    -d | --domain | -u | --user | --passphrase-credential | --env-prefix | --prefix | --only | --allow-exec-variables | \
      --stop-timeout | --timeout | --reap-descendants | --secret-file | --max-restarts | --restart-delay | \
      --passphrase-command-timeout | --mask-label | --mask-min-length | --no-mask)
      return
      ;;
  esac

  COMPREPLY=($(compgen -W "-h --help --version -f --file -d --domain -u --user --passphrase-file
    --passphrase-command --passphrase-command-timeout --use-keyring --passphrase-credential --env-prefix --ignore-env --non-interactive --allow-expensive-kdf --prefix --uppercase
    --no-passthrough --only --allow-any-name --allow-loader-variables --allow-exec-variables --exec --signal-group --parent-death-signal
    --stop-timeout --timeout --reap-descendants --domain-prefix --secret-file --secret-dir --no-env --restart
    --max-restarts --restart-delay --watch --on-change --exit-with-parent --mask --mask-label --mask-min-length
    --no-mask -q --quiet --" -- "$cur"))
}
complete -F _pprotect_run pprotect-run
