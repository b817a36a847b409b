#pragma once
// Credential resolution: which custodian, with which passphrase, from where.
// The user: -u/--user > <PREFIX>_USER > a prompt. The passphrase:
// --passphrase-file > --passphrase-command CMD > --passphrase-credential NAME
// ($CREDENTIALS_DIRECTORY/NAME) > <PREFIX>_PASSPHRASE >
// <PREFIX>_PASSPHRASE_COMMAND > a prompt. With --use-keyring (or
// PPROTECT_USE_KEYRING=1) a key `pprotect unlock` cached for the custodian
// and the file comes before every passphrase source. A wrong credential
// never falls back to another source.

#include "policy/environment.hpp"
#include "policy/keyring_cache.hpp"
#include "policy/usage_error.hpp"
#include "store/errors.hpp"
#include "store/key_file.hpp"
#include "sys/secure_buffer.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace pprotect::policy {

struct CredentialOptions {
  std::optional<std::string> user;                      // -u/--user
  std::optional<std::filesystem::path> passphrase_file; // --passphrase-file
  std::optional<std::string> passphrase_command;        // --passphrase-command (an empty one: UsageError)
  // --passphrase-command-timeout, for either helper; else 30 s.
  std::optional<std::chrono::milliseconds> passphrase_command_timeout;
  std::optional<std::string> passphrase_credential; // --passphrase-credential
  std::optional<std::string> env_prefix;            // --env-prefix; else $PPROTECT_ENV_PREFIX, else PPROTECT
  bool ignore_env = false;                          // --ignore-env
  bool non_interactive = false;                     // --non-interactive
  bool allow_expensive_kdf = false;                 // --allow-expensive-kdf
  // --use-keyring; PPROTECT_USE_KEYRING=1 turns it on too (keyring_in_use).
  // Only resolve_custodian looks in the keyring.
  bool use_keyring = false;
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

// Whether the keyring is looked in: options.use_keyring, or
// PPROTECT_USE_KEYRING=1 (whatever the prefix, and under --ignore-env too:
// it is a setting, as PPROTECT_ENV_PREFIX is, not a credential). "0" and ""
// are off; another value is a UsageError.
[[nodiscard]] bool keyring_in_use(const CredentialOptions& options, const Environment& env);

// User and passphrase from the sources in order, never the keyring (what
// `pprotect unlock` checks). A passphrase helper runs here, on the calling
// thread (its parent-death signal follows the thread that forks it).
// Throws CredentialResolutionError (exit 1 in pprotect, 125 in pprotect-run)
// when a source cannot be read or nothing can be asked;
// PassphraseCommandError, one, when a helper fails; UsageError for
// --non-interactive with --ignore-env and for an empty --passphrase-command.
Credentials resolve_credentials(const CredentialOptions& options, const Environment& env, Prompter& prompter,
                                std::string_view protected_path);

// Who acts: credentials still to be checked with one derivation, or the
// custodian already unlocked from the key `pprotect unlock` cached (checked
// against the file's public key; no derivation). Exactly one is set.
struct ResolvedCustodian {
  std::optional<Credentials> credentials;
  std::optional<store::UnlockedCustodian> unlocked;
};

// What every command that needs credentials resolves, in both programs.
// Without the keyring in use (keyring_in_use), resolve_credentials. With
// it, the user first, from -u or <PREFIX>_USER; when neither names one, the
// one custodian with a key cached for protected_path if there is exactly
// one, else a prompt for the user alone. Then that custodian's cached key:
// found and matching, it is the answer and no passphrase source is touched
// (no helper runs, no file is read, no prompt). Otherwise the passphrase
// sources follow as in resolve_credentials. A stale or planted key is said
// once to notice, revoked, and never used; a kernel that refuses keyrings
// is a miss, silently. Throws as resolve_credentials does, and
// store::StoreError for a custodian record that cannot be read.
[[nodiscard]] ResolvedCustodian resolve_custodian(const CredentialOptions& options, const Environment& env,
                                                  Prompter& prompter, const store::KeyFile& file,
                                                  const std::filesystem::path& protected_path,
                                                  const Notice& notice);

// Unlocks the custodian (one key derivation). Throws store::CredentialError
// with the reference's message: "Invalid user email (from <source>) or
// passphrase (from <source>). Check credentials and try again." plus the
// empty-value warning.
[[nodiscard]] store::UnlockedCustodian unlock(const store::KeyFile& file, const Credentials& credentials);
// The custodian resolve_custodian found: unlocked already, or unlocked now
// with one derivation, as above.
[[nodiscard]] store::UnlockedCustodian unlock(const store::KeyFile& file, ResolvedCustodian resolved);

// The reference's bad-credentials message for these credentials (no secret
// in it: only sources and which values were empty).
std::string invalid_credentials_message(const Credentials& credentials);

class CredentialResolutionError : public store::StoreError {
public:
  using store::StoreError::StoreError;
};

} // namespace pprotect::policy
