#include "launcher/admin/session.hpp"

#include "launcher/admin/unified_diff.hpp"
#include "policy/usage_error.hpp"
#include "store/errors.hpp"
#include "store/reference_wording.hpp"
#include "sys/printable.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

namespace pprotect::admin {

namespace fs = std::filesystem;

namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string strip(std::string_view text) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

} // namespace

Session::Session(const CliOptions& command_line)
    // As the reference: an empty --file means the default.
    : options(command_line),
      path(fs::absolute(command_line.file.empty() ? std::string("protected.yaml") : command_line.file)
               .lexically_normal()) {}

bool answered_yes(std::string_view answer) {
  return lowercase(answer).rfind('y', 0) == 0;
}

void say(std::string_view line) {
  std::cout << line << '\n';
  std::cout.flush();
}

void say_err(std::string_view line) {
  std::cout.flush();
  std::cerr << line << '\n';
  std::cerr.flush();
}

// What a list command prints: names and log entries escaped when stdout is
// a terminal (a hostile domain name cannot then drive it), kept as bytes in
// a pipe, where scripts read them.
std::vector<std::string> listed(std::vector<std::string> lines) {
  static const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  if (terminal) {
    for (std::string& line : lines) {
      line = sys::terminal_safe(line);
    }
  }
  return lines;
}

std::string listed(std::string line) {
  return std::move(listed(std::vector<std::string>{std::move(line)}).front());
}

std::string ask(Session& session, std::string_view label) {
  auto answer = session.prompter.ask_line(label);
  if (!answer) {
    throw InputEnded{};
  }
  return std::move(*answer);
}

std::string flag_or_ask(Session& session, const std::optional<std::string>& flag, std::string_view label) {
  return flag ? *flag : ask(session, label);
}

store::KeyType key_type_option(const CliOptions& options, store::KeyType fallback) {
  if (!options.key_type) {
    return fallback;
  }
  try {
    return store::parse_key_type(*options.key_type);
  } catch (const store::StoreError&) {
    throw policy::UsageError("--key-type must be one of: hard, fast, raw");
  }
}

// Only a missing file is "not found": a symlink loop, a trailing slash on a
// file or a denied directory say what they are.
void require_file(const Session& session) {
  struct stat status {};
  if (::stat(session.path.c_str(), &status) == 0) {
    return;
  }
  const int error = errno;
  if (error == ENOENT) {
    throw store::FileNotFoundError("Protected file not found: " + session.path.string());
  }
  throw store::StoreError("cannot read the protected file " + session.path.string() + ": " +
                          std::strerror(error));
}

void require_writable(const Session& session) {
  if (::access(session.path.c_str(), W_OK) != 0) {
    throw store::StoreError("expected " + store::python_repr(session.path.string()) +
                            " to be a writable file. Check the permissions and try again.");
  }
}

store::KeyFile load(const Session& session) {
  require_file(session);
  return store::load_key_file(session.path);
}

policy::CredentialOptions credential_options(const CliOptions& options) {
  policy::CredentialOptions out;
  out.user = options.user;
  if (options.passphrase_file) {
    out.passphrase_file = *options.passphrase_file;
  }
  out.passphrase_command = options.passphrase_command;
  out.passphrase_command_timeout = options.passphrase_command_timeout;
  out.passphrase_credential = options.passphrase_credential;
  out.use_keyring = options.use_keyring;
  out.env_prefix = options.env_prefix;
  out.ignore_env = options.ignore_env;
  out.non_interactive = options.non_interactive;
  out.allow_expensive_kdf = options.allow_expensive_kdf;
  out.missing_report = policy::CredentialOptions::MissingReport::reference_message;
  return out;
}

// The acting custodian of a command that needs credentials: resolved in the
// reference's order, checked with one key derivation, or with none from a
// key `pprotect unlock` cached, with --use-keyring.
store::UnlockedCustodian acting_custodian(Session& session, const store::KeyFile& file) {
  EndOfInputEndsPrompter prompter(session.prompter);
  return policy::unlock(file,
                        policy::resolve_custodian(
                            credential_options(session.options), session.env, prompter, file, session.path,
                            [](std::string_view line) { say_err("warning: " + std::string(line)); }));
}

