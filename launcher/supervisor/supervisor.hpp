#pragma once
// Starts the child and supervises it: signal forwarding, reaping, exit
// status. A leaf: it knows nothing of the protected file or of credentials,
// only of a command, an environment and how to watch over them.

#include "launcher/supervisor/signals.hpp"

#include <csignal>
#include <functional>
#include <optional>
#include <signal.h>
#include <string>
#include <vector>

namespace pprotect::supervisor {

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

} // namespace pprotect::supervisor
