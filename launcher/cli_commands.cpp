#include "launcher/cli_commands.hpp"

#include <cctype>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include <pthread.h>
#include <sys/stat.h>
#include <cerrno>
#include <cstring>
#include <signal.h>
#include <unistd.h>

#include "launcher/decrypt_output.hpp"
#include "launcher/run_command.hpp"
#include "launcher/stdin_prompter.hpp"
#include "launcher/unified_diff.hpp"
#include "policy/credentials.hpp"
#include "store/errors.hpp"
#include "store/text.hpp"
#include "store/protected_file.hpp"
#include "store/yaml_layout.hpp"

#ifndef PPROTECT_VERSION
#define PPROTECT_VERSION "0.0.0"
#endif

namespace pprotect::launcher {

using store::join;

namespace {

namespace fs = std::filesystem;

// Standard input ended at a prompt: the reference prints an empty line and
// exits 1 without a message.
struct InputEnded {};

// The user declined a --confirm diff or a migration: exit 0.
struct Declined {};

// A bad flag value or a missing argument found by a command: a usage error,
// exit 2 like every other one.
class CommandUsageError : public policy::UsageError {
public:
  using policy::UsageError::UsageError;
};

struct Context {
  const CliOptions& options;
  fs::path path; // absolute, as the reference prints it
  StdinPrompter prompter;
  policy::Environment env = policy::Environment::current();
};

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
      line = store::terminal_safe(line);
    }
  }
  return lines;
}

std::string listed(std::string line) { return std::move(listed(std::vector<std::string>{std::move(line)}).front()); }

std::string ask(Context& ctx, std::string_view label) {
  auto answer = ctx.prompter.ask_line(label);
  if (!answer) {
    throw InputEnded{};
  }
  return std::move(*answer);
}

std::string flag_or_ask(Context& ctx, const std::optional<std::string>& flag, std::string_view label) {
  return flag ? *flag : ask(ctx, label);
}

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

// A passphrase file as the reference reads one: whole, surrounding
// whitespace stripped.
sys::SecureBuffer read_passphrase_file(const std::string& path) {
  const fs::path absolute = fs::absolute(path).lexically_normal();
  sys::SecureBuffer raw = read_secret_file(absolute.string(), sys::InputKind::file_or_pipe);
  std::string_view text = raw.view();
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0 || (c >= 0x1c && c <= 0x1f); };
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return sys::SecureBuffer::copy_of(text);
}

store::KeyType key_type_option(const CliOptions& options, store::KeyType fallback) {
  if (!options.key_type) {
    return fallback;
  }
  if (*options.key_type == "hard") {
    return store::KeyType::hard;
  }
  if (*options.key_type == "fast") {
    return store::KeyType::fast;
  }
  if (*options.key_type == "raw") {
    return store::KeyType::raw;
  }
  throw CommandUsageError("--key-type must be one of: hard, fast, raw");
}

// Only a missing file is "not found": a symlink loop, a trailing slash on a
// file or a denied directory say what they are.
void require_file(const Context& ctx) {
  struct stat status {};
  if (::stat(ctx.path.c_str(), &status) == 0) {
    return;
  }
  const int error = errno;
  if (error == ENOENT) {
    throw store::FileNotFoundError("Protected file not found: " + ctx.path.string());
  }
  throw store::StoreError("cannot read the protected file " + ctx.path.string() + ": " + std::strerror(error));
}

void require_writable(const Context& ctx) {
  if (::access(ctx.path.c_str(), W_OK) != 0) {
    throw store::StoreError("expected " + store::python_repr(ctx.path.string()) +
                            " to be a writable file. Check the permissions and try again.");
  }
}

store::KeyFile load(const Context& ctx) {
  require_file(ctx);
  return store::load_key_file(ctx.path);
}