// set-key-custodian-passphrase and rekey-custodian ask for the custodian
// themselves, as the reference does (no environment variables).
store::UnlockedCustodian own_custodian(Session& session, const store::KeyFile& file) {
  policy::Credentials credentials;
  if (session.options.user) {
    credentials.user = *session.options.user;
    credentials.user_source = "argument";
  } else {
    credentials.user = ask(session, "User email: ");
  }
  if (session.options.passphrase_file) {
    credentials.passphrase =
        policy::read_passphrase_file(fs::absolute(*session.options.passphrase_file).lexically_normal());
    credentials.passphrase_source =
        "passphrase file: " + fs::absolute(*session.options.passphrase_file).lexically_normal().string();
  } else {
    auto answer = session.prompter.ask_secret("Current passphrase: ");
    if (!answer) {
      throw InputEnded{};
    }
    credentials.passphrase = std::move(*answer);
  }
  credentials.expensive_kdf =
      session.options.allow_expensive_kdf ? store::ExpensiveKdf::allow : store::ExpensiveKdf::refuse;
  return policy::unlock(file, credentials);
}

sys::SecureBuffer new_passphrase(Session& session, const std::optional<std::string>& file,
                                 std::string_view label) {
  if (file) {
    return policy::read_passphrase_file(fs::absolute(*file).lexically_normal());
  }
  auto answer = session.prompter.ask_new_secret(label);
  if (!answer) {
    throw InputEnded{};
  }
  return std::move(*answer);
}

// Shows the generated raw key and asks for YES; false when not confirmed.
bool show_raw_key_and_confirm(Session& session, const sys::SecureBuffer& passphrase) {
  const std::string rule(72, '=');
  std::cout << '\n' << rule << '\n';
  std::cout << "  GENERATED RAW KEY (copy this now, it will not be shown again):\n\n";
  std::cout << "  " << passphrase.view() << "\n\n";
  std::cout << "  Store this key securely. It is your passphrase.\n";
  std::cout << "  LOSS OF THIS KEY MEANS LOSS OF CUSTODIAN ACCESS.\n";
  std::cout << rule << "\n\n";
  std::cout.flush();
  const std::string answer = ask(session, "Have you saved the key? Type YES to confirm: ");
  if (strip(answer) != "YES") {
    say("Aborting. Key was not confirmed.");
    return false;
  }
  return true;
}

store::ConfirmWrite confirm_callback(Session& session) {
  if (!session.options.confirm) {
    return {};
  }
  return [&session](const std::string& before, const std::string& after) {
    const Color color = ::isatty(STDOUT_FILENO) == 1 ? Color::yes : Color::no;
    const auto lines =
        unified_diff(before, after, session.path.string() + ".old", session.path.string() + ".new", color);
    std::cout << confirm_diff_text(lines);
    std::cout.flush();
    return answered_yes(ask(session, "Write changes? [y/N] "));
  };
}

// The layout --yaml-layout or $PPROTECT_YAML_LAYOUT asks for; nullopt
// keeps the file's own (c for a new file).
std::optional<store::YamlLayout> requested_layout(const Session& session) {
  if (session.options.yaml_layout) {
    return store::parse_yaml_layout(*session.options.yaml_layout); // checked by the parser
  }
  const auto variable = session.env.get("PPROTECT_YAML_LAYOUT");
  if (!variable || variable->empty()) {
    return std::nullopt;
  }
  const auto layout = store::parse_yaml_layout(*variable);
  if (!layout) {
    throw policy::UsageError("PPROTECT_YAML_LAYOUT must be one of: a, b, c (got " +
                             store::python_repr(*variable) + ")");
  }
  return layout;
}

// Applies change under the file's lock and writes the file in its own
// layout, or in the one asked for.
int modify(Session& session, const std::function<void(store::KeyFile&)>& change) {
  const auto layout = requested_layout(session);
  const auto change_and_lay_out = [&](store::KeyFile& file) {
    change(file);
    if (layout) {
      file.set_layout(*layout);
    }
  };
  if (!store::modify_key_file(session.path, change_and_lay_out, confirm_callback(session))) {
    say("Aborting...");
  }
  return 0;
}

} // namespace pprotect::admin
