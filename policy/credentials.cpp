#include "policy/credentials.hpp"

#include "policy/passphrase_command.hpp"
#include "sys/file_descriptor.hpp"
#include "sys/input_file.hpp"
#include "sys/printable.hpp"
#include "sys/secret_read.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace pprotect::policy {

namespace {

constexpr std::string_view k_default_env_prefix = "PPROTECT";
// A passphrase file larger than this is a mistake (a key store, a log), not
// a passphrase; refusing it keeps us from locking megabytes of memory.
constexpr std::size_t k_max_secret_file = 1U << 20U;

// Python's str.strip() set for ASCII: the reference strips a passphrase file
// with it, so " \t\n\r\v\f" and the separators 0x1c-0x1f all go.
bool is_python_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

sys::SecureBuffer stripped(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && is_python_space(static_cast<unsigned char>(text[begin]))) {
    ++begin;
  }
  while (end > begin && is_python_space(static_cast<unsigned char>(text[end - 1]))) {
    --end;
  }
  return sys::SecureBuffer::copy_of(text.substr(begin, end - begin));
}

std::string read_error(int error, const std::filesystem::path& path) {
  return std::string(std::strerror(error)) + " while reading passphrase from file at \"" + path.string() +
         "\"";
}

// A credential name is one file name inside $CREDENTIALS_DIRECTORY, as
// systemd's LoadCredential= defines it: no slash, not "." or "..".
bool is_valid_credential_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

sys::SecureBuffer read_credential(std::string_view name, const Environment& env, std::string& source) {
  if (!is_valid_credential_name(name)) {
    throw CredentialResolutionError("Invalid credential name for --passphrase-credential: \"" +
                                    std::string(name) + "\" (a file name, without \"/\")");
  }
  const auto directory = env.get("CREDENTIALS_DIRECTORY");
  if (!directory || directory->empty()) {
    throw CredentialResolutionError(
        "--passphrase-credential " + std::string(name) +
        ": $CREDENTIALS_DIRECTORY is not set (run under systemd with LoadCredential=" + std::string(name) +
        ":<file>)");
  }
  const std::filesystem::path path = std::filesystem::path(std::string(*directory)) / std::string(name);
  source = "systemd credential: " + path.string();
  return read_passphrase_file(path);
}

} // namespace

sys::SecureBuffer read_passphrase_file(const std::filesystem::path& path) {
  sys::FileDescriptor fd;
  try {
    fd = sys::open_input_file(path.string(), sys::InputKind::file_or_pipe);
  } catch (const sys::InputFileError& error) {
    if (error.error() != 0) {
      throw CredentialResolutionError(read_error(error.error(), path));
    }
    throw CredentialResolutionError("Cannot read passphrase from file at \"" + path.string() + "\": it is " +
                                    error.reason());
  }
  try {
    return stripped(sys::read_secret(fd.get(), k_max_secret_file).view());
  } catch (const std::system_error& error) {
    // EFBIG reads "File too large", the reference's wording.
    throw CredentialResolutionError(read_error(error.code().value(), path));
  }
}

std::string effective_env_prefix(const CredentialOptions& options, const Environment& env) {
  if (options.env_prefix) {
    return *options.env_prefix;
  }
  // An empty PPROTECT_ENV_PREFIX would make the variables "_USER" and
  // "_PASSPHRASE"; treat it as unset.
  if (const auto from_env = env.get("PPROTECT_ENV_PREFIX"); from_env && !from_env->empty()) {
    return std::string(*from_env);
  }
  return std::string(k_default_env_prefix);
}

