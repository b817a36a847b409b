#pragma once
// Credential resolution: which custodian, with which passphrase, from where.
// Order: -u/--user and --passphrase-file > --passphrase-credential NAME
// ($CREDENTIALS_DIRECTORY/NAME) > <PREFIX>_USER / <PREFIX>_PASSPHRASE > a
// prompt. A wrong credential never falls back to another source.

#include "policy/environment.hpp"
#include "policy/usage_error.hpp"
#include "store/errors.hpp"
#include "store/key_file.hpp"
#include "sys/secure_buffer.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace pprotect::policy {

struct CredentialOptions {
  std::optional<std::string> user;                      // -u/--user
  std::optional<std::filesystem::path> passphrase_file; // --passphrase-file
  std::optional<std::string> passphrase_credential;     // --passphrase-credential
  std::optional<std::string> env_prefix; // --env-prefix; else $PPROTECT_ENV_PREFIX, else PPROTECT
  bool ignore_env = false;               // --ignore-env
  bool non_interactive = false;          // --non-interactive
  bool allow_expensive_kdf = false;      // --allow-expensive-kdf
  // How --non-interactive reports a missing value: pprotect answers with the
  // reference's bad-credentials message (scripts match on it), pprotect-run
  // names the sources it tried, as issue #4 asks.
  enum class MissingReport { sources_tried, reference_message };
  MissingReport missing_report = MissingReport::sources_tried;
};

// Asks the user. pprotect prompts on stdin/stdout/stderr as the reference
// does; pprotect-run only on /dev/tty, since stdio belongs to the child.
class Prompter {
public:
  virtual ~Prompter() = default;
  // False when there is nobody to ask (no terminal).
  virtual bool available() const = 0;
  // Prints message (a line such as "Verify credentials for <path>") to the
  // user.
  virtual void say(std::string_view message) = 0;
  // Returns nullopt on end of input.
  virtual std::optional<std::string> ask_line(std::string_view label) = 0;
  // Reads without echo where the input is a terminal.
  virtual std::optional<sys::SecureBuffer> ask_secret(std::string_view label) = 0;
  // How answers are named in the credential error ("stdin" in the reference).
  virtual std::string source_name() const { return "stdin"; }
};

struct Credentials {
  std::string user;
  sys::SecureBuffer passphrase;
  std::string user_source; // as named in the reference's error message
  std::string passphrase_source;
  // From CredentialOptions::allow_expensive_kdf: unlock may run a derivation
  // costlier than the reference ever asks for.
  store::ExpensiveKdf expensive_kdf = store::ExpensiveKdf::refuse;
};

// A passphrase file as the reference reads one: whole, stripped of
// surrounding whitespace (Python's str.strip()), straight into locked
// memory; a regular file or an anonymous pipe (never a FIFO, which would
// wait for a writer), at most 1 MiB. Throws CredentialResolutionError with
// the reference's wording ("<reason> while reading passphrase from file at
// \"<path>\""). The one reader of both programs.
sys::SecureBuffer read_passphrase_file(const std::filesystem::path& path);

// The prefix in force: options.env_prefix, else $PPROTECT_ENV_PREFIX, else
// "PPROTECT".
std::string effective_env_prefix(const CredentialOptions& options, const Environment& env);

// Throws CredentialResolutionError (exit 1 in pprotect, 125 in pprotect-run)
// when a source cannot be read or nothing can be asked; UsageError for
// --non-interactive with --ignore-env.
Credentials resolve_credentials(const CredentialOptions& options, const Environment& env, Prompter& prompter,
                                std::string_view protected_path);

// Unlocks the custodian (one key derivation). Throws store::CredentialError
// with the reference's message: "Invalid user email (from <source>) or
// passphrase (from <source>). Check credentials and try again." plus the
// empty-value warning.
[[nodiscard]] store::UnlockedCustodian unlock(const store::KeyFile& file, const Credentials& credentials);

// The reference's bad-credentials message for these credentials (no secret
// in it: only sources and which values were empty).
std::string invalid_credentials_message(const Credentials& credentials);

class CredentialResolutionError : public store::StoreError {
public:
  using store::StoreError::StoreError;
};

} // namespace pprotect::policy
