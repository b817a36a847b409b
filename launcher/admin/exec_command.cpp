// exec: the reference's command, run through the launcher's main job (the
// same code as pprotect-run), so the child is supervised.
#include "launcher/admin/commands.hpp"
#include "launcher/admin/session.hpp"
#include "launcher/run_command.hpp"
#include "launcher/supervisor/signals.hpp"
#include "policy/usage_error.hpp"
#include "store/reference_wording.hpp"
#include "sys/signal_mask.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <system_error>

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

// --mask and its flags, as pprotect-run takes them.
std::optional<masking::MaskOptions> mask_options(const CliOptions& options) {
  if (!options.mask) {
    if (options.mask_label || options.mask_min_length || !options.no_mask.empty()) {
      throw policy::UsageError("pprotect exec", "--mask-label, --mask-min-length and --no-mask need --mask");
    }
    return std::nullopt;
  }
  masking::MaskOptions mask;
  mask.fixed_label = options.mask_label;
  if (options.mask_min_length) {
    const std::string& text = *options.mask_min_length;
    std::size_t length = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
      throw policy::UsageError("pprotect exec", "invalid value for --mask-min-length: " +
                                                    store::python_repr(text) + " (a number of bytes)");
    }
    mask.min_length = length;
  }
  mask.unmasked_names = options.no_mask;
  return mask;
}

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
  request.mask = mask_options(session.options);
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
