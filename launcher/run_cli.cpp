#include "launcher/run_cli.hpp"

#include "launcher/option_table.hpp"
#include "launcher/run_command.hpp"
#include "launcher/supervisor/diagnostics.hpp"
#include "launcher/supervisor/duration.hpp"
#include "launcher/supervisor/restart.hpp"
#include "policy/passphrase_command.hpp"
#include "policy/tty_prompter.hpp"
#include "policy/usage_error.hpp"
#include "store/errors.hpp"
#include "sys/exit_status.hpp"
#include "sys/full_io.hpp"

#include <algorithm>
#include <charconv>
#include <csignal>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace pprotect::launcher {

namespace {

constexpr const char* k_description =
    "pprotect-run [--file F] --domain D [credential flags] [options] -- CMD [ARGS...]\n"
    "\n"
    "Decrypts one domain of a protected file into the environment of CMD, then runs CMD under a small\n"
    "supervisor: signals are forwarded, zombies reaped (as PID 1 too), the exit status passed on.\n"
    "\n"
    "Supervisor (default) or --exec?\n"
    "  Default: pprotect-run stays as CMD's parent. Choose it for containers (PID 1), MCP servers, CI\n"
    "  steps and anything run from a terminal: it forwards every signal, reaps orphans, kills CMD when\n"
    "  pprotect-run dies (--parent-death-signal), applies --timeout/--stop-timeout, and its own copies\n"
    "  of the secrets are wiped once CMD runs.\n"
    "  --exec: pprotect-run replaces itself with CMD (execve), as `pprotect exec` of pocket_protector\n"
    "  does. Choose it when CMD must be the main PID itself, e.g. a systemd Type=notify service, or\n"
    "  a process manager that tracks the PID it started. No supervision options apply then.\n"
    "  MCP servers: add --stop-timeout 1, so that a server that ignores SIGTERM is gone before the\n"
    "  client's SIGKILL (2 s later), or --parent-death-signal KILL.\n"
    "\n"
    "Masking (--mask): CMD's stdout and stderr pass through pprotect-run, and every secret value of\n"
    "the domains, in its raw, base64 (wrapped too), base64url, percent, JSON and shell-quoted forms,\n"
    "becomes [REDACTED:NAME] (--mask-label TEXT for one label). A terminal stays one: CMD gets a\n"
    "pseudo-terminal (colours, line editing, window size, Ctrl-C and Ctrl-Z as usual) and your\n"
    "terminal is raw while CMD runs; in the background (&, bg) pprotect-run stops until fg, as ssh -t\n"
    "does. Bytes that may begin a secret wait for the rest, at most 10 ms without output. A stdin\n"
    "that is no terminal is never touched. Values under --mask-min-length bytes are not masked (said\n"
    "once on stderr), nor those --no-mask names. Not with --exec.\n"
    "\n"
    "Credentials, first found wins. The user: -u/--user; <PREFIX>_USER; a prompt. The passphrase:\n"
    "--passphrase-file; --passphrase-command CMD; --passphrase-credential NAME\n"
    "($CREDENTIALS_DIRECTORY/NAME); <PREFIX>_PASSPHRASE; <PREFIX>_PASSPHRASE_COMMAND (empty: unset); a\n"
    "prompt on /dev/tty (never stdin/stdout: they belong to CMD). With --use-keyring (or\n"
    "PPROTECT_USE_KEYRING=1) the custodian's key cached by `pprotect unlock` comes before all of them:\n"
    "no passphrase, no derivation; when nothing names the user, the one custodian cached for the file\n"
    "acts. A wrong credential never falls back to another source.\n"
    "A passphrase command is run by /bin/sh -c (a scratch image has none), with stdin /dev/null and\n"
    "without the passphrase variables; its output less one trailing line break is the passphrase.\n"
    "CMD never sees it, nor the helper's variable, nor the session keyring (it gets an empty one).\n"
    "\n"
    "Exit status: CMD's; 128+N when CMD was killed by signal N; 124 on --timeout; 125 for an error of\n"
    "pprotect-run itself (usage, missing file or domain, bad credentials, a passphrase command that\n"
    "failed); 130 when Ctrl-C ended a passphrase command; 126 CMD not executable; 127 CMD not found.\n"
    "Errors are one line on stderr; nothing is ever written to stdout.";

struct Parsed {
  RunRequest request;
  std::string parent_death_signal = "TERM";
  std::string stop_timeout;
  std::string timeout;
  std::string reap_descendants;
  std::string passphrase_file;
  std::string passphrase_command_timeout;
  bool no_passthrough = false;
  std::vector<std::string> secret_files;
  bool no_env = false;
  std::string restart = "no";
  std::string restart_delay;
  bool watch = false;
  std::string on_change;
  std::string exit_with_parent;
  bool mask = false;
  std::optional<std::string> mask_label;
  std::optional<std::size_t> mask_min_length;
  std::vector<std::string> no_mask;
};

void finish_credential_sources(Parsed& parsed) {
  if (parsed.passphrase_command_timeout.empty()) {
    return;
  }
  const auto timeout = supervisor::parse_positive_duration(parsed.passphrase_command_timeout);
  if (!timeout) {
    throw policy::UsageError(
        "invalid duration for --passphrase-command-timeout: " + parsed.passphrase_command_timeout +
        " (more than 0: seconds, or a number with suffix s, m, h or d; at most 1000000000 s)");
  }
  parsed.request.credentials.passphrase_command_timeout = *timeout;
}

bool is_shell_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// NAME[=VAR]: VAR after the last '=' when it is a variable's name (a secret's
// name may hold an '=' of its own).
SecretFileRequest secret_file_request(const std::string& text) {
  SecretFileRequest request;
  const auto equals = text.rfind('=');
  if (equals != std::string::npos && equals > 0 && is_shell_name(std::string_view(text).substr(equals + 1))) {
    request.secret = text.substr(0, equals);
    request.variable = text.substr(equals + 1);
  } else if (equals != std::string::npos && equals + 1 == text.size()) {
    throw policy::UsageError("--secret-file " + text + ": no variable name after '='");
  } else {
    request.secret = text;
  }
  return request;
}

// A signal to send the child; KILL only where killing it is the point.
int signal_of(const std::string& text, const char* option, bool kill_allowed = false) {
  auto signal = supervisor::parse_signal(text);
  if (!signal || *signal == SIGSTOP || (*signal == SIGKILL && !kill_allowed)) {
    throw policy::UsageError(std::string("invalid signal for ") + option + ": " + text);
  }
  return *signal;
}

// What an option does with its value: store it, append it, set a flag.
std::function<void(std::string_view)> store(std::string& to) {
  return [&to](std::string_view value) { to = value; };
}
std::function<void(std::string_view)> store(std::optional<std::string>& to) {
  return [&to](std::string_view value) { to = std::string(value); };
}
std::function<void(std::string_view)> append(std::vector<std::string>& to) {
  return [&to](std::string_view value) { to.emplace_back(value); };
}
std::function<void(std::string_view)> set(bool& flag) {
  return [&flag](std::string_view) { flag = true; };
}

// A whole number for option, at most UINT_MAX.
unsigned count_of(std::string_view text, const char* option) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    throw policy::UsageError(std::string("invalid number for ") + option + ": " + std::string(text) +
                             " (a whole number, 0 or more)");
  }
  return value;
}

