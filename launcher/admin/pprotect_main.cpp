#include "launcher/admin/pprotect_main.hpp"

#include "launcher/admin/command_line.hpp"
#include "launcher/admin/command_table.hpp"
#include "launcher/admin/session.hpp"
#include "launcher/admin/stdin_prompter.hpp"
#include "policy/passphrase_command.hpp"
#include "policy/usage_error.hpp"
#include "store/errors.hpp"
#include "sys/exit_status.hpp"

#include <iostream>
#include <new>
#include <string>
#include <vector>

namespace pprotect::admin {

namespace {

int report(std::string_view message, sys::ExitStatus status) {
  std::cout.flush();
  std::cerr << "error: " << message << '\n';
  std::cerr.flush();
  return status;
}

int run(const std::vector<std::string>& args) {
  const CliOptions options = parse_command_line(args);
  if (options.help) {
    std::cout << help_text(options.subcommand) << '\n';
    return sys::exit_success;
  }
  if (options.subcommand.empty()) {
    // As the reference: the help on stdout, the complaint on stderr.
    std::cout << help_text("") << '\n';
    std::cout.flush();
    throw policy::UsageError("pprotect", "expected a subcommand");
  }
  Session session(options);
  if (takes_flag(options.subcommand, "--yaml-layout")) {
    // A bad PPROTECT_YAML_LAYOUT is a usage error before any prompt.
    (void)requested_layout(session);
  }
  const int status = find_command(options.subcommand)->run(session);
  std::cout.flush();
  if (!std::cout) {
    // A full disk or closed pipe must not look like success to a script.
    return report("cannot write to standard output", sys::exit_failure);
  }
  return status;
}

} // namespace

int pprotect_main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return run(args);
  } catch (const InputEnded&) {
    std::cout << '\n';
    std::cout.flush();
    return sys::exit_failure;
  } catch (const PromptInterrupted&) {
    std::cout << '\n';
    std::cout.flush();
    return sys::exit_interrupted;
  } catch (const policy::PassphraseCommandError& error) {
    // Ctrl-C at the helper's prompt (it holds the terminal while it runs):
    // 130, as at our own prompts.
    return report(error.what(), error.interrupted() ? sys::exit_interrupted : sys::exit_failure);
  } catch (const policy::UsageError& error) {
    // Usage errors exit 2, as issue #3 and reference-behaviour.md ask (the
    // Python tool's face exits 1 there; scripts test for 2 on misuse).
    return report(error.where().empty() ? std::string(error.what()) : error.where() + ": " + error.what(),
                  sys::exit_usage);
  } catch (const store::FileNotFoundError& error) {
    return report(error.what(), sys::exit_usage);
  } catch (const store::FileExistsError& error) {
    return report(error.what(), sys::exit_usage);
  } catch (const store::StoreError& error) {
    return report(error.what(), sys::exit_failure);
  } catch (const std::bad_alloc&) {
    return report("out of (secure) memory", sys::exit_failure);
  } catch (const std::exception& error) {
    return report(error.what(), sys::exit_failure);
  }
}

} // namespace pprotect::admin