namespace {

// One resolution, with the keyring or without it.
struct KeyringLookup {
  const store::KeyFile& file;
  const std::filesystem::path& path;
  const Notice& notice;
};

// A helper's passphrase, from the flag or the variable.
sys::SecureBuffer from_helper(const CredentialOptions& options, const Environment& env,
                              std::string_view prefix, std::string command, std::string source) {
  PassphraseCommand helper;
  helper.command = std::move(command);
  helper.source = std::move(source);
  helper.timeout = options.passphrase_command_timeout.value_or(k_default_passphrase_command_timeout);
  return run_passphrase_command(helper, env, prefix);
}

ResolvedCustodian resolve(const CredentialOptions& options, const Environment& env, Prompter& prompter,
                          std::string_view protected_path, const KeyringLookup* keyring) {
  // The reference refuses the pair outright (pprotect keeps that); for
  // pprotect-run it is a sound CI set-up as long as flags give both values,
  // or the keyring may.
  const bool passphrase_flag =
      options.passphrase_file || options.passphrase_command || options.passphrase_credential;
  const bool flags_suffice = (options.user && passphrase_flag) || keyring != nullptr;
  if (options.non_interactive && options.ignore_env &&
      (options.missing_report == CredentialOptions::MissingReport::reference_message || !flags_suffice)) {
    throw UsageError(options.missing_report == CredentialOptions::MissingReport::reference_message
                         ? "--non-interactive and --ignore-env leave no source for credentials: drop one"
                         : "--non-interactive and --ignore-env leave no source for credentials: drop one, or "
                           "pass -u and --passphrase-file (or --passphrase-command, --passphrase-credential, "
                           "--use-keyring)");
  }
  if (options.passphrase_command && options.passphrase_command->empty()) {
    throw UsageError("--passphrase-command needs a command (for /bin/sh -c)");
  }
  const std::string prefix = effective_env_prefix(options, env);
  const std::string user_var = prefix + "_USER";
  const std::string passphrase_var = prefix + "_PASSPHRASE";
  const std::string command_var = prefix + "_PASSPHRASE_COMMAND";

  Credentials creds;
  std::optional<std::string> user;
  std::optional<sys::SecureBuffer> passphrase;
  // What was looked at, for the message when nothing can be asked.
  std::vector<std::string> user_tried{"-u/--user"};
  std::vector<std::string> passphrase_tried{"--passphrase-file", "--passphrase-command",
                                            "--passphrase-credential"};
  const bool can_prompt = !options.non_interactive && prompter.available();
  // "Verify credentials for ..." is said once, before the first question.
  bool greeted = false;
  const auto greet = [&] {
    if (greeted) {
      return;
    }
    greeted = true;
    if (!user) {
      prompter.say("Verify credentials for " + std::string(protected_path));
    } else {
      prompter.say("Verify passphrase for " + std::string(protected_path) + " (Using user " + *user +
                   " from " + creds.user_source + ")");
    }
  };
  const auto ask_user = [&] {
    greet();
    auto answer = prompter.ask_line("User email: ");
    if (!answer) {
      throw CredentialResolutionError("End of input while asking for the user email");
    }
    user = std::move(*answer);
    creds.user_source = prompter.source_name();
  };

  if (options.user) {
    user = *options.user;
    creds.user_source = "argument";
  } else if (!options.ignore_env) {
    user_tried.push_back("env var: " + user_var);
    if (const auto value = env.get(user_var)) {
      user = std::string(*value);
      creds.user_source = "env var: " + user_var;
    }
  }

  if (keyring != nullptr) {
    // WARNING: a hit must come before every passphrase source: the point is
    // that no helper runs, no file is read, nobody is asked.
    const auto cached = [&](std::string_view custodian) {
      return cached_custodian(keyring->file, custodian, keyring->path, keyring->notice);
    };
    if (!user) {
      if (const auto only = sole_cached_custodian(keyring->path)) {
        if (auto hit = cached(*only)) {
          return ResolvedCustodian{std::nullopt, std::move(hit)};
        }
        // Stale or planted: its name is no answer either; ask as usual.
      } else if (can_prompt) {
        ask_user();
      }
    }
    if (user) {
      if (auto hit = cached(*user)) {
        return ResolvedCustodian{std::nullopt, std::move(hit)};
      }
    }
    passphrase_tried.insert(passphrase_tried.begin(), "the session keyring");
  }

  // WARNING: once a source is chosen its value is final; a wrong passphrase
  // from a file must not be retried from the environment or a prompt.
  if (options.passphrase_file) {
    // Normalised as Python's os.path.abspath, so "./p" is named "/w/p" in
    // messages, as the reference names it.
    const std::filesystem::path absolute =
        std::filesystem::absolute(*options.passphrase_file).lexically_normal();
    passphrase = read_passphrase_file(absolute);
    creds.passphrase_source = "passphrase file: " + absolute.string();
  } else if (options.passphrase_command) {
    creds.passphrase_source = "--passphrase-command";
    passphrase = from_helper(options, env, prefix, *options.passphrase_command, creds.passphrase_source);
  } else if (options.passphrase_credential) {
    passphrase = read_credential(*options.passphrase_credential, env, creds.passphrase_source);
  } else if (!options.ignore_env) {
    passphrase_tried.push_back("env var: " + passphrase_var);
    passphrase_tried.push_back("env var: " + command_var);
    if (const auto value = env.get(passphrase_var)) {
      passphrase = sys::SecureBuffer::copy_of(*value);
      creds.passphrase_source = "env var: " + passphrase_var;
    } else if (const auto command = env.get(command_var); command && !command->empty()) {
      // An empty one is unset: CI systems give a secret that is not
      // defined as an empty variable, and no helper is an empty command.
      creds.passphrase_source = "env var: " + command_var;
      passphrase = from_helper(options, env, prefix, std::string(*command), creds.passphrase_source);
    }
  }

  if (!user || !passphrase) {
    if (options.non_interactive &&
        options.missing_report == CredentialOptions::MissingReport::reference_message) {
      // The reference checks what it has, a missing value counting as empty,
      // and fails with its bad-credentials message; scripts match on it.
      // Nothing is derived: no custodian is unlocked by a missing value.
      Credentials missing = std::move(creds);
      if (user) {
        missing.user = std::move(*user);
      } else {
        missing.user_source = "env var: " + user_var;
      }
      if (passphrase) {
        missing.passphrase = std::move(*passphrase);
      } else {
        missing.passphrase_source = "env var: " + passphrase_var;
      }
      throw CredentialResolutionError(invalid_credentials_message(missing));
    }
    if (!can_prompt) {
      std::vector<std::string> missing;
      if (!user) {
        missing.push_back("no user (tried " + sys::join(user_tried, ", ") + ")");
      }
      if (!passphrase) {
        missing.push_back("no passphrase (tried " + sys::join(passphrase_tried, ", ") + ")");
      }
      const char* why =
          options.non_interactive ? "--non-interactive forbids a prompt" : "no terminal to prompt on";
      std::string message = "Cannot get credentials for " + std::string(protected_path) + ": ";
      message += missing.front();
      if (missing.size() > 1) {
        message += " and " + missing.back();
      }
      message += "; " + std::string(why);
      throw CredentialResolutionError(message);
    }
    greet();
    if (!user) {
      ask_user();
    }
    if (!passphrase) {
      auto answer = prompter.ask_secret("Passphrase: ");
      if (!answer) {
        throw CredentialResolutionError("End of input while asking for the passphrase");
      }
      passphrase = std::move(*answer);
      creds.passphrase_source = prompter.source_name();
    }
  }

  creds.user = std::move(*user);
  creds.passphrase = std::move(*passphrase);
  creds.expensive_kdf =
      options.allow_expensive_kdf ? store::ExpensiveKdf::allow : store::ExpensiveKdf::refuse;
  return ResolvedCustodian{std::move(creds), std::nullopt};
}

} // namespace

