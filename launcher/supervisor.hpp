#pragma once
// Starts the child and supervises it: signal forwarding, reaping, exit status.

#include <array>
#include <csignal>
#include <functional>
#include <optional>
#include <signal.h>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::launcher {

// Exit codes of the launcher's own failures, as env(1) and docker run use.
inline constexpr int k_exit_launcher_error = 125;
inline constexpr int k_exit_not_executable = 126;
inline constexpr int k_exit_not_found = 127;
inline constexpr int k_exit_timeout = 124;

// Blocks every signal; call first thing in main so none is lost before the
// child exists. Keeps the mask the process was started with, which the
// child gets back.
//
// The exception are stop requests before the child exists: SIGTERM, SIGINT,
// SIGHUP and SIGQUIT end the launcher at once, with 128+N, while it opens
// the file, reads a passphrase, derives a key or waits at a prompt. There is
// no child to give them to yet, and `timeout`, `docker stop` or systemd
// must not wait out their grace period for a launcher that would only start
// the child to kill it. A stop request the launcher was started with
// ignored stays ignored (and blocked). hold_stop_requests() ends this, just
// before the child starts: from then on they wait for it, as all others do.
class StartupSignals {
public:
  static StartupSignals block_all();
  const sigset_t& original_mask() const { return m_original; }
  // Blocks the stop requests again: call right before starting the child.
  void hold_stop_requests() const;
  // Restores the original mask and dispositions (for commands that run no
  // child).
  void restore() const;

private:
  static constexpr std::array<int, 4> k_stop_requests{SIGTERM, SIGINT, SIGHUP, SIGQUIT};
  sigset_t m_original{};
  sigset_t m_stop_requests{}; // those whose disposition block_all replaced
  std::array<struct sigaction, k_stop_requests.size()> m_original_actions{};
};

enum class Mode { supervise, exec };

struct SupervisorOptions {
  Mode mode = Mode::supervise;            // --exec: replace the process
  bool signal_group = false;              // --signal-group
  int parent_death_signal = SIGTERM;      // --parent-death-signal
  std::optional<double> stop_timeout;     // --stop-timeout SECONDS
  std::optional<double> timeout;          // --timeout DURATION
  std::optional<double> reap_descendants; // --reap-descendants SECONDS
  bool quiet = false;                     // --quiet
};

// Called in the launcher once the child has started (it has exec'd), before
// the supervisor waits: the place to wipe the launcher's copies of secrets.
using ChildStarted = std::function<void()>;

// Starts argv (argv[0] looked up in the launcher's own PATH, never envp's) with
// the environment envp and supervises it as SupervisorOptions says. Returns the
// status to exit with: the child's code, 128+N for death by signal N, 124 on
// --timeout, 126/127 when the command cannot be run. Never writes to stdout;
// diagnostics go to stderr unless options.quiet.
int supervise(const std::vector<std::string>& argv, char** envp, const SupervisorOptions& options,
              const StartupSignals& signals, const ChildStarted& on_started = {});

// --exec: replaces the process with argv (original signal mask restored, fds
// beyond 2 closed unless LISTEN_FDS keeps them). Returns only on failure, with
// 126 or 127.
int exec_command(const std::vector<std::string>& argv, char** envp, const SupervisorOptions& options,
                 const StartupSignals& signals);

// Parses a signal given as "TERM", "SIGTERM", "15" or "RTMIN+2"; nullopt
// when it names no signal.
std::optional<int> parse_signal(std::string_view text);

// The longest duration any option takes: about 31.7 years, far below what
// a steady_clock deadline in nanoseconds can hold (292 years).
inline constexpr double k_max_duration_seconds = 1e9;

// Parses a duration as timeout(1) does: a number with an optional suffix s,
// m, h or d. nullopt when malformed, negative, or longer than
// k_max_duration_seconds once the suffix is applied.
std::optional<double> parse_duration(std::string_view text);

// Marks the launcher non-dumpable (PR_SET_DUMPABLE 0: no core, no ptrace or
// /proc/<pid>/environ for other users) and sets its core limit to 0; the
// child gets the original limit back. Call before any secret is read.
void harden_launcher();

// Prints "pprotect-run: error: <message>" as one line on stderr.
void print_launcher_error(std::string_view message);

} // namespace pprotect::launcher