using Takes = OptionSpec::Takes;

// pprotect-run's options, in the order --help lists them.
std::vector<OptionSpec> options(Parsed& parsed) {
  RunRequest& request = parsed.request;
  auto& credentials = request.credentials;
  auto& environment = request.environment;
  auto& supervision = request.supervision;
  std::vector<OptionSpec> table = {
      {"-f,--file", Takes::value, "FILE", "Protected file (default: protected.yaml)",
       [&request](std::string_view value) { request.file = std::string(value); }},
      {"-d,--domain", Takes::value, "DOMAIN",
       "Domain whose secrets CMD gets; repeat it for several (in order: one unlock for all)",
       append(request.domains), true, '\0', true},
      {"-u,--user", Takes::value, "EMAIL", "Key custodian (email)", store(credentials.user)},
      {"--passphrase-file", Takes::value, "FILE",
       "Read the passphrase from this file (surrounding whitespace stripped)", store(parsed.passphrase_file)},
      // Issue #13: a passphrase from a helper, and the keyring `pprotect
      // unlock` fills.
      {"--passphrase-command", Takes::value, "CMD",
       "Run CMD with /bin/sh -c; its standard output less one trailing line break is the passphrase "
       "(stdin /dev/null, stderr passes through; a non-zero exit is an error). Also "
       "<PREFIX>_PASSPHRASE_COMMAND",
       store(credentials.passphrase_command)},
      {"--passphrase-command-timeout", Takes::value, "DURATION",
       "Stop the passphrase command after DURATION (s, m, h, d suffixes; default 30 s)",
       store(parsed.passphrase_command_timeout)},
      {"--use-keyring", Takes::nothing, "",
       "Use the custodian's key that `pprotect unlock` cached in the session keyring, before any "
       "passphrase source (also PPROTECT_USE_KEYRING=1). Off by default: everything the session runs "
       "shares that keyring",
       set(credentials.use_keyring)},
      {"--passphrase-credential", Takes::value, "NAME",
       "Read the passphrase from $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=)",
       store(credentials.passphrase_credential)},
      {"--env-prefix", Takes::value, "PREFIX",
       "Prefix of the credential variables <PREFIX>_USER/_PASSPHRASE (default: $PPROTECT_ENV_PREFIX, "
       "else PPROTECT)",
       store(credentials.env_prefix)},
      {"--ignore-env", Takes::nothing, "", "Do not read credentials from the environment",
       set(credentials.ignore_env)},
      {"--non-interactive", Takes::nothing, "",
       "Never prompt: fail at once when no other source has the credentials",
       set(credentials.non_interactive)},
      {"--allow-expensive-kdf", Takes::nothing, "",
       "Derive the custodian's key even when its record asks for more Argon2id time or memory than "
       "pocket_protector ever writes (opslimit 4, 256 MiB); refused by default: a hostile file could "
       "stall every start for hours",
       set(credentials.allow_expensive_kdf)},
      {"--prefix", Takes::value, "P", "Name each variable P_<secret name>", store(environment.prefix)},
      {"--uppercase", Takes::nothing, "", "Upper-case secret names, non-alphanumeric characters becoming _",
       set(environment.uppercase)},
      {"--no-passthrough", Takes::nothing, "",
       "CMD gets only PATH HOME TERM LANG USER SHELL LOGNAME besides the secrets",
       set(parsed.no_passthrough)},
      {"--only", Takes::value, "NAME[,NAME...]", "Inject only these secrets (by secret name)",
       append(environment.only), true, ','},
      {"--allow-any-name", Takes::nothing, "",
       "Let secret names that are no portable shell name (db-pass) through as they are; by default they "
       "are refused: use --uppercase (DB_PASS) or --only",
       set(environment.allow_any_name)},
      {"--allow-loader-variables", Takes::nothing, "",
       "DANGEROUS: let secrets set dynamic-loader variables (LD_PRELOAD, LD_LIBRARY_PATH, ...)",
       set(environment.allow_loader_variables)},
      {"--allow-exec-variables", Takes::value, "NAME[,NAME...]",
       "DANGEROUS: let secrets set these variables, which decide which programs run or what code they "
       "load (PATH, BASH_ENV, ENV, IFS, PYTHONPATH, NODE_OPTIONS, PERL5OPT, JAVA_TOOL_OPTIONS, "
       "GIT_SSH_COMMAND, EDITOR, ...: refused by default, as anyone may add a secret); each named one by "
       "one. CMD itself is always looked up in pprotect-run's own PATH",
       append(environment.allow_exec_variables), true, ','},
      {"--domain-prefix", Takes::nothing, "",
       "Name each variable after its domain too: PROD_DB_PASS (with --uppercase) for db-pass of prod",
       set(environment.domain_prefix)},
      {"--secret-file", Takes::value, "NAME[=VAR]",
       "Give CMD secret NAME (or DOMAIN/NAME) as a file, never on a disk: a sealed memfd at /dev/fd/N, its "
       "path in VAR (default: the secret's variable name + _FILE); repeatable",
       append(parsed.secret_files), true},
      {"--secret-dir", Takes::nothing, "",
       "Also put every secret in a fresh 0700 directory on a tmpfs (one 0400 file each, named as the "
       "secret), its path in SECRETS_DIR; removed when pprotect-run exits. No tmpfs: exit 125",
       set(request.secret_dir)},
      {"--no-env", Takes::nothing, "",
       "Secrets only as files (--secret-file, --secret-dir), none as variables", set(parsed.no_env)},
      {"--exec", Takes::nothing, "", "Replace pprotect-run with CMD instead of supervising it (see above)",
       [&supervision](std::string_view) { supervision.mode = supervisor::Mode::exec; }},
      {"--signal-group", Takes::nothing, "",
       "Forward signals to CMD's whole process group instead of CMD alone", set(supervision.signal_group)},
      {"--parent-death-signal", Takes::value, "SIGNAL",
       "Signal CMD gets when pprotect-run dies, even by SIGKILL (default: TERM)",
       store(parsed.parent_death_signal)},
      {"--stop-timeout", Takes::value, "SECONDS",
       "After forwarding SIGTERM/SIGINT/SIGQUIT/SIGHUP, SIGKILL CMD's process group if it is still there "
       "after SECONDS",
       store(parsed.stop_timeout)},
      {"--timeout", Takes::value, "DURATION",
       "Stop CMD after DURATION (s, m, h, d suffixes; 0: none), SIGKILL after --stop-timeout (default 10 "
       "s) more, exit 124",
       store(parsed.timeout)},
      {"--reap-descendants", Takes::value, "SECONDS",
       "When CMD exits, SIGTERM every descendant left, wait up to SECONDS, then SIGKILL them",
       store(parsed.reap_descendants)},
      {"--restart", Takes::value, "WHEN",
       "Start CMD again when it ends: no (default), on-failure (a non-zero status or a signal), always. "
       "Never after pprotect-run got TERM, INT, QUIT or HUP. Keeps the secrets in locked memory for the "
       "next start",
       store(parsed.restart)},
      {"--max-restarts", Takes::value, "N",
       "Restarts at most N times (default: unlimited with always, 5 with on-failure)",
       [&supervision](std::string_view value) {
         supervision.restart.max_restarts = count_of(value, "--max-restarts");
       }},
      {"--restart-delay", Takes::value, "DURATION",
       "Wait DURATION before the first restart (default 1 s), twice as long before each next one, at most "
       "60 s; a run of 60 s or more starts over at DURATION",
       store(parsed.restart_delay)},
      {"--watch", Takes::nothing, "",
       "Read the protected file again when it changes (no new key derivation, no prompt) and give CMD its "
       "new secrets as --on-change says. Keeps the custodian's key and the secrets in locked memory",
       set(parsed.watch)},
      {"--on-change", Takes::value, "ACTION",
       "With --watch, when CMD's secrets changed: restart (default: stop CMD as --stop-timeout says, start "
       "it again) or signal:SIG (rewrite the --secret-file and --secret-dir files, send SIG)",
       store(parsed.on_change)},
      // Alone, or with its signal after '=' (never the next argument: that
      // may be the command).
      {"--exit-with-parent", Takes::optional_value, "SIGNAL",
       "When the process that started pprotect-run dies, act as if SIGNAL (default TERM) came: forward "
       "it, kill CMD after --stop-timeout (default 10 s), exit",
       [&parsed](std::string_view value) { parsed.exit_with_parent = value.empty() ? "TERM" : value; }},
      {"--mask", Takes::nothing, "",
       "Mask every secret value of the domains (and its base64, percent, JSON and shell-quoted forms) in "
       "CMD's stdout and stderr as [REDACTED:NAME] (see above)",
       set(parsed.mask)},
      {"--mask-label", Takes::value, "TEXT", "With --mask: replace every secret by TEXT (e.g. ***)",
       store(parsed.mask_label)},
      {"--mask-min-length", Takes::value, "N",
       "With --mask: leave values shorter than N bytes unmasked (default 4), saying which on stderr",
       [&parsed](std::string_view value) { parsed.mask_min_length = count_of(value, "--mask-min-length"); }},
      {"--no-mask", Takes::value, "NAME[,NAME...]",
       "With --mask: leave these secrets unmasked (a public URL, a region); a name no domain has is an "
       "error",
       append(parsed.no_mask), true, ','},
      {"-q,--quiet", Takes::nothing, "", "No notices on stderr (errors are still printed)",
       set(supervision.quiet)},
  };
  return table;
}