policy::CredentialOptions credential_options(const CliOptions& options) {
  policy::CredentialOptions out;
  out.user = options.user;
  if (options.passphrase_file) {
    out.passphrase_file = *options.passphrase_file;
  }
  out.passphrase_credential = options.passphrase_credential;
  out.env_prefix = options.env_prefix;
  out.ignore_env = options.ignore_env;
  out.non_interactive = options.non_interactive;
  out.allow_expensive_kdf = options.allow_expensive_kdf;
  out.missing_report = policy::CredentialOptions::MissingReport::reference_message;
  return out;
}

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

// The acting custodian of a command that needs credentials: resolved in the
// reference's order, checked with one key derivation.
store::UnlockedCustodian acting_custodian(Context& ctx, const store::KeyFile& file) {
  EndOfInputEndsPrompter prompter(ctx.prompter);
  const policy::Credentials credentials =
      policy::resolve_credentials(credential_options(ctx.options), ctx.env, prompter, ctx.path.string());
  return policy::unlock(file, credentials);
}

// set-key-custodian-passphrase and rekey-custodian ask for the custodian
// themselves, as the reference does (no environment variables).
store::UnlockedCustodian own_custodian(Context& ctx, const store::KeyFile& file) {
  policy::Credentials credentials;
  if (ctx.options.user) {
    credentials.user = *ctx.options.user;
    credentials.user_source = "argument";
  } else {
    credentials.user = ask(ctx, "User email: ");
  }
  if (ctx.options.passphrase_file) {
    credentials.passphrase = read_passphrase_file(*ctx.options.passphrase_file);
    credentials.passphrase_source =
        "passphrase file: " + fs::absolute(*ctx.options.passphrase_file).lexically_normal().string();
  } else {
    auto answer = ctx.prompter.ask_secret("Current passphrase: ");
    if (!answer) {
      throw InputEnded{};
    }
    credentials.passphrase = std::move(*answer);
  }
  credentials.expensive_kdf =
      ctx.options.allow_expensive_kdf ? store::ExpensiveKdf::allow : store::ExpensiveKdf::refuse;
  return policy::unlock(file, credentials);
}

sys::SecureBuffer new_passphrase(Context& ctx, const std::optional<std::string>& file, std::string_view label) {
  if (file) {
    return read_passphrase_file(*file);
  }
  auto answer = ctx.prompter.ask_new_secret(label);
  if (!answer) {
    throw InputEnded{};
  }
  return std::move(*answer);
}

// Shows the generated raw key and asks for YES; false when not confirmed.
bool show_raw_key_and_confirm(Context& ctx, const sys::SecureBuffer& passphrase) {
  const std::string rule(72, '=');
  std::cout << '\n' << rule << '\n';
  std::cout << "  GENERATED RAW KEY (copy this now, it will not be shown again):\n\n";
  std::cout << "  " << passphrase.view() << "\n\n";
  std::cout << "  Store this key securely. It is your passphrase.\n";
  std::cout << "  LOSS OF THIS KEY MEANS LOSS OF CUSTODIAN ACCESS.\n";
  std::cout << rule << "\n\n";
  std::cout.flush();
  const std::string answer = ask(ctx, "Have you saved the key? Type YES to confirm: ");
  if (strip(answer) != "YES") {
    say("Aborting. Key was not confirmed.");
    return false;
  }
  return true;
}

store::ConfirmWrite confirm_callback(Context& ctx) {
  if (!ctx.options.confirm) {
    return {};
  }
  return [&ctx](const std::string& before, const std::string& after) {
    const Color color = ::isatty(STDOUT_FILENO) == 1 ? Color::yes : Color::no;
    const auto lines =
        unified_diff(before, after, ctx.path.string() + ".old", ctx.path.string() + ".new", color);
    std::cout << confirm_diff_text(lines);
    std::cout.flush();
    const std::string answer = ask(ctx, "Write changes? [y/N] ");
    if (lowercase(answer).rfind('y', 0) != 0) {
      return false;
    }
    return true;
  };
}

