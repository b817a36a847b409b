#include "launcher/admin/command_table.hpp"

#include "launcher/admin/commands.hpp"

#include <algorithm>
#include <string>

namespace pprotect::admin {

namespace {

// The flags every command accepts and shows.
const std::vector<std::string_view> k_common_flags = {"--help", "--file", "--confirm"};
const std::vector<std::string_view> k_credential_flags = {
    "--non-interactive",       "--ignore-env",         "--user",
    "--passphrase-file",       "--passphrase-command", "--passphrase-command-timeout",
    "--passphrase-credential", "--env-prefix",         "--use-keyring",
    "--allow-expensive-kdf"};

std::vector<std::string_view> with(std::vector<std::string_view> base,
                                   std::initializer_list<std::string_view> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// The flags of a command that writes the file: --yaml-layout comes last,
// after the reference's own.
std::vector<std::string_view> writes(std::vector<std::string_view> flags) {
  flags.emplace_back("--yaml-layout");
  return flags;
}

std::vector<std::string_view> with_credentials(std::initializer_list<std::string_view> more) {
  auto flags = with(k_common_flags, {});
  flags.insert(flags.end(), k_credential_flags.begin(), k_credential_flags.end());
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

// unlock checks credentials as every command does, but never with a key
// from the keyring: a cached key must not renew itself.
std::vector<std::string_view> unlock_flags() {
  std::vector<std::string_view> flags = {"--help", "--file"};
  for (const auto flag : k_credential_flags) {
    if (flag != "--use-keyring") {
      flags.push_back(flag);
    }
  }
  flags.insert(flags.end(), {"--ttl", "--status"});
  return flags;
}

} // namespace

const std::vector<FlagInfo>& flag_infos() {
  static const std::vector<FlagInfo> flags = {
      {"--help", "--help / -h", "show this help message and exit"},
      {"--file", "--file FILE",
       "path to the PocketProtector-managed file, defaults to protected.yaml in the working directory"},
      {"--confirm", "--confirm", "show diff and prompt for confirmation before modifying the file"},
      {"--non-interactive", "--non-interactive",
       "disable falling back to interactive authentication, useful for automation"},
      {"--ignore-env", "--ignore-env", "ignore credential environment variables (e.g., PPROTECT_PASSPHRASE)"},
      {"--user", "--user / -u USER", "the acting user's email credential"},
      {"--passphrase-file", "--passphrase-file PASSPHRASE_FILE",
       "path to a file containing only the passphrase, likely provided by a deployment system (surrounding "
       "whitespace is stripped)"},
      {"--passphrase-command", "--passphrase-command CMD",
       "run CMD with /bin/sh -c and use its standard output, less one trailing line break, as the "
       "passphrase (its stdin is /dev/null, its stderr passes through; a non-zero exit is an error); "
       "also $PPROTECT_PASSPHRASE_COMMAND (another prefix with --env-prefix), after $PPROTECT_PASSPHRASE"},
      {"--passphrase-command-timeout", "--passphrase-command-timeout DURATION",
       "stop the passphrase command after DURATION (s, m, h, d suffixes; default 30s)"},
      {"--passphrase-credential", "--passphrase-credential NAME",
       "read the passphrase from $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=)"},
      {"--env-prefix", "--env-prefix ENV_PREFIX",
       "env var prefix for USER and PASSPHRASE credentials (default: PPROTECT, overridable via "
       "PPROTECT_ENV_PREFIX env var)"},
      {"--use-keyring", "--use-keyring",
       "use the custodian's key that \"pprotect unlock\" cached in the session keyring, before any "
       "passphrase source (also PPROTECT_USE_KEYRING=1); off by default, as everything the session "
       "runs shares that keyring"},
      {"--ttl", "--ttl DURATION",
       "how long the cached key lives: s, m, h, d suffixes, more than 0 (default: 15m)"},
      {"--status", "--status", "list the keys cached in the session keyring and their time left"},
      {"--allow-expensive-kdf", "--allow-expensive-kdf",
       "derive a custodian's key even when its record asks for more Argon2id time or memory than "
       "pocket_protector ever writes (opslimit 4, 256 MiB); refused by default, as a hostile file could "
       "stall every command for hours"},
      {"--key-type", "--key-type KEY_TYPE",
       "custodian key type: hard (default, slow KDF), fast (quick KDF), or raw (no KDF, generated key)"},
      {"--new-passphrase-file", "--new-passphrase-file PATH",
       "read the new passphrase from a file (surrounding whitespace stripped) instead of prompting twice"},
      {"--domain", "--domain DOMAIN", "domain name, instead of the \"Domain name: \" prompt"},
      {"--secret", "--secret NAME", "secret name, instead of the \"Secret name: \" prompt"},
      {"--owner", "--owner EMAIL", "custodian email, instead of the owner email prompt"},
      {"--value-file", "--value-file PATH",
       "read the secret value from PATH (\"-\" for standard input) instead of the one-line prompt; the bytes "
       "are kept exactly, trailing newline included, so PEM files work as they are"},
      {"--yes", "--yes / -y", "do not ask \"Proceed? [y/N]\""},
      {"--output-format", "--output-format OUTPUT_FORMAT",
       "output format for decrypt-domain: json (default), env, or shell"},
      {"--prefix", "--prefix PREFIX", "prefix to prepend to secret env var names (exec only)"},
      {"--uppercase", "--uppercase", "convert secret names to UPPER_CASE env var names (exec only)"},
      {"--no-passthrough", "--no-passthrough",
       "exec with clean env: secrets + PATH/HOME/TERM/LANG/USER/SHELL/LOGNAME only"},
      {"--allow-exec-variables", "--allow-exec-variables NAME[,NAME...]",
       "exec only, DANGEROUS: let secrets set these variables, which decide which programs run or what code "
       "they "
       "load (PATH, BASH_ENV, IFS, PYTHONPATH, NODE_OPTIONS, LD_PRELOAD, GIT_SSH_COMMAND, ...), each named "
       "one by "
       "one. pocket_protector passes them; pprotect refuses them by default, as anyone may add a secret. The "
       "command is always looked up in pprotect's own PATH"},
      {"--mask", "--mask",
       "exec only: mask every secret value of the domain (and its base64, percent, JSON and shell-quoted "
       "forms) in the command's stdout and stderr as [REDACTED:NAME]; a terminal stays one (the command gets "
       "a pseudo-terminal)"},
      {"--mask-label", "--mask-label TEXT",
       "exec only, with --mask: replace every secret by TEXT (e.g. ***)"},
      {"--mask-min-length", "--mask-min-length N",
       "exec only, with --mask: leave values shorter than N bytes unmasked (default 4), saying which on "
       "stderr"},
      {"--no-mask", "--no-mask NAME[,NAME...]",
       "exec only, with --mask: leave these secrets unmasked; a name the domain does not have is an error"},
      {"--yaml-layout", "--yaml-layout LAYOUT",
       "write the file in this layout: a (as ruamel.yaml 0.17.21 and earlier writes it), b (0.17.22 and "
       "0.17.26 to 0.18.12, written as 0.18.12 does) "
       "or c (0.18.13 and later); default: $PPROTECT_YAML_LAYOUT, else the layout the file is in (c for a "
       "new "
       "file)"},
  };
  return flags;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"init", "", "create a new protected",
       "Creates FILE (it must not exist) with one key custodian. Asks \"User email: \" (or -u) and the "
       "passphrase "
       "twice (or --passphrase-file); with --key-type raw a key is generated and shown once. On any failure "
       "no "
       "file is left behind.",
       "", writes(with(k_common_flags, {"--user", "--passphrase-file", "--key-type"})), run_init},
      {"version", "", "print the PocketProtector version and exit", "", "", {"--help"}, run_version},
      {"list-audit-log",
       "",
       "print a list of actions from the audit log, one per line",
       "",
       "",
       {"--help", "--file"},
       run_list_audit_log},
      {"reformat", "", "rewrite the protected file in a chosen YAML layout, content and audit log unchanged",
       "Writes FILE again in the layout --yaml-layout (or $PPROTECT_YAML_LAYOUT) names, so a team whose "
       "members "
       "run pocket_protector with different ruamel.yaml releases can settle on one: a = ruamel.yaml 0.17.21 "
       "and "
       "earlier, b = 0.17.22 and 0.17.26 to 0.18.12 (not 0.17.23 to 0.17.25), c = 0.18.13 and later (what "
       "pip installs today). Without either, "
       "the "
       "file is written in the layout it is in, which tidies a hand-edited file. Needs no credentials; "
       "secrets, "
       "keys and the audit log stay as they are (no entry is added), and the write is the usual locked, "
       "atomic "
       "one.",
       "", writes(k_common_flags), run_reformat},
      {"add-key-custodian", "Access Management", "add a new key custodian to the protected",
       "Asks \"User email: \" (or -u) and the passphrase twice (or --passphrase-file); with --key-type raw a "
       "key "
       "is generated and shown once and must be confirmed with YES.",
       "", writes(with(k_common_flags, {"--user", "--passphrase-file", "--key-type"})),
       run_add_key_custodian},
      {"list-user-secrets", "Access Management",
       "display domains and secrets accessible to the authenticated user", "", "", with_credentials({}),
       run_list_user_secrets},
      {"set-key-custodian-passphrase", "Access Management", "update a key custodian passphrase",
       "Asks \"User email: \" (or -u), the current passphrase (or --passphrase-file) and the new one twice "
       "(or "
       "--new-passphrase-file). Credential environment variables are not used.",
       "",
       writes(with(k_common_flags, {"--user", "--passphrase-file", "--new-passphrase-file", "--key-type",
                                    "--allow-expensive-kdf"})),
       run_set_key_custodian_passphrase},
      {"rekey-custodian", "Access Management",
       "change a custodian key type (hard/fast/raw) and passphrase, re-encrypting all owned domains",
       "Asks \"User email: \" (or -u) and the current passphrase (or --passphrase-file), then the new "
       "passphrase twice (or --new-passphrase-file) for hard/fast, or generates and shows a raw key that "
       "must be "
       "confirmed with YES.",
       "",
       writes(with(k_common_flags, {"--user", "--passphrase-file", "--new-passphrase-file", "--key-type",
                                    "--allow-expensive-kdf"})),
       run_rekey_custodian},
      {"add-domain", "Domain Management", "add a new domain to the protected",
       "The acting user becomes its first owner. Asks \"Domain name: \" unless --domain is given.", "",
       writes(with_credentials({"--domain"})), run_add_domain},
      {"add-owner", "Domain Management", "add a key custodian to the owner list of a specific domain",
       "Asks \"Domain name: \" and \"New owner email: \" unless --domain and --owner are given.", "",
       writes(with_credentials({"--domain", "--owner"})), run_add_owner},
      {"list-domains",
       "Domain Management",
       "print a list of domain names, if any",
       "",
       "",
       {"--help", "--file"},
       run_list_domains},
      {"rotate-domain-keys", "Domain Management", "rotate the internal encryption keys for a given domain",
       "Asks \"Domain name: \" unless --domain is given.", "", writes(with_credentials({"--domain"})),
       run_rotate_domain_keys},
      {"migrate-owner", "Domain Management", "grant a custodian ownership of all domains you own",
       "Asks \"New owner email: \" unless --owner is given, then \"Proceed? [y/N] \" unless --yes is given.",
       "", writes(with_credentials({"--owner", "--yes"})), run_migrate_owner},
      {"rm-owner", "Domain Management", "remove a key custodian from the owner list of a domain",
       "Asks \"Domain name: \" and \"Owner email: \" unless --domain and --owner are given. The last owner "
       "cannot "
       "be removed.",
       "", writes(with(k_common_flags, {"--domain", "--owner"})), run_rm_owner},
      {"rm-domain", "Domain Management", "remove a domain and all of its keys from the protected",
       "Asks \"Domain name: \" unless --domain is given.", "", writes(with(k_common_flags, {"--domain"})),
       run_rm_domain},
      {"add-secret", "Secret Management", "add a secret to a domain",
       "Asks \"Domain name: \", \"Secret name: \" and \"Secret value: \" unless --domain, --secret and "
       "--value-file are given. The prompt reads one line; use --value-file for multi-line values such as "
       "PEM "
       "keys (bytes kept exactly). Fails when the secret exists.",
       "", writes(with(k_common_flags, {"--domain", "--secret", "--value-file"})), run_add_secret},
      {"list-domain-secrets",
       "Secret Management",
       "print a list of secret names for a given domain",
       "",
       " DOMAIN",
       {"--help", "--file", "--domain"},
       run_list_domain_secrets},
      {"list-all-secrets",
       "Secret Management",
       "print a list of all secret names, along with the domains that define each",
       "",
       "",
       {"--help", "--file"},
       run_list_all_secrets},
      {"update-secret", "Secret Management", "update a secret value in a domain",
       "Like add-secret, but the secret must exist.", "",
       writes(with(k_common_flags, {"--domain", "--secret", "--value-file"})), run_update_secret},
      {"rm-secret", "Secret Management", "remove a secret from a domain",
       "Asks \"Domain name: \" and \"Secret name: \" unless --domain and --secret are given.", "",
       writes(with(k_common_flags, {"--domain", "--secret"})), run_rm_secret},
      {"decrypt-domain", "Secret Access",
       "decrypt and display cleartext for a domain, with optional format and secret filter",
       "JSON by default (sorted keys, non-ASCII as \\uXXXX); env prints NAME='value' lines and shell export "
       "lines, quoted for a POSIX shell. --secret NAME alone prints the raw value.",
       " DOMAIN", with_credentials({"--domain", "--output-format", "--secret"}), run_decrypt_domain},
      {"exec", "Secret Access",
       "run a command with decrypted domain secrets injected as environment variables",
       "Runs COMMAND under supervision (signals forwarded, exit status passed through) with the domain's "
       "secrets added to the environment and the credential variables removed.",
       " -- COMMAND [ARGS...]",
       with_credentials({"--domain", "--prefix", "--uppercase", "--no-passthrough", "--allow-exec-variables",
                         "--mask", "--mask-label", "--mask-min-length", "--no-mask"}),
       run_exec},
      {"unlock", "Session Keyring",
       "check your credentials once, then cache your custodian key for this file in the session keyring",
       "Checks the credentials as every command does (never with a cached key), then stores the "
       "custodian's derived key, never the passphrase, in the kernel's session keyring for --ttl "
       "(default 15 minutes), readable by its possessor only. Commands of pprotect and pprotect-run "
       "given --use-keyring (or PPROTECT_USE_KEYRING=1) then need no passphrase and no key derivation. "
       "A key serves one custodian and one file; one that no longer matches the file (after "
       "set-key-custodian-passphrase) is ignored, said once, and revoked. Who shares it: every process "
       "of this login session; a process without a session keyring of its own uses the uid's default "
       "one, which every such process of the uid shares (unlock warns then). The children of exec and "
       "pprotect-run get an empty one. --status lists the cached keys. Where the kernel refuses "
       "keyrings (a container's seccomp profile) unlock says so and exits 1; other commands then work "
       "as without the keyring.",
       "", unlock_flags(), run_unlock},
      {"lock",
       "Session Keyring",
       "revoke every key \"pprotect unlock\" cached in the session keyring",
       "Whatever the file or custodian. The keys also go at their time to live, and at logout.",
       "",
       {"--help"},
       run_lock},
  };
  return table;
}

const Command* find_command(std::string_view name) {
  std::string dashed(name);
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  for (const auto& info : commands()) {
    if (info.name == dashed) {
      return &info;
    }
  }
  return nullptr;
}

} // namespace pprotect::admin