std::optional<double> seconds_of(const std::string& text, const char* option) {
  if (text.empty()) {
    return std::nullopt;
  }
  auto value = supervisor::parse_duration(text);
  if (!value) {
    throw policy::UsageError(
        std::string("invalid duration for ") + option + ": " + text +
        " (seconds, or a number with suffix s, m, h or d; at most 1000000000 s, about 31 years)");
  }
  return value;
}

void finish(Parsed& parsed) {
  RunRequest& request = parsed.request;
  if (!parsed.passphrase_file.empty()) {
    request.credentials.passphrase_file = parsed.passphrase_file;
  }
  finish_credential_sources(parsed);
  request.environment.passthrough = !parsed.no_passthrough;
  auto signal = supervisor::parse_signal(parsed.parent_death_signal);
  if (!signal || *signal == SIGSTOP) {
    throw policy::UsageError("invalid signal for --parent-death-signal: " + parsed.parent_death_signal);
  }
  request.supervision.parent_death_signal = *signal;
  request.supervision.stop_timeout = seconds_of(parsed.stop_timeout, "--stop-timeout");
  request.supervision.timeout = seconds_of(parsed.timeout, "--timeout");
  if (request.supervision.timeout == 0.0) {
    request.supervision.timeout.reset(); // as timeout(1): 0 disables the deadline
  }
  request.supervision.reap_descendants = seconds_of(parsed.reap_descendants, "--reap-descendants");
  for (const std::string& text : parsed.secret_files) {
    request.secret_files.push_back(secret_file_request(text));
  }
  request.environment.inject_secrets = !parsed.no_env;
  if (parsed.no_env && request.secret_files.empty() && !request.secret_dir) {
    throw policy::UsageError("--no-env leaves CMD no secret: add --secret-file or --secret-dir");
  }
  auto& supervision = request.supervision;
  const auto when = supervisor::parse_restart_when(parsed.restart);
  if (!when) {
    throw policy::UsageError("invalid value for --restart: " + parsed.restart +
                             " (no, on-failure or always)");
  }
  supervision.restart.when = *when;
  if (!parsed.restart_delay.empty()) {
    // More than zero: a delay of 0 doubles to 0, and a child that fails at
    // once would be started again hundreds of times a second, forever.
    const auto delay = supervisor::parse_positive_duration(parsed.restart_delay);
    if (!delay) {
      throw policy::UsageError("invalid duration for --restart-delay: " + parsed.restart_delay +
                               " (more than 0: seconds, or a number with suffix s, m, h or d; at most "
                               "1000000000 s)");
    }
    supervision.restart.delay = std::chrono::duration<double>(*delay).count();
  }
  if (supervision.restart.when == supervisor::RestartWhen::no &&
      (supervision.restart.max_restarts || !parsed.restart_delay.empty())) {
    throw policy::UsageError("--max-restarts and --restart-delay need --restart on-failure or always");
  }
  if (parsed.watch) {
    supervision.watch = request.file;
  }
  if (!parsed.on_change.empty()) {
    if (!parsed.watch) {
      throw policy::UsageError("--on-change needs --watch");
    }
    if (parsed.on_change.rfind("signal:", 0) == 0) {
      supervision.on_change_signal = signal_of(parsed.on_change.substr(7), "--on-change");
    } else if (parsed.on_change != "restart") {
      throw policy::UsageError("invalid value for --on-change: " + parsed.on_change +
                               " (restart, or signal:SIG such as signal:HUP)");
    }
  }
  if (!parsed.exit_with_parent.empty()) {
    supervision.exit_with_parent = signal_of(parsed.exit_with_parent, "--exit-with-parent", true);
  }
  if (supervision.mode == supervisor::Mode::exec &&
      (supervision.restart.when != supervisor::RestartWhen::no || parsed.watch || request.secret_dir ||
       supervision.exit_with_parent != 0)) {
    throw policy::UsageError(
        "--exec leaves no supervisor: --restart, --watch, --secret-dir and --exit-with-parent need one "
        "(--secret-file works)");
  }
  // Without a supervisor nobody keeps a deadline or forwards a signal: a
  // flag that would seem to must not pass in silence.
  if (supervision.mode == supervisor::Mode::exec &&
      (!parsed.timeout.empty() || !parsed.stop_timeout.empty() || !parsed.reap_descendants.empty() ||
       supervision.signal_group)) {
    throw policy::UsageError("--exec leaves no supervisor: --timeout, --stop-timeout, --reap-descendants and "
                             "--signal-group need one");
  }
  if (parsed.mask) {
    if (supervision.mode == supervisor::Mode::exec) {
      throw policy::UsageError("--mask needs the supervisor to read CMD's output: not with --exec");
    }
    masking::MaskOptions mask;
    mask.fixed_label = parsed.mask_label;
    if (parsed.mask_min_length) {
      mask.min_length = *parsed.mask_min_length;
    }
    mask.unmasked_names = parsed.no_mask;
    request.mask = std::move(mask);
  } else if (parsed.mask_label || parsed.mask_min_length || !parsed.no_mask.empty()) {
    // Without --mask nothing is masked: a flag that seems to say otherwise
    // must not pass in silence.
    throw policy::UsageError("--mask-label, --mask-min-length and --no-mask need --mask");
  }
  if (request.command.empty()) {
    throw policy::UsageError("no command given: pprotect-run [options] -- CMD [ARGS...]");
  }
}