// The layout --yaml-layout or $PPROTECT_YAML_LAYOUT asks for; nullopt
// keeps the file's own (c for a new file).
std::optional<store::YamlLayout> requested_layout(const Context& ctx) {
  if (ctx.options.yaml_layout) {
    return store::parse_yaml_layout(*ctx.options.yaml_layout); // checked by the parser
  }
  const auto variable = ctx.env.get("PPROTECT_YAML_LAYOUT");
  if (!variable || variable->empty()) {
    return std::nullopt;
  }
  const auto layout = store::parse_yaml_layout(*variable);
  if (!layout) {
    throw CommandUsageError("PPROTECT_YAML_LAYOUT must be one of: a, b, c (got " + store::python_repr(*variable) + ")");
  }
  return layout;
}

// Applies change under the file's lock and writes the file in its own
// layout, or in the one asked for.
int modify(Context& ctx, const std::function<void(store::KeyFile&)>& change) {
  const auto layout = requested_layout(ctx);
  const auto change_and_lay_out = [&](store::KeyFile& file) {
    change(file);
    if (layout) {
      file.set_layout(*layout);
    }
  };
  if (!store::modify_key_file(ctx.path, change_and_lay_out, confirm_callback(ctx))) {
    say("Aborting...");
  }
  return 0;
}

// --- access management ---

struct NewCustodian {
  std::string name;
  sys::SecureBuffer passphrase;
  store::KeyType type = store::KeyType::hard;
};

// The prompts of init and add-key-custodian; nullopt when a raw key was not
// confirmed.
std::optional<NewCustodian> ask_new_custodian(Context& ctx) {
  NewCustodian custodian;
  custodian.type = key_type_option(ctx.options, store::KeyType::hard);
  say("Adding new key custodian.");
  custodian.name = flag_or_ask(ctx, ctx.options.user, "User email: ");
  if (custodian.type == store::KeyType::raw) {
    custodian.passphrase = store::generate_raw_passphrase();
    if (!show_raw_key_and_confirm(ctx, custodian.passphrase)) {
      return std::nullopt;
    }
  } else {
    custodian.passphrase = new_passphrase(ctx, ctx.options.passphrase_file, "Passphrase: ");
  }
  return custodian;
}

int cmd_init(Context& ctx) {
  std::error_code ignored;
  if (fs::exists(ctx.path, ignored) || fs::is_symlink(ctx.path, ignored)) {
    throw store::FileExistsError("Protected file already exists: " + ctx.path.string());
  }
  (void)key_type_option(ctx.options, store::KeyType::hard);
  const auto layout = requested_layout(ctx);
  auto custodian = ask_new_custodian(ctx);
  if (!custodian) {
    return 0;
  }
  if (!store::create_key_file(
          ctx.path,
          [&](store::KeyFile& file) {
            file.add_key_custodian(custodian->name, custodian->passphrase.view(), custodian->type);
            if (layout) {
              file.set_layout(*layout);
            }
          },
          confirm_callback(ctx))) {
    say("Aborting...");
  }
  return 0;
}

int cmd_add_key_custodian(Context& ctx) {
  require_file(ctx);
  require_writable(ctx);
  (void)key_type_option(ctx.options, store::KeyType::hard);
  auto custodian = ask_new_custodian(ctx);
  if (!custodian) {
    return 0;
  }
  return modify(ctx, [&](store::KeyFile& file) {
    file.add_key_custodian(custodian->name, custodian->passphrase.view(), custodian->type);
  });
}

int cmd_set_key_custodian_passphrase(Context& ctx) {
  const store::KeyFile file = load(ctx);
  require_writable(ctx);
  const auto type = key_type_option(ctx.options, store::KeyType::hard);
  const store::UnlockedCustodian who = own_custodian(ctx, file);
  if (ctx.options.key_type && type != file.key_type_of(who.name)) {
    throw CommandUsageError("set-key-custodian-passphrase keeps the key type; use rekey-custodian --key-type " +
                             *ctx.options.key_type + " to change it");
  }
  if (type == store::KeyType::raw) {
    throw CommandUsageError("a raw key cannot be chosen; use rekey-custodian --key-type raw for a new one");
  }
  const sys::SecureBuffer passphrase = new_passphrase(ctx, ctx.options.new_passphrase_file, "New passphrase: ");
  return modify(ctx, [&](store::KeyFile& f) { f.set_key_custodian_passphrase(who, passphrase.view()); });
}

