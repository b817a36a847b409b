#include "launcher/cli.hpp"

#include <algorithm>
#include <array>
#include <iostream>
#include <set>

#include <CLI/CLI.hpp>

#include "launcher/cli_commands.hpp"
#include "launcher/decrypt_output.hpp"
#include "policy/credentials.hpp"
#include "store/errors.hpp"
#include "store/text.hpp"
#include "store/yaml_layout.hpp"

namespace pprotect::launcher {

using store::join;

namespace {

struct SubcommandInfo {
  std::string_view name;
  std::string_view group; // "" for the ungrouped ones listed first
  std::string_view summary; // the reference's one-line doc
  std::string_view details; // what pprotect adds: flags for prompted values
  std::string_view usage_args;
  std::vector<std::string_view> flags; // flag labels shown in its help
};

// The flags every command accepts and shows.
const std::vector<std::string_view> k_common_flags = {"--help", "--file", "--confirm"};
const std::vector<std::string_view> k_credential_flags = {"--non-interactive", "--ignore-env", "--user",
                                                          "--passphrase-file", "--passphrase-credential",
                                                          "--env-prefix", "--allow-expensive-kdf"};

struct FlagInfo {
  std::string_view name;
  std::string_view label;
  std::string_view doc;
};

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
      {"--passphrase-credential", "--passphrase-credential NAME",
       "read the passphrase from $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=)"},
      {"--env-prefix", "--env-prefix ENV_PREFIX",
       "env var prefix for USER and PASSPHRASE credentials (default: PPROTECT, overridable via "
       "PPROTECT_ENV_PREFIX env var)"},
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
       "exec only, DANGEROUS: let secrets set these variables, which decide which programs run or what code they "
       "load (PATH, BASH_ENV, IFS, PYTHONPATH, NODE_OPTIONS, LD_PRELOAD, GIT_SSH_COMMAND, ...), each named one by "
       "one. pocket_protector passes them; pprotect refuses them by default, as anyone may add a secret. The "
       "command is always looked up in pprotect's own PATH"},
      {"--yaml-layout", "--yaml-layout LAYOUT",
       "write the file in this layout: a (as ruamel.yaml 0.17.21 and earlier writes it), b (0.17.22 to 0.18.12) "
       "or c (0.18.13 and later); default: $PPROTECT_YAML_LAYOUT, else the layout the file is in (c for a new "
       "file)"},
  };
  return flags;
}

