#pragma once
// pprotect's command line: the reference's flags and subcommand words, its
// usage errors and help texts (section 4 of
// shared/docs/reference-behaviour.md).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::admin {

// Everything the command line can say. Flags are global: they may come
// before or after the subcommand.
struct CliOptions {
  std::string subcommand; // canonical dashed name, empty for none
  bool help = false;

  std::string file = "protected.yaml";
  bool confirm = false;
  bool non_interactive = false;
  bool ignore_env = false;
  bool allow_expensive_kdf = false;
  std::optional<std::string> user;
  std::optional<std::string> passphrase_file;
  std::optional<std::string> passphrase_credential;
  // Issue #13: a passphrase helper, the keyring; unlock's --ttl and --status.
  std::optional<std::string> passphrase_command;
  std::optional<std::chrono::milliseconds> passphrase_command_timeout; // checked by the parser
  bool use_keyring = false;
  std::optional<std::chrono::seconds> ttl; // more than 0, checked by the parser
  bool status = false;
  std::optional<std::string> new_passphrase_file;
  std::optional<std::string> key_type;
  std::optional<std::string> output_format;
  std::optional<std::string> secret;
  std::optional<std::string> domain;
  std::optional<std::string> owner;
  std::optional<std::string> value_file;
  std::optional<std::string> prefix;
  bool uppercase = false;
  bool no_passthrough = false;
  bool yes = false;
  std::optional<std::string> env_prefix;
  std::vector<std::string> allow_exec_variables; // exec: --allow-exec-variables A,B
  bool mask = false;                             // exec: --mask
  std::optional<std::string> mask_label;         // exec: --mask-label TEXT
  std::optional<std::string> mask_min_length;    // exec: --mask-min-length N, checked by exec
  std::vector<std::string> no_mask;              // exec: --no-mask A,B
  std::optional<std::string> yaml_layout;        // "a", "b" or "c", checked by the parser

  std::vector<std::string> positionals; // DOMAIN of decrypt-domain, list-domain-secrets
  std::vector<std::string> command;     // exec: argv after --
};

// The command names in help order.
const std::vector<std::string>& command_names();

// Parses args (without argv[0]). Throws policy::UsageError (where() naming
// "pprotect" or "pprotect <subcommand>") for an unknown subcommand (with a
// "did you mean"), an unknown flag, a missing flag value or a repeated flag.
CliOptions parse_command_line(const std::vector<std::string>& args);

// Whether `command` accepts `flag` ("--yaml-layout": whether it writes the
// protected file).
bool takes_flag(std::string_view command, std::string_view flag);

// The closest subcommand to a mistyped one, or "" when none is close.
std::string suggest_subcommand(std::string_view typed);

// The help text of a subcommand, or of pprotect itself for "".
std::string help_text(std::string_view subcommand);

} // namespace pprotect::admin