int cmd_rekey_custodian(Context& ctx) {
  const store::KeyFile file = load(ctx);
  require_writable(ctx);
  const auto type = key_type_option(ctx.options, store::KeyType::hard);
  const store::UnlockedCustodian who = own_custodian(ctx, file);
  sys::SecureBuffer passphrase;
  if (type == store::KeyType::raw) {
    passphrase = store::generate_raw_passphrase();
    if (!show_raw_key_and_confirm(ctx, passphrase)) {
      return 0;
    }
  } else {
    passphrase = new_passphrase(ctx, ctx.options.new_passphrase_file, "New passphrase: ");
  }
  return modify(ctx, [&](store::KeyFile& f) { f.rekey_custodian(who, passphrase.view(), type); });
}

int cmd_list_user_secrets(Context& ctx) {
  const store::KeyFile file = load(ctx);
  const store::UnlockedCustodian who = acting_custodian(ctx, file);
  const auto owned = file.domains_owned_by(who.name);
  if (owned.empty()) {
    say_err("User " + who.name + " does not own any domains.");
    return 0;
  }
  for (const auto& domain : owned) {
    const auto secrets = file.secret_names(domain);
    say(listed(domain) + ": " + (secrets.empty() ? std::string("(no secrets)") : join(listed(secrets), ", ")));
  }
  return 0;
}

// --- domain management ---

int cmd_add_domain(Context& ctx) {
  const store::KeyFile file = load(ctx);
  const store::UnlockedCustodian who = acting_custodian(ctx, file);
  require_writable(ctx);
  say("Adding new domain.");
  const std::string domain = flag_or_ask(ctx, ctx.options.domain, "Domain name: ");
  return modify(ctx, [&](store::KeyFile& f) { f.add_domain(domain, who.name); });
}

int cmd_rm_domain(Context& ctx) {
  require_file(ctx);
  require_writable(ctx);
  say("Removing domain.");
  const std::string domain = flag_or_ask(ctx, ctx.options.domain, "Domain name: ");
  return modify(ctx, [&](store::KeyFile& f) { f.remove_domain(domain); });
}

int cmd_add_owner(Context& ctx) {
  const store::KeyFile file = load(ctx);
  const store::UnlockedCustodian who = acting_custodian(ctx, file);
  require_writable(ctx);
  say("Adding domain owner.");
  const std::string domain = flag_or_ask(ctx, ctx.options.domain, "Domain name: ");
  const std::string owner = flag_or_ask(ctx, ctx.options.owner, "New owner email: ");
  return modify(ctx, [&](store::KeyFile& f) { f.add_owner(domain, owner, who); });
}

int cmd_rm_owner(Context& ctx) {
  require_file(ctx);
  require_writable(ctx);
  say("Removing domain owner.");
  const std::string domain = flag_or_ask(ctx, ctx.options.domain, "Domain name: ");
  const std::string owner = flag_or_ask(ctx, ctx.options.owner, "Owner email: ");
  return modify(ctx, [&](store::KeyFile& f) { f.remove_owner(domain, owner); });
}

int cmd_rotate_domain_keys(Context& ctx) {
  const store::KeyFile file = load(ctx);
  const store::UnlockedCustodian who = acting_custodian(ctx, file);
  require_writable(ctx);
  const std::string domain = flag_or_ask(ctx, ctx.options.domain, "Domain name: ");
  return modify(ctx, [&](store::KeyFile& f) { f.rotate_domain_key(domain, who); });
}

