#pragma once
// A passphrase from a credential helper (--passphrase-command CMD,
// <PREFIX>_PASSPHRASE_COMMAND): the standard output of `/bin/sh -c CMD`.
//
// The helper runs with stdin on /dev/null, stdout a pipe read straight into
// locked memory, stderr ours; in a process group of its own, with an empty
// signal mask and every signal at its default action (pprotect-run blocks
// them all), no descriptor but 0-2, and our environment snapshot less the
// passphrase variables. When this process holds the terminal's foreground,
// the helper's group gets it while it runs, so a helper that asks on
// /dev/tty (sudo, op signin) can, and Ctrl-C reaches the helper.
// Its output ends when /bin/sh exits: a daemon the helper left behind with
// stdout open cannot hold the command up. Should we die first (pprotect-run
// ends at once on SIGTERM before its child exists), /bin/sh gets SIGKILL.

#include "policy/credentials.hpp"
#include "policy/environment.hpp"
#include "sys/secure_buffer.hpp"

#include <chrono>
#include <csignal>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::policy {

inline constexpr std::chrono::milliseconds k_default_passphrase_command_timeout{30000};
// As a passphrase file: more is a mistake (a key store, a log), not a
// passphrase.
inline constexpr std::size_t k_max_passphrase_command_output = std::size_t{1} << 20U;

struct PassphraseCommand {
  std::string command; // given to /bin/sh -c as it is
  // Where it came from, as errors name it: "--passphrase-command" or
  // "env var: PPROTECT_PASSPHRASE_COMMAND".
  std::string source;
  std::chrono::milliseconds timeout = k_default_passphrase_command_timeout;
};

// The helper failed. The message is one line naming what happened and the
// source; never the output, never the command (a CI secret may hold it).
// A CredentialResolutionError, so pprotect exits 1 (its bad-credentials
// status) and pprotect-run 125.
class PassphraseCommandError : public CredentialResolutionError {
public:
  enum class Reason {
    not_started, // /bin/sh could not be run (a scratch image has none)
    exited,      // a status other than 0: value() is the status
    killed,      // value() is the signal (SIGINT: the user pressed Ctrl-C)
    timed_out,   // value() is the timeout in milliseconds
    too_large,   // more than k_max_passphrase_command_output bytes
    unreadable,  // reading its output failed: value() is the errno
  };
  PassphraseCommandError(Reason reason, int value, const std::string& message)
      : CredentialResolutionError(message), m_reason(reason), m_value(value) {}
  Reason reason() const { return m_reason; }
  int value() const { return m_value; }
  // The user pressed Ctrl-C at the helper's prompt (it holds the terminal's
  // foreground while it runs, so SIGINT reaches it, not us): both programs
  // exit 130 then, as for Ctrl-C at their own prompts.
  bool interrupted() const { return m_reason == Reason::killed && m_value == SIGINT; }

private:
  Reason m_reason;
  int m_value;
};

// The variables the helper does not get, for this prefix:
// PPROTECT_PASSPHRASE and PPROTECT_PASSPHRASE_COMMAND, and the same with
// env_prefix. <PREFIX>_USER stays: it is no secret (prompts and messages
// print it), and a helper may use it to choose its entry
// (`pass show "pprotect/$PPROTECT_USER"`).
std::vector<std::string> passphrase_command_scrubbed_variables(std::string_view env_prefix);

// Runs the helper and returns its standard output less one trailing line
// break ("\n" or "\r\n"); nothing else is stripped, unlike
// --passphrase-file (the reference strips a file of all surrounding
// whitespace): a helper prints the value exactly, and leading or trailing
// spaces may belong to it as they do in <PREFIX>_PASSPHRASE. Empty output
// is an empty passphrase, which unlock rejects with the reference's
// "Empty passphrase" warning. Throws PassphraseCommandError; on a timeout
// or too much output the whole group gets SIGTERM, and SIGKILL a second
// later, before the error is thrown.
// WARNING: the output goes nowhere but the returned locked buffer; it is
// wiped, unused, when the helper fails.
[[nodiscard]] sys::SecureBuffer run_passphrase_command(const PassphraseCommand& command,
                                                       const Environment& env, std::string_view env_prefix);

// The poll(2) timeout run_passphrase_command waits with when `left` remains
// before its deadline: a millisecond more (so the deadline has passed when
// poll returns at its end), and at most an hour, after which it waits
// again: poll takes an int, and more than INT_MAX ms (24.8 days, less than
// the longest --passphrase-command-timeout) would wrap to a negative wait,
// which is forever.
[[nodiscard]] int poll_timeout(std::chrono::milliseconds left);

} // namespace pprotect::policy