std::vector<std::string_view> with(std::vector<std::string_view> base, std::initializer_list<std::string_view> more) {
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

const std::vector<SubcommandInfo>& subcommands() {
  static const std::vector<SubcommandInfo> table = {
      {"init", "", "create a new protected",
       "Creates FILE (it must not exist) with one key custodian. Asks \"User email: \" (or -u) and the passphrase "
       "twice (or --passphrase-file); with --key-type raw a key is generated and shown once. On any failure no "
       "file is left behind.",
       "", writes(with(k_common_flags, {"--user", "--passphrase-file", "--key-type"}))},
      {"version", "", "print the PocketProtector version and exit", "", "", {"--help"}},
      {"list-audit-log", "", "print a list of actions from the audit log, one per line", "", "",
       {"--help", "--file"}},
      {"reformat", "", "rewrite the protected file in a chosen YAML layout, content and audit log unchanged",
       "Writes FILE again in the layout --yaml-layout (or $PPROTECT_YAML_LAYOUT) names, so a team whose members "
       "run pocket_protector with different ruamel.yaml releases can settle on one: a = ruamel.yaml 0.17.21 and "
       "earlier, b = 0.17.22 to 0.18.12, c = 0.18.13 and later (what pip installs today). Without either, the "
       "file is written in the layout it is in, which tidies a hand-edited file. Needs no credentials; secrets, "
       "keys and the audit log stay as they are (no entry is added), and the write is the usual locked, atomic "
       "one.",
       "", writes(k_common_flags)},
      {"add-key-custodian", "Access Management", "add a new key custodian to the protected",
       "Asks \"User email: \" (or -u) and the passphrase twice (or --passphrase-file); with --key-type raw a key "
       "is generated and shown once and must be confirmed with YES.",
       "", writes(with(k_common_flags, {"--user", "--passphrase-file", "--key-type"}))},
      {"list-user-secrets", "Access Management",
       "display domains and secrets accessible to the authenticated user", "", "", with_credentials({})},
      {"set-key-custodian-passphrase", "Access Management", "update a key custodian passphrase",
       "Asks \"User email: \" (or -u), the current passphrase (or --passphrase-file) and the new one twice (or "
       "--new-passphrase-file). Credential environment variables are not used.",
       "", writes(with(k_common_flags, {"--user", "--passphrase-file", "--new-passphrase-file", "--key-type",
                                        "--allow-expensive-kdf"}))},
      {"rekey-custodian", "Access Management",
       "change a custodian key type (hard/fast/raw) and passphrase, re-encrypting all owned domains",
       "Asks \"User email: \" (or -u) and the current passphrase (or --passphrase-file), then the new "
       "passphrase twice (or --new-passphrase-file) for hard/fast, or generates and shows a raw key that must be "
       "confirmed with YES.",
       "", writes(with(k_common_flags, {"--user", "--passphrase-file", "--new-passphrase-file", "--key-type",
                                        "--allow-expensive-kdf"}))},
      {"add-domain", "Domain Management", "add a new domain to the protected",
       "The acting user becomes its first owner. Asks \"Domain name: \" unless --domain is given.", "",
       writes(with_credentials({"--domain"}))},
      {"add-owner", "Domain Management", "add a key custodian to the owner list of a specific domain",
       "Asks \"Domain name: \" and \"New owner email: \" unless --domain and --owner are given.", "",
       writes(with_credentials({"--domain", "--owner"}))},
      {"list-domains", "Domain Management", "print a list of domain names, if any", "", "", {"--help", "--file"}},
      {"rotate-domain-keys", "Domain Management", "rotate the internal encryption keys for a given domain",
       "Asks \"Domain name: \" unless --domain is given.", "", writes(with_credentials({"--domain"}))},
      {"migrate-owner", "Domain Management", "grant a custodian ownership of all domains you own",
       "Asks \"New owner email: \" unless --owner is given, then \"Proceed? [y/N] \" unless --yes is given.", "",
       writes(with_credentials({"--owner", "--yes"}))},
      {"rm-owner", "Domain Management", "remove a key custodian from the owner list of a domain",
       "Asks \"Domain name: \" and \"Owner email: \" unless --domain and --owner are given. The last owner cannot "
       "be removed.",
       "", writes(with(k_common_flags, {"--domain", "--owner"}))},
      {"rm-domain", "Domain Management", "remove a domain and all of its keys from the protected",
       "Asks \"Domain name: \" unless --domain is given.", "", writes(with(k_common_flags, {"--domain"}))},
      {"add-secret", "Secret Management", "add a secret to a domain",
       "Asks \"Domain name: \", \"Secret name: \" and \"Secret value: \" unless --domain, --secret and "
       "--value-file are given. The prompt reads one line; use --value-file for multi-line values such as PEM "
       "keys (bytes kept exactly). Fails when the secret exists.",
       "", writes(with(k_common_flags, {"--domain", "--secret", "--value-file"}))},
      {"list-domain-secrets", "Secret Management", "print a list of secret names for a given domain", "",
       " DOMAIN", {"--help", "--file", "--domain"}},
      {"list-all-secrets", "Secret Management",
       "print a list of all secret names, along with the domains that define each", "", "", {"--help", "--file"}},
      {"update-secret", "Secret Management", "update a secret value in a domain",
       "Like add-secret, but the secret must exist.", "",
       writes(with(k_common_flags, {"--domain", "--secret", "--value-file"}))},
      {"rm-secret", "Secret Management", "remove a secret from a domain",
       "Asks \"Domain name: \" and \"Secret name: \" unless --domain and --secret are given.", "",
       writes(with(k_common_flags, {"--domain", "--secret"}))},
      {"decrypt-domain", "Secret Access",
       "decrypt and display cleartext for a domain, with optional format and secret filter",
       "JSON by default (sorted keys, non-ASCII as \\uXXXX); env prints NAME='value' lines and shell export "
       "lines, quoted for a POSIX shell. --secret NAME alone prints the raw value.",
       " DOMAIN", with_credentials({"--domain", "--output-format", "--secret"})},
      {"exec", "Secret Access", "run a command with decrypted domain secrets injected as environment variables",
       "Runs COMMAND under supervision (signals forwarded, exit status passed through) with the domain's "
       "secrets added to the environment and the credential variables removed.",
       " -- COMMAND [ARGS...]",
       with_credentials({"--domain", "--prefix", "--uppercase", "--no-passthrough", "--allow-exec-variables"})},
  };
  return table;
}

const SubcommandInfo* find_subcommand(std::string_view name) {
  std::string dashed(name);
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  for (const auto& info : subcommands()) {
    if (info.name == dashed) {
      return &info;
    }
  }
  return nullptr;
}

// Flags that take a value, so the subcommand scan can skip their values.
const std::set<std::string_view> k_value_flags = {
    "--file",         "--user",   "-u",     "--passphrase-file", "--passphrase-credential", "--new-passphrase-file",
    "--key-type",     "--domain", "--secret", "--owner",         "--value-file",            "--output-format",
    "--prefix",       "--env-prefix", "--allow-exec-variables", "--yaml-layout"};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Wraps doc into lines of at most width characters.
std::vector<std::string> wrap(std::string_view doc, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t pos = 0;
  while (pos < doc.size()) {
    std::size_t end = doc.find(' ', pos);
    if (end == std::string_view::npos) {
      end = doc.size();
    }
    const std::string_view word = doc.substr(pos, end - pos);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    if (!line.empty()) {
      line += ' ';
    }
    line += word;
    pos = end + 1;
  }
  if (!line.empty()) {
    lines.push_back(line);
  }
  return lines;
}

// One "label   doc" entry of a help listing, the doc column at doc_column.
void append_entry(std::string& out, std::string_view indent, std::string_view label, std::string_view doc,
                  std::size_t doc_column) {
  constexpr std::size_t k_width = 78;
  std::string head = std::string(indent) + std::string(label);
  const auto lines = wrap(doc, k_width - doc_column);
  const std::string pad(doc_column, ' ');
  if (head.size() + 2 > doc_column) {
    out += head + "\n";
    head = pad;
  } else {
    head += std::string(doc_column - head.size(), ' ');
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += (i == 0 ? head : pad) + lines[i] + "\n";
  }
  if (lines.empty()) {
    out += head + "\n";
  }
}

std::string root_help() {
  std::string out = "Usage: pprotect subcommand [FLAGS]\n\n";
  out += "  pprotect: people-centric secret management, file-compatible with\n";
  out += "  pocket_protector. Flags may come before or after the subcommand; run\n";
  out += "  \"pprotect SUBCOMMAND --help\" for a subcommand's flags.\n\n\n";
  out += "Subcommands:\n\n";
  std::string_view group = "";
  for (const auto& info : subcommands()) {
    if (info.group != group) {
      group = info.group;
      out += "\n  " + std::string(group) + ":\n";
    }
    append_entry(out, group.empty() ? "  " : "    ", info.name, info.summary, 24);
  }
  out += "\n\nFlags:\n\n";
  append_entry(out, "  ", "--help / -h", "show this help message and exit", 16);
  out += "\n\nLayouts of the protected file (--yaml-layout, $PPROTECT_YAML_LAYOUT):\n\n";
  out += "  a: as ruamel.yaml 0.17.21 and earlier writes it (Debian 12, pip before May 2023)\n";
  out += "  b: as ruamel.yaml 0.17.22 to 0.18.12 writes it (pip, May 2023 to June 2025)\n";
  out += "  c: as ruamel.yaml 0.18.13 and later writes it (pip since June 2025)\n";
  out += "  Every write keeps the layout the file is in; a new file gets c.\n";
  return out;
}

CliUsageError unknown_subcommand(std::string_view typed) {
  std::string message = "unknown subcommand \"" + std::string(typed) + "\"";
  const std::string suggestion = suggest_subcommand(typed);
  if (!suggestion.empty()) {
    message += ", did you mean \"" + suggestion + "\"?";
  }
  message += " Choose from: " + join(subcommand_names(), ", ");
  return CliUsageError("", message);
}

// Finds the subcommand word: the first argument that is neither a flag
// nor a flag's value.
std::optional<std::string> scan_subcommand(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      return std::nullopt;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      if (arg.find('=') == std::string::npos && k_value_flags.count(arg) > 0) {
        ++i;
      }
      continue;
    }
    return arg;
  }
  return std::nullopt;
}