int cmd_migrate_owner(Context& ctx) {
  const store::KeyFile file = load(ctx);
  const store::UnlockedCustodian who = acting_custodian(ctx, file);
  require_writable(ctx);
  const std::string new_owner = flag_or_ask(ctx, ctx.options.owner, "New owner email: ");
  const auto owned = file.domains_owned_by(who.name);
  if (owned.empty()) {
    say("You do not own any domains.");
    return 0;
  }
  say("Will add " + listed(new_owner) + " as owner to: " + join(listed(owned), ", "));
  if (!ctx.options.yes) {
    const std::string answer = ask(ctx, "Proceed? [y/N] ");
    if (lowercase(answer).rfind('y', 0) != 0) {
      say("Aborting.");
      return 0;
    }
  }
  return modify(ctx, [&](store::KeyFile& f) {
    if (!f.has_custodian(new_owner)) {
      throw store::StoreError("no key custodian named " + new_owner);
    }
    const auto domains = f.domains_owned_by(who.name);
    if (domains.empty()) {
      throw store::StoreError(who.name + " does not own any domains");
    }
    for (const auto& domain : domains) {
      f.add_owner(domain, new_owner, who);
    }
  });
}

int cmd_list_domains(Context& ctx) {
  const store::KeyFile file = load(ctx);
  const auto names = file.domain_names();
  if (names.empty()) {
    say_err("(No domains in protected at " + ctx.path.string() + ")");
    return 0;
  }
  say(join(listed(names), "\n"));
  return 0;
}

// --- secret management ---

std::string domain_argument(Context& ctx) {
  if (!ctx.options.positionals.empty()) {
    return ctx.options.positionals.front();
  }
  if (ctx.options.domain) {
    return *ctx.options.domain;
  }
  throw CommandUsageError("expected a DOMAIN argument (or --domain)");
}

sys::SecureBuffer secret_value(Context& ctx) {
  if (ctx.options.value_file) {
    if (*ctx.options.value_file == "-") {
      return read_all_stdin();
    }
    return read_secret_file(*ctx.options.value_file, sys::InputKind::file_or_stream);
  }
  auto answer = ctx.prompter.ask_line_secure("Secret value: ");
  if (!answer) {
    throw InputEnded{};
  }
  return std::move(*answer);
}

int cmd_add_or_update_secret(Context& ctx, bool update) {
  require_file(ctx);
  require_writable(ctx);
  say(update ? "Updating secret value." : "Adding secret value.");
  const std::string domain = flag_or_ask(ctx, ctx.options.domain, "Domain name: ");
  const std::string name = flag_or_ask(ctx, ctx.options.secret, "Secret name: ");
  const sys::SecureBuffer value = secret_value(ctx);
  return modify(ctx, [&](store::KeyFile& f) {
    if (update) {
      f.update_secret(domain, name, value.view());
    } else {
      f.add_secret(domain, name, value.view());
    }
  });
}

int cmd_rm_secret(Context& ctx) {
  require_file(ctx);
  require_writable(ctx);
  say("Updating secret value.");
  const std::string domain = flag_or_ask(ctx, ctx.options.domain, "Domain name: ");
  const std::string name = flag_or_ask(ctx, ctx.options.secret, "Secret name: ");
  return modify(ctx, [&](store::KeyFile& f) { f.remove_secret(domain, name); });
}

int cmd_list_domain_secrets(Context& ctx) {
  const std::string domain = domain_argument(ctx);
  const store::KeyFile file = load(ctx);
  const auto names = file.secret_names(domain);
  if (names.empty()) {
    say_err("(No secrets in domain " + store::python_repr(domain) + " of protected at " + ctx.path.string() + ")");
    return 0;
  }
  say(join(listed(names), "\n"));
  return 0;
}

int cmd_list_all_secrets(Context& ctx) {
  const store::KeyFile file = load(ctx);
  std::map<std::string, std::set<std::string>> domains_of;
  for (const auto& domain : file.domain_names()) {
    for (const auto& name : file.secret_names(domain)) {
      domains_of[name].insert(domain);
    }
  }
  if (domains_of.empty()) {
    say_err("(No secrets in protected at " + ctx.path.string() + ")");
    return 0;
  }
  for (const auto& [name, domains] : domains_of) {
    say(listed(name) + ": " + join(listed(std::vector<std::string>(domains.begin(), domains.end())), ", "));
  }
  return 0;
}

// Writes the file again, in the layout asked for or its own; the content
// and the audit log are what they were.
int cmd_reformat(Context& ctx) {
  require_file(ctx);
  require_writable(ctx);
  return modify(ctx, [](store::KeyFile&) {});
}

