// exec: the reference's command, run through the launcher's main job (the
// same code as pprotect-run), so the child is supervised.
#include "launcher/admin/commands.hpp"
#include "launcher/admin/session.hpp"
#include "launcher/run_command.hpp"
#include "launcher/supervisor/signals.hpp"
#include "policy/usage_error.hpp"
#include "sys/signal_mask.hpp"

#include <optional>
#include <string>

namespace pprotect::admin {

namespace {

// exec blocks every signal before run_with_secrets (so none is lost before
// the child exists), but Ctrl-C at a credential prompt must still work:
// this prompter lets signals through only while it waits for an answer.
class SignalsOpenPrompter : public policy::Prompter {
public:
  SignalsOpenPrompter(StdinPrompter& inner, const supervisor::StartupSignals& signals)
      : m_inner(inner), m_signals(signals) {}
  bool available() const override { return m_inner.available(); }
  void say(std::string_view message) override { m_inner.say(message); }
  std::optional<std::string> ask_line(std::string_view label) override {
    const Unblocked open(m_signals);
    return m_inner.ask_line(label);
  }
  std::optional<sys::SecureBuffer> ask_secret(std::string_view label) override {
    const Unblocked open(m_signals);
    return m_inner.ask_secret(label);
  }

private:
  class Unblocked {
  public:
    explicit Unblocked(const supervisor::StartupSignals& signals)
        : m_scope(SIG_SETMASK, signals.original_mask()) {}

  private:
    sys::SignalMaskScope m_scope;
  };

  StdinPrompter& m_inner;
  const supervisor::StartupSignals& m_signals;
};

} // namespace

int run_exec(Session& session) {
  if (!session.options.domain) {
    throw policy::UsageError("--domain is required for exec");
  }
  if (session.options.command.empty()) {
    throw policy::UsageError(
        "exec requires a command after -- (e.g. pprotect exec --domain prod -- ./myapp)");
  }
  // A missing domain is named as the reference names it ("no domain of name
  // X (known domains are ...)"), before any prompt, as pprotect-run does.
  (void)load(session).secret_names(*session.options.domain);
  launcher::RunRequest request;
  request.file = session.path;
  request.domains = {*session.options.domain};
  request.credentials = credential_options(session.options);
  request.environment.passthrough = !session.options.no_passthrough;
  request.environment.prefix = session.options.prefix.value_or("");
  request.environment.uppercase = session.options.uppercase;
  // The reference's exec passes any secret name (db-pass) as it is; the
  // ones that choose programs or load code only when named.
  request.environment.allow_any_name = true;
  request.environment.allow_exec_variables = session.options.allow_exec_variables;
  request.environment.env_prefix = policy::effective_env_prefix(request.credentials, session.env);
  request.command = session.options.command;
  // run_with_secrets takes (and wipes) its own snapshot; ours would keep the
  // passphrase variable on the heap for as long as the child runs.
  session.env.wipe();
  const supervisor::StartupSignals signals = supervisor::StartupSignals::block_all();
  try {
    SignalsOpenPrompter open_prompter(session.prompter, signals);
    EndOfInputEndsPrompter prompter(open_prompter);
    return launcher::run_with_secrets(request, signals, prompter);
  } catch (...) {
    signals.restore();
    throw;
  }
}

} // namespace pprotect::admin