// A flag as the reference's parser names it in messages: "--passphrase-file"
// is "passphrase_file", "-u" is "user".
std::string python_flag_name(std::string_view flag) {
  if (flag == "-u") {
    return "user";
  }
  while (!flag.empty() && flag.front() == '-') {
    flag.remove_prefix(1);
  }
  std::string name(flag);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// The values given to flag (and its short form), in order, as the
// reference lists them when a flag is given twice: 'a', 'b'.
std::string flag_values(const std::vector<std::string>& args, std::string_view flag) {
  const std::string equals = std::string(flag) + "=";
  std::vector<std::string> values;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      break;
    }
    if ((arg == flag || (flag == "--user" && arg == "-u")) && i + 1 < args.size()) {
      values.push_back(store::python_repr(args[++i]));
    } else if (arg.rfind(equals, 0) == 0) {
      values.push_back(store::python_repr(arg.substr(equals.size())));
    }
  }
  return join(values, ", ");
}

// The spelling of option's flag the user typed ("-u" or "--user").
std::string typed_flag(const std::vector<std::string>& args, const CLI::Option& option) {
  for (const auto& arg : args) {
    if (arg == "--") {
      break;
    }
    for (const auto& short_name : option.get_snames()) {
      if (arg.rfind("-" + short_name, 0) == 0 && arg.rfind("--", 0) != 0) {
        return "-" + short_name;
      }
    }
  }
  return option.get_name();
}