int cmd_list_audit_log(Context& ctx) {
  const store::KeyFile file = load(ctx);
  say(join(listed(file.audit_log()), "\n"));
  return 0;
}

// --- secret access ---

int cmd_decrypt_domain(Context& ctx) {
  const std::string domain = domain_argument(ctx);
  std::optional<OutputFormat> format;
  if (ctx.options.output_format) {
    try {
      format = parse_output_format(*ctx.options.output_format);
    } catch (const policy::UsageError& error) {
      throw CommandUsageError(error.what());
    }
  }
  const store::KeyFile file = load(ctx);
  const store::UnlockedCustodian who = acting_custodian(ctx, file);
  store::SecretValues secrets = file.decrypt_domain(domain, who);
  if (ctx.options.secret) {
    const auto found = secrets.find(*ctx.options.secret);
    if (found == secrets.end()) {
      throw store::StoreError("secret " + store::python_repr(*ctx.options.secret) + " not found in domain " +
                              store::python_repr(domain));
    }
    store::SecretValues only;
    only.emplace(found->first, std::move(found->second));
    secrets = std::move(only);
    if (!format) {
      // WARNING: the raw value goes out whole, NUL bytes included; it is
      // never cut at a NUL as a C string would be.
      const std::string_view value = secrets.begin()->second.view();
      std::cout.write(value.data(), static_cast<std::streamsize>(value.size()));
      std::cout << '\n';
      std::cout.flush();
      return 0;
    }
  }
  if (!format || *format == OutputFormat::json) {
    write_json(std::cout, secrets);
  } else {
    write_assignments(std::cout, secrets, *format);
  }
  std::cout.flush();
  return 0;
}

// exec blocks every signal before run_with_secrets (so none is lost before
// the child exists), but Ctrl-C at a credential prompt must still work:
// this prompter lets signals through only while it waits for an answer.
class SignalsOpenPrompter : public policy::Prompter {
public:
  SignalsOpenPrompter(StdinPrompter& inner, const supervisor::StartupSignals& signals) : m_inner(inner), m_signals(signals) {}
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
    explicit Unblocked(const supervisor::StartupSignals& signals) {
      ::pthread_sigmask(SIG_SETMASK, &signals.original_mask(), &m_blocked);
    }
    ~Unblocked() { ::pthread_sigmask(SIG_SETMASK, &m_blocked, nullptr); }
    Unblocked(const Unblocked&) = delete;
    Unblocked& operator=(const Unblocked&) = delete;

  private:
    sigset_t m_blocked{};
  };

  StdinPrompter& m_inner;
  const supervisor::StartupSignals& m_signals;
};

int cmd_exec(Context& ctx) {
  if (!ctx.options.domain) {
    throw CommandUsageError("--domain is required for exec");
  }
  if (ctx.options.command.empty()) {
    throw CommandUsageError("exec requires a command after -- (e.g. pprotect exec --domain prod -- ./myapp)");
  }
  // A missing domain is named as the reference names it ("no domain of name
  // X (known domains are ...)"), before any prompt, as pprotect-run does.
  (void)load(ctx).secret_names(*ctx.options.domain);
  RunRequest request;
  request.file = ctx.path;
  request.domain = *ctx.options.domain;
  request.credentials = credential_options(ctx.options);
  request.environment.passthrough = !ctx.options.no_passthrough;
  request.environment.prefix = ctx.options.prefix.value_or("");
  request.environment.uppercase = ctx.options.uppercase;
  // The reference's exec passes any secret name (db-pass) as it is; the
  // ones that choose programs or load code only when named.
  request.environment.allow_any_name = true;
  request.environment.allow_exec_variables = ctx.options.allow_exec_variables;
  request.environment.env_prefix = policy::effective_env_prefix(request.credentials, ctx.env);
  request.command = ctx.options.command;
  // run_with_secrets takes (and wipes) its own snapshot; ours would keep the
  // passphrase variable on the heap for as long as the child runs.
  ctx.env.wipe();
  const supervisor::StartupSignals signals = supervisor::StartupSignals::block_all();
  try {
    SignalsOpenPrompter open_prompter(ctx.prompter, signals);
    EndOfInputEndsPrompter prompter(open_prompter);
    return run_with_secrets(request, signals, prompter);
  } catch (...) {
    signals.restore();
    throw;
  }
}