// Parses the command line into parsed; false when it asked for the help or
// the version, which are printed here. Throws policy::UsageError.
bool parse(int argc, char** argv, Parsed& parsed) {
  const std::vector<OptionSpec> table = options(parsed);
  const ParsedOptions options = parse_options(argc, argv, table);
  if (options.help) {
    // Asked for: the one thing that goes to stdout.
    const std::string help = std::string(k_description) + "\n\n" + options_help(table);
    (void)sys::write_all(STDOUT_FILENO, help);
    return false;
  }
  if (options.version) {
    const std::string version = std::string("pprotect-run ") + PPROTECT_VERSION + "\n";
    (void)sys::write_all(STDOUT_FILENO, version);
    return false;
  }
  parsed.request.command = options.command;
  finish(parsed);
  return true;
}

} // namespace

int run_cli(int argc, char** argv, const supervisor::StartupSignals& signals) {
  // Every failure of pprotect-run's own is one line and 125, whatever its
  // kind: the child's statuses are the others.
  try {
    Parsed parsed;
    if (!parse(argc, argv, parsed)) {
      return sys::exit_success;
    }
    // Ctrl-C at a prompt ends us at once, echo restored: sys::EchoOff's
    // handler restores the terminal, then StartupSignals' ends us.
    policy::TtyPrompter terminal;
    return run_with_secrets(parsed.request, signals, terminal);
  } catch (const policy::PassphraseCommandError& error) {
    supervisor::print_launcher_error(error.what());
    return error.interrupted() ? sys::exit_interrupted : sys::exit_launcher_error;
  } catch (const policy::UsageError& error) {
    supervisor::print_launcher_error(error.what());
  } catch (const store::StoreError& error) {
    supervisor::print_launcher_error(error.what());
  } catch (const std::bad_alloc&) {
    supervisor::print_launcher_error("out of memory (or of locked memory for secrets)");
  } catch (const std::exception& error) {
    supervisor::print_launcher_error(error.what());
  }
  return sys::exit_launcher_error;
}

} // namespace pprotect::launcher