bool keyring_in_use(const CredentialOptions& options, const Environment& env) {
  if (options.use_keyring) {
    return true;
  }
  const auto value = env.get("PPROTECT_USE_KEYRING");
  if (!value || value->empty() || *value == "0") {
    return false;
  }
  if (*value == "1") {
    return true;
  }
  throw UsageError("PPROTECT_USE_KEYRING must be 1 (look in the keyring) or 0 (do not)");
}

Credentials resolve_credentials(const CredentialOptions& options, const Environment& env, Prompter& prompter,
                                std::string_view protected_path) {
  return std::move(*resolve(options, env, prompter, protected_path, nullptr).credentials);
}

ResolvedCustodian resolve_custodian(const CredentialOptions& options, const Environment& env,
                                    Prompter& prompter, const store::KeyFile& file,
                                    const std::filesystem::path& protected_path, const Notice& notice) {
  if (!keyring_in_use(options, env)) {
    return resolve(options, env, prompter, protected_path.string(), nullptr);
  }
  const KeyringLookup keyring{file, protected_path, notice};
  return resolve(options, env, prompter, protected_path.string(), &keyring);
}

std::string invalid_credentials_message(const Credentials& credentials) {
  std::string message = "Invalid user email";
  if (!credentials.user_source.empty()) {
    message += " (from " + credentials.user_source + ")";
  }
  message += " or passphrase";
  if (!credentials.passphrase_source.empty()) {
    message += " (from " + credentials.passphrase_source + ")";
  }
  message += ". Check credentials and try again.";
  std::vector<std::string> empty_fields;
  if (credentials.user.empty()) {
    empty_fields.emplace_back("user ID");
  }
  if (credentials.passphrase.empty()) {
    empty_fields.emplace_back("passphrase");
  }
  if (!empty_fields.empty()) {
    message += " (Warning: Empty " + empty_fields.front();
    if (empty_fields.size() > 1) {
      message += " and " + empty_fields.back();
    }
    message += ".)";
  }
  return message;
}

} // namespace pprotect::policy