int cmd_version() {
  say(std::string("pprotect version ") + PPROTECT_VERSION);
  return 0;
}

int dispatch(Context& ctx) {
  const std::string& name = ctx.options.subcommand;
  if (subcommand_takes_flag(name, "--yaml-layout")) {
    // A bad PPROTECT_YAML_LAYOUT is a usage error before any prompt.
    (void)requested_layout(ctx);
  }
  if (name == "version") {
    return cmd_version();
  }
  if (name == "init") {
    return cmd_init(ctx);
  }
  if (name == "add-key-custodian") {
    return cmd_add_key_custodian(ctx);
  }
  if (name == "set-key-custodian-passphrase") {
    return cmd_set_key_custodian_passphrase(ctx);
  }
  if (name == "rekey-custodian") {
    return cmd_rekey_custodian(ctx);
  }
  if (name == "list-user-secrets") {
    return cmd_list_user_secrets(ctx);
  }
  if (name == "add-domain") {
    return cmd_add_domain(ctx);
  }
  if (name == "rm-domain") {
    return cmd_rm_domain(ctx);
  }
  if (name == "add-owner") {
    return cmd_add_owner(ctx);
  }
  if (name == "rm-owner") {
    return cmd_rm_owner(ctx);
  }
  if (name == "rotate-domain-keys") {
    return cmd_rotate_domain_keys(ctx);
  }
  if (name == "migrate-owner") {
    return cmd_migrate_owner(ctx);
  }
  if (name == "list-domains") {
    return cmd_list_domains(ctx);
  }
  if (name == "add-secret") {
    return cmd_add_or_update_secret(ctx, false);
  }
  if (name == "update-secret") {
    return cmd_add_or_update_secret(ctx, true);
  }
  if (name == "rm-secret") {
    return cmd_rm_secret(ctx);
  }
  if (name == "list-domain-secrets") {
    return cmd_list_domain_secrets(ctx);
  }
  if (name == "list-all-secrets") {
    return cmd_list_all_secrets(ctx);
  }
  if (name == "list-audit-log") {
    return cmd_list_audit_log(ctx);
  }
  if (name == "reformat") {
    return cmd_reformat(ctx);
  }
  if (name == "decrypt-domain") {
    return cmd_decrypt_domain(ctx);
  }
  if (name == "exec") {
    return cmd_exec(ctx);
  }
  throw CommandUsageError("unknown subcommand " + name);
}

void report_error(std::string_view message) {
  std::cout.flush();
  std::cerr << "error: " << message << '\n';
  std::cerr.flush();
}

} // namespace

int run_subcommand(const CliOptions& options) {
  try {
    // As the reference: an empty --file means the default.
    const std::string file = options.file.empty() ? std::string("protected.yaml") : options.file;
    Context ctx{options, fs::absolute(file).lexically_normal(), StdinPrompter{}};
    return dispatch(ctx);
  } catch (const InputEnded&) {
    std::cout << '\n';
    std::cout.flush();
    return k_exit_failure;
  } catch (const PromptInterrupted&) {
    std::cout << '\n';
    std::cout.flush();
    return 130;
  } catch (const policy::UsageError& error) {
    report_error(error.what());
    return k_exit_usage;
  } catch (const store::FileNotFoundError& error) {
    report_error(error.what());
    return k_exit_usage;
  } catch (const store::FileExistsError& error) {
    report_error(error.what());
    return k_exit_usage;
  } catch (const store::StoreError& error) {
    report_error(error.what());
    return k_exit_failure;
  } catch (const std::bad_alloc&) {
    report_error("out of (secure) memory");
    return k_exit_failure;
  } catch (const std::exception& error) {
    report_error(error.what());
    return k_exit_failure;
  }
}

} // namespace pprotect::launcher
