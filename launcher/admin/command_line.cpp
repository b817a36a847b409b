#include "launcher/admin/command_line.hpp"

#include "launcher/admin/command_table.hpp"
#include "launcher/supervisor/duration.hpp"
#include "policy/usage_error.hpp"
#include "store/errors.hpp"
#include "store/reference_wording.hpp"
#include "store/yaml/yaml_layout.hpp"
#include "sys/printable.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <iostream>
#include <set>

namespace pprotect::admin {

using sys::join;

namespace {

constexpr const char* k_duration_forms =
    "more than 0: seconds, or a number with suffix s, m, h or d; at most 1000000000 s, about 31 years";

// Flags that take a value, so the subcommand scan can skip their values.
const std::set<std::string_view> k_value_flags = {"--file",
                                                  "--user",
                                                  "-u",
                                                  "--passphrase-file",
                                                  "--passphrase-credential",
                                                  "--passphrase-command",
                                                  "--passphrase-command-timeout",
                                                  "--ttl",
                                                  "--new-passphrase-file",
                                                  "--key-type",
                                                  "--domain",
                                                  "--secret",
                                                  "--owner",
                                                  "--value-file",
                                                  "--output-format",
                                                  "--prefix",
                                                  "--env-prefix",
                                                  "--allow-exec-variables",
                                                  "--mask-label",
                                                  "--mask-min-length",
                                                  "--no-mask",
                                                  "--yaml-layout"};

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
  for (const auto& info : commands()) {
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
  out += "  b: as ruamel.yaml 0.17.22 and 0.17.26 to 0.18.12 write it (pip, May 2023 to June 2025;\n";
  out += "     not 0.17.23 to 0.17.25); \"b\" writes as 0.18.12, a b file keeps its release's quoting\n";
  out += "  c: as ruamel.yaml 0.18.13 and later writes it (pip since June 2025)\n";
  out += "  Every write keeps the layout the file is in; a new file gets c.\n";
  out += "\n\nCredentials, first found wins (a wrong one never falls back to the next):\n\n";
  out += "  user:        --user; $PPROTECT_USER; a prompt\n";
  out += "  passphrase:  --passphrase-file; --passphrase-command CMD;\n";
  out += "               --passphrase-credential NAME; $PPROTECT_PASSPHRASE;\n";
  out += "               $PPROTECT_PASSPHRASE_COMMAND (empty: unset); a prompt\n";
  out += "  Another prefix than PPROTECT with --env-prefix or $PPROTECT_ENV_PREFIX. A passphrase\n";
  out += "  command runs under /bin/sh -c with stdin /dev/null; its output less one trailing\n";
  out += "  line break is the passphrase.\n";
  out += "\n\nUnlock once (the kernel's session keyring):\n\n";
  out += "  \"pprotect unlock\" checks your credentials and caches your custodian key for the\n";
  out += "  file for --ttl (default 15m); with --use-keyring or PPROTECT_USE_KEYRING=1 that key\n";
  out += "  comes before every source above: no passphrase, no key derivation (and with no user\n";
  out += "  named, the one custodian cached for the file acts). Everything this login session\n";
  out += "  runs shares the keyring, so the keyring is off by default; the children of exec and\n";
  out += "  pprotect-run get an empty one. \"pprotect lock\" revokes every cached key.\n";
  return out;
}

policy::UsageError unknown_subcommand(std::string_view typed) {
  std::string message = "unknown subcommand \"" + std::string(typed) + "\"";
  const std::string suggestion = suggest_subcommand(typed);
  if (!suggestion.empty()) {
    message += ", did you mean \"" + suggestion + "\"?";
  }
  message += " Choose from: " + join(command_names(), ", ");
  return policy::UsageError("pprotect", message);
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

std::string flag_choices(const Command* info) {
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

const std::vector<std::string>& command_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& info : commands()) {
      out.emplace_back(info.name);
    }
    return out;
  }();
  return names;
}

bool takes_flag(std::string_view command, std::string_view flag) {
  const Command* info = find_command(command);
  return info != nullptr && std::find(info->flags.begin(), info->flags.end(), flag) != info->flags.end();
}

std::string suggest_subcommand(std::string_view typed) {
  std::string best;
  std::size_t best_distance = 0;
  std::string dashed(typed);
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  for (const auto& name : command_names()) {
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
    for (const auto& name : command_names()) {
      if (!dashed.empty() && name.rfind(dashed, 0) == 0) {
        return name;
      }
    }
    return "";
  }
  return best;
}

std::string help_text(std::string_view subcommand) {
  const Command* info = find_command(subcommand);
  if (subcommand.empty() || info == nullptr) {
    return root_help();
  }
  std::string out =
      "Usage: pprotect " + std::string(info->name) + " [FLAGS]" + std::string(info->usage_args) + "\n\n";
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
  const Command* info = nullptr;
  if (word) {
    info = find_command(*word);
    if (info == nullptr) {
      throw unknown_subcommand(*word);
    }
  }
  const std::string sub_name = info ? std::string(info->name) : std::string();
  const std::string where = info ? "pprotect " + sub_name : std::string("pprotect");

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
  app.add_option("--passphrase-command", options.passphrase_command);
  std::optional<std::string> passphrase_command_timeout;
  app.add_option("--passphrase-command-timeout", passphrase_command_timeout);
  app.add_flag("--use-keyring", options.use_keyring);
  std::optional<std::string> ttl;
  app.add_option("--ttl", ttl);
  app.add_flag("--status", options.status);
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
  app.add_option("--allow-exec-variables", options.allow_exec_variables)
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_flag("--mask", options.mask);
  app.add_option("--mask-label", options.mask_label);
  app.add_option("--mask-min-length", options.mask_min_length);
  app.add_option("--no-mask", options.no_mask)->delimiter(',')->allow_extra_args(false);
  app.add_option("--yaml-layout", options.yaml_layout);
  // Extras are collected, not thrown, so they can be listed in order.
  app.allow_extras();
  for (auto* option : app.get_options()) {
    // A flag given twice is a mistake, as in the reference.
    option->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  }

  CLI::App* selected = nullptr;
  for (const auto& entry : commands()) {
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
        throw policy::UsageError(where, "more than one value was passed for flag \"" +
                                            python_flag_name(flag) + "\": " + values);
      }
      throw policy::UsageError(where, "expected argument for flag " + python_flag_name(flag));
    }
    throw policy::UsageError(where, error.what());
  }
  // CLI11 keeps the "--" of exec among the extras once extras are allowed.
  std::vector<std::string> extras = app.remaining(true);
  extras.erase(std::remove(extras.begin(), extras.end(), "--"), extras.end());
  if (!extras.empty() && !options.help) {
    for (const auto& extra : extras) {
      if (extra.size() > 1 && extra[0] == '-') {
        throw policy::UsageError(where, "unknown flag \"" + extra + "\", choose from: " + flag_choices(info));
      }
    }
    // As the reference: unexpected positional arguments: ['a', 'b']
    std::vector<std::string> shown;
    shown.reserve(extras.size());
    for (const auto& extra : extras) {
      shown.push_back(store::python_repr(extra));
    }
    throw policy::UsageError(where, "unexpected positional arguments: [" + join(shown, ", ") + "]");
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
        throw policy::UsageError(where, "unknown flag \"" + typed_flag(args, *option) +
                                            "\", choose from: " + flag_choices(info));
      }
    }
  }
  if (passphrase_command_timeout) {
    const auto timeout = supervisor::parse_positive_duration(*passphrase_command_timeout);
    if (!timeout) {
      throw policy::UsageError(where, "invalid duration for --passphrase-command-timeout: " +
                                          *passphrase_command_timeout + " (" + k_duration_forms + ")");
    }
    options.passphrase_command_timeout = *timeout;
  }
  if (ttl) {
    const auto duration = supervisor::parse_positive_duration(*ttl);
    if (!duration) {
      throw policy::UsageError(where, "invalid duration for --ttl: " + *ttl + " (" + k_duration_forms +
                                          "; 0 would be a key that never expires)");
    }
    options.ttl = std::chrono::ceil<std::chrono::seconds>(*duration);
  }
  if (options.status && options.ttl) {
    throw policy::UsageError(where, "--status lists the cached keys; --ttl is for caching one");
  }
  if (options.yaml_layout && !store::parse_yaml_layout(*options.yaml_layout)) {
    throw policy::UsageError(where, "--yaml-layout must be one of: a, b, c (got " +
                                        store::python_repr(*options.yaml_layout) + ")");
  }
  const bool takes_domain_argument = sub_name == "decrypt-domain" || sub_name == "list-domain-secrets";
  if (takes_domain_argument) {
    if (options.positionals.size() > 1) {
      throw policy::UsageError(where, "too many arguments, expected 1 argument, got " +
                                          std::to_string(options.positionals.size()));
    }
    if (options.positionals.empty() && !options.domain) {
      throw policy::UsageError(where, "too few arguments, expected 1 argument, got 0");
    }
    if (options.positionals.size() == 1 && options.domain && *options.domain != options.positionals.front()) {
      throw policy::UsageError(where, "the DOMAIN argument and --domain disagree");
    }
  }
  return options;
}

} // namespace pprotect::admin
