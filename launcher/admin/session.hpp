#pragma once
// What every pprotect command works with: its options, the protected file,
// the prompts and the environment; and the steps commands share (prompts,
// loading, credentials, the locked write).

#include "launcher/admin/command_line.hpp"
#include "launcher/admin/stdin_prompter.hpp"
#include "policy/credentials.hpp"
#include "policy/environment.hpp"
#include "store/key_file.hpp"
#include "store/protected_file.hpp"
#include "store/yaml/yaml_layout.hpp"
#include "sys/secure_buffer.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::admin {

// Standard input ended at a prompt: the reference prints an empty line and
// exits 1 without a message.
struct InputEnded {};

// End of input at a credential prompt ends the command as at any other
// prompt: an empty line and exit 1, no message, as the reference does.
class EndOfInputEndsPrompter : public policy::Prompter {
public:
  explicit EndOfInputEndsPrompter(policy::Prompter& inner) : m_inner(inner) {}
  bool available() const override { return m_inner.available(); }
  void say(std::string_view message) override { m_inner.say(message); }
  std::optional<std::string> ask_line(std::string_view label) override {
    auto answer = m_inner.ask_line(label);
    if (!answer) {
      throw InputEnded{};
    }
    return answer;
  }
  std::optional<sys::SecureBuffer> ask_secret(std::string_view label) override {
    auto answer = m_inner.ask_secret(label);
    if (!answer) {
      throw InputEnded{};
    }
    return answer;
  }
  std::string source_name() const override { return m_inner.source_name(); }

private:
  policy::Prompter& m_inner;
};

struct Session {
  explicit Session(const CliOptions& command_line);

  const CliOptions& options;
  std::filesystem::path path; // absolute, as the reference prints it
  StdinPrompter prompter;
  policy::Environment env = policy::Environment::current();
};

// A line on stdout; a line on stderr (stdout flushed first, so they keep
// their order on a terminal).
void say(std::string_view line);
void say_err(std::string_view line);

// What a list command prints: names and log entries escaped when stdout is
// a terminal (a hostile domain name cannot then drive it), kept as bytes in
// a pipe, where scripts read them.
std::vector<std::string> listed(std::vector<std::string> lines);
std::string listed(std::string line);

// A visible prompt's answer; throws InputEnded at end of input.
std::string ask(Session& session, std::string_view label);
// The flag's value, else the prompt's answer.
std::string flag_or_ask(Session& session, const std::optional<std::string>& flag, std::string_view label);
// "y", "Y", "yes", ...: the reference's reading of a [y/N] answer.
bool answered_yes(std::string_view answer);

// --key-type, else fallback. Throws policy::UsageError for another value.
store::KeyType key_type_option(const CliOptions& options, store::KeyType fallback);

// Throws FileNotFoundError when the protected file is missing (only then:
// a symlink loop or a denied directory say what they are), StoreError when
// it is not writable (require_writable).
void require_file(const Session& session);
void require_writable(const Session& session);
store::KeyFile load(const Session& session);

// The acting custodian of a command that needs credentials: resolved in the
// reference's order, checked with one key derivation; with --use-keyring or
// PPROTECT_USE_KEYRING=1, from a key `pprotect unlock` cached, with none (a
// stale one is a "warning: " line on stderr).
store::UnlockedCustodian acting_custodian(Session& session, const store::KeyFile& file);
// set-key-custodian-passphrase and rekey-custodian ask for the custodian
// themselves, as the reference does (no environment variables).
store::UnlockedCustodian own_custodian(Session& session, const store::KeyFile& file);
// pprotect's credential options, for resolving or for exec.
policy::CredentialOptions credential_options(const CliOptions& options);

// A new passphrase from the file, else asked twice.
sys::SecureBuffer new_passphrase(Session& session, const std::optional<std::string>& file,
                                 std::string_view label);
// Shows a generated raw key and asks for YES; false when not confirmed.
bool show_raw_key_and_confirm(Session& session, const sys::SecureBuffer& passphrase);

// --confirm's question with the diff, or none without --confirm.
store::ConfirmWrite confirm_callback(Session& session);
// The layout --yaml-layout or $PPROTECT_YAML_LAYOUT asks for; nullopt keeps
// the file's own (c for a new file). Throws policy::UsageError for a bad
// $PPROTECT_YAML_LAYOUT.
std::optional<store::YamlLayout> requested_layout(const Session& session);
// Applies change under the file's lock and writes the file in its own
// layout, or in the one asked for; "Aborting..." when --confirm was
// declined. Returns the exit status.
int modify(Session& session, const std::function<void(store::KeyFile&)>& change);

} // namespace pprotect::admin