// The flag a CLI11 message starts with ("--file: ..."), or "".
std::string flag_of(std::string_view message) {
  const auto colon = message.find(':');
  if (colon == std::string_view::npos || message.substr(0, 2) != "--") {
    return "";
  }
  return std::string(message.substr(0, colon));
}

std::string flag_choices(const SubcommandInfo* info) {
  std::vector<std::string> labels;
  const std::vector<std::string_view> fallback = {"--help"};
  for (const auto name : info ? info->flags : fallback) {
    for (const auto& flag : flag_infos()) {
      if (flag.name == name) {
        labels.emplace_back(flag.label);
      }
    }
  }
  return join(labels, ", ");
}

} // namespace

const std::vector<std::string>& subcommand_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& info : subcommands()) {
      out.emplace_back(info.name);
    }
    return out;
  }();
  return names;
}

bool subcommand_takes_flag(std::string_view subcommand, std::string_view flag) {
  const SubcommandInfo* info = find_subcommand(subcommand);
  return info != nullptr && std::find(info->flags.begin(), info->flags.end(), flag) != info->flags.end();
}

std::string suggest_subcommand(std::string_view typed) {
  std::string best;
  std::size_t best_distance = 0;
  std::string dashed(typed);
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  for (const auto& name : subcommand_names()) {
    const std::size_t distance = edit_distance(dashed, name);
    if (best.empty() || distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  // Close enough to be a typo: a third of the word, at least two edits.
  const std::size_t limit = std::max<std::size_t>(2, dashed.size() / 3);
  if (best_distance > limit) {
    // A prefix ("decrypt" for decrypt-domain) is a good guess too.
    for (const auto& name : subcommand_names()) {
      if (!dashed.empty() && name.rfind(dashed, 0) == 0) {
        return name;
      }
    }
    return "";
  }
  return best;
}

std::string help_text(std::string_view subcommand) {
  const SubcommandInfo* info = find_subcommand(subcommand);
  if (subcommand.empty() || info == nullptr) {
    return root_help();
  }
  std::string out = "Usage: pprotect " + std::string(info->name) + " [FLAGS]" + std::string(info->usage_args) + "\n\n";
  for (const auto& line : wrap(info->summary, 76)) {
    out += "  " + line + "\n";
  }
  if (!info->details.empty()) {
    out += "\n";
    for (const auto& line : wrap(info->details, 76)) {
      out += "  " + line + "\n";
    }
  }
  out += "\n\nFlags:\n\n";
  for (const auto name : info->flags) {
    for (const auto& flag : flag_infos()) {
      if (flag.name == name) {
        std::string doc(flag.doc);
        if (name == "--file") {
          doc += " (defaults to 'protected.yaml')";
        }
        append_entry(out, "  ", flag.label, doc, 22);
      }
    }
  }
  return out;
}

CliOptions parse_command_line(const std::vector<std::string>& args) {
  CliOptions options;
  const auto word = scan_subcommand(args);
  const SubcommandInfo* info = nullptr;
  if (word) {
    info = find_subcommand(*word);
    if (info == nullptr) {
      throw unknown_subcommand(*word);
    }
  }
  const std::string sub_name = info ? std::string(info->name) : std::string();

  CLI::App app("pprotect", "pprotect");
  app.set_help_flag();
  app.add_flag("-h,--help", options.help);
  app.add_option("--file", options.file);
  app.add_flag("--confirm", options.confirm);
  app.add_flag("--non-interactive", options.non_interactive);
  app.add_flag("--ignore-env", options.ignore_env);
  app.add_flag("--allow-expensive-kdf", options.allow_expensive_kdf);
  app.add_option("-u,--user", options.user);
  app.add_option("--passphrase-file", options.passphrase_file);
  app.add_option("--passphrase-credential", options.passphrase_credential);
  app.add_option("--new-passphrase-file", options.new_passphrase_file);
  app.add_option("--key-type", options.key_type);
  app.add_option("--output-format", options.output_format);
  app.add_option("--secret", options.secret);
  app.add_option("--domain", options.domain);
  app.add_option("--owner", options.owner);
  app.add_option("--value-file", options.value_file);
  app.add_option("--prefix", options.prefix);
  app.add_flag("--uppercase", options.uppercase);
  app.add_flag("--no-passthrough", options.no_passthrough);
  app.add_flag("-y,--yes", options.yes);
  app.add_option("--env-prefix", options.env_prefix);
  app.add_option("--allow-exec-variables", options.allow_exec_variables)->delimiter(',');
  app.add_option("--yaml-layout", options.yaml_layout);
  // Extras are collected, not thrown, so they can be listed in order.
  app.allow_extras();
  for (auto* option : app.get_options()) {
    // A flag given twice is a mistake, as in the reference.
    option->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  }

  CLI::App* selected = nullptr;
  for (const auto& entry : subcommands()) {
    CLI::App* sub = app.add_subcommand(std::string(entry.name));
    sub->set_help_flag();
    sub->fallthrough();
    sub->allow_extras();
    std::string underscored(entry.name);
    std::replace(underscored.begin(), underscored.end(), '-', '_');
    if (underscored != entry.name) {
      sub->alias(underscored);
    }
    if (entry.name == "exec") {
      sub->add_option("command", options.command);
    } else if (entry.name == "decrypt-domain" || entry.name == "list-domain-secrets") {
      sub->add_option("domain", options.positionals);
    }
    if (entry.name == sub_name) {
      selected = sub;
    }
  }

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& error) {
    if (options.help) {
      options.subcommand = sub_name;
      return options;
    }
    // The reference's wording for a flag's missing or repeated value.
    const std::string flag = flag_of(error.what());
    if (!flag.empty() && dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr) {
      const std::string values = flag_values(args, flag);
      if (values.find(", ") != std::string::npos) {
        throw CliUsageError(sub_name, "more than one value was passed for flag \"" + python_flag_name(flag) +
                                          "\": " + values);
      }
      throw CliUsageError(sub_name, "expected argument for flag " + python_flag_name(flag));
    }
    throw CliUsageError(sub_name, error.what());
  }
  // CLI11 keeps the "--" of exec among the extras once extras are allowed.
  std::vector<std::string> extras = app.remaining(true);
  extras.erase(std::remove(extras.begin(), extras.end(), "--"), extras.end());
  if (!extras.empty() && !options.help) {
    for (const auto& extra : extras) {
      if (extra.size() > 1 && extra[0] == '-') {
        throw CliUsageError(sub_name, "unknown flag \"" + extra + "\", choose from: " + flag_choices(info));
      }
    }
    // As the reference: unexpected positional arguments: ['a', 'b']
    std::vector<std::string> shown;
    shown.reserve(extras.size());
    for (const auto& extra : extras) {
      shown.push_back(store::python_repr(extra));
    }
    throw CliUsageError(sub_name, "unexpected positional arguments: [" + join(shown, ", ") + "]");
  }
  (void)selected;
  options.subcommand = sub_name;
  if (options.help) {
    return options;
  }
  // As the reference: a flag the subcommand does not take is refused, not
  // ignored (add-secret --non-interactive would still prompt).
  if (info != nullptr) {
    for (const auto* option : app.get_options()) {
      if (option->count() == 0) {
        continue;
      }
      const std::string name = option->get_name();
      if (std::find(info->flags.begin(), info->flags.end(), name) == info->flags.end()) {
        throw CliUsageError(sub_name, "unknown flag \"" + typed_flag(args, *option) +
                                          "\", choose from: " + flag_choices(info));
      }
    }
  }
  if (options.yaml_layout && !store::parse_yaml_layout(*options.yaml_layout)) {
    throw CliUsageError(sub_name, "--yaml-layout must be one of: a, b, c (got " + store::python_repr(*options.yaml_layout) +
                                      ")");
  }
  const bool takes_domain_argument = sub_name == "decrypt-domain" || sub_name == "list-domain-secrets";
  if (takes_domain_argument) {
    if (options.positionals.size() > 1) {
      throw CliUsageError(sub_name, "too many arguments, expected 1 argument, got " +
                                        std::to_string(options.positionals.size()));
    }
    if (options.positionals.empty() && !options.domain) {
      throw CliUsageError(sub_name, "too few arguments, expected 1 argument, got 0");
    }
    if (options.positionals.size() == 1 && options.domain && *options.domain != options.positionals.front()) {
      throw CliUsageError(sub_name, "the DOMAIN argument and --domain disagree");
    }
  }
  return options;
}

int pprotect_main(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    args.emplace_back(argv[i]);
  }
  CliOptions options;
  try {
    options = parse_command_line(args);
  } catch (const CliUsageError& error) {
    std::cerr << "error: pprotect" << (error.subcommand().empty() ? "" : " " + error.subcommand()) << ": "
              << error.what() << '\n';
    // Usage errors exit 2, as issue #3 and reference-behaviour.md ask (the
    // Python tool's face exits 1 there; scripts test for 2 on misuse).
    return k_exit_usage;
  }
  if (options.help) {
    std::cout << help_text(options.subcommand) << '\n';
    return 0;
  }
  if (options.subcommand.empty()) {
    // As the reference: the help on stdout, the complaint on stderr.
    std::cout << help_text("") << '\n';
    std::cout.flush();
    std::cerr << "error: pprotect: expected a subcommand\n";
    return k_exit_usage;
  }
  const int status = run_subcommand(options);
  std::cout.flush();
  if (!std::cout) {
    // A full disk or closed pipe must not look like success to a script.
    std::cerr << "error: cannot write to standard output\n";
    return status == 0 ? k_exit_failure : status;
  }
  return status;
}

} // namespace pprotect::launcher
