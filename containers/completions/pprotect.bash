# bash completion for pprotect                                  -*- shell-script -*-

_pprotect() {
  local cur prev words cword
  _init_completion -s 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }

  local commands="init version list-audit-log reformat add-key-custodian list-user-secrets
    set-key-custodian-passphrase rekey-custodian add-domain add-owner list-domains
    rotate-domain-keys migrate-owner rm-owner rm-domain add-secret list-domain-secrets
    list-all-secrets update-secret rm-secret decrypt-domain exec unlock lock"
  local flags="-h --help --file --confirm --non-interactive --ignore-env --allow-expensive-kdf -u --user
    --passphrase-file --passphrase-command --passphrase-command-timeout --passphrase-credential
    --use-keyring --ttl --status --new-passphrase-file --env-prefix --key-type
    --domain --secret --owner --value-file -y --yes --output-format --prefix --uppercase
    --no-passthrough --allow-exec-variables --mask --mask-label --mask-min-length --no-mask --yaml-layout"

  # After "exec ... --", complete the command to run.
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
    --file | --passphrase-file | --new-passphrase-file | --value-file)
      COMPREPLY=($(compgen -f -- "$cur"))
      return
      ;;
    --key-type)
      COMPREPLY=($(compgen -W "hard fast raw" -- "$cur"))
      return
      ;;
    --output-format)
      COMPREPLY=($(compgen -W "json env shell" -- "$cur"))
      return
      ;;
    --yaml-layout)
      COMPREPLY=($(compgen -W "a b c" -- "$cur"))
      return
      ;;
    --passphrase-command)
      COMPREPLY=($(compgen -c -- "$cur"))
      return
      ;;
    -u | --user | --passphrase-credential | --env-prefix | --domain | --secret | --owner | --prefix | --allow-exec-variables | \
      --passphrase-command-timeout | --ttl | --mask-label | --mask-min-length | --no-mask)
      return
      ;;
  esac

  local have_command=
  for ((i = 1; i < cword; i++)); do
    if [[ " ${commands//$'\n'/ } " == *" ${words[i]} "* ]]; then
      have_command=1
      break
    fi
  done
  if [[ $cur == -* || -n $have_command ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$commands" -- "$cur"))
  fi
}
complete -F _pprotect pprotect
