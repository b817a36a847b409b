#pragma once
// Starts the child and supervises it: signal forwarding, reaping, exit
// status, restarts, reloads. A leaf: it knows nothing of the protected file
// or of credentials, only of a command, what each start of it gets, and how
// to watch over it.

#include "launcher/supervisor/output_filter.hpp"
#include "launcher/supervisor/restart.hpp"
#include "launcher/supervisor/signals.hpp"

#include <csignal>
#include <filesystem>
#include <optional>
#include <signal.h>
#include <string>
#include <vector>

namespace pprotect::supervisor {

enum class Mode { supervise, exec };

struct SupervisorOptions {
  Mode mode = Mode::supervise;                // --exec: replace the process
  bool signal_group = false;                  // --signal-group
  int parent_death_signal = SIGTERM;          // --parent-death-signal
  std::optional<double> stop_timeout;         // --stop-timeout SECONDS
  std::optional<double> timeout;              // --timeout DURATION
  std::optional<double> reap_descendants;     // --reap-descendants SECONDS
  bool quiet = false;                         // --quiet
  RestartOptions restart;                     // --restart, --max-restarts, --restart-delay
  std::optional<std::filesystem::path> watch; // --watch: the protected file
  int on_change_signal = 0;                   // --on-change signal:SIG; 0: restart
  int exit_with_parent = 0;                   // --exit-with-parent[=SIGNAL]; 0: off
  // --mask: the child's stdout and stderr pass through filters this makes
  // (output_relay.hpp), one relay for every child in turn; empty: they are
  // ours, inherited.
  OutputFilterFactory output_filter;
};

// What one start of the child gets. The entries of envp and the descriptors
// stay valid until the next prepare() or the end of supervise().
struct ChildLaunch {
  char** envp = nullptr;
  std::vector<int> kept_fds; // inherited as they are (secret files), ascending
};

enum class Reload { unchanged, changed };

// The launcher's side of each start: the supervisor asks for what the next
// child gets, says when it runs, and passes on changes of the watched file.
class ChildSource {
public:
  virtual ~ChildSource() = default;
  // Before each start (after the stop requests are held). Throws
  // std::exception, whose message is printed, when the child cannot start.
  virtual ChildLaunch prepare() = 0;
  // The child has exec'd with what prepare() gave: the place to wipe copies
  // that no later start needs.
  virtual void started() {}
  // --watch saw the file change: read it again. in_place (--on-change
  // signal:SIG): also give the running child its new secret files. A file
  // that no longer loads or no longer grants access is said here (once) and
  // is Reload::unchanged: the child keeps its secrets.
  virtual Reload reload(bool in_place) {
    (void)in_place;
    return Reload::unchanged;
  }
};

// Starts argv (argv[0] looked up in the launcher's own PATH, never envp's) as
// source prepares it, and supervises it as SupervisorOptions says. Returns
// the status to exit with: the last child's code, 128+N for death by signal
// N, 124 on --timeout, 126/127 when the command cannot be run, 125 when
// prepare() failed. Never writes to stdout; diagnostics go to stderr unless
// options.quiet.
int supervise(const std::vector<std::string>& argv, ChildSource& source, const SupervisorOptions& options,
              const StartupSignals& signals);

// --exec: replaces the process with argv (original signal mask restored, fds
// beyond 2 closed unless LISTEN_FDS or launch keeps them). Returns only on
// failure, with 126 or 127.
int exec_command(const std::vector<std::string>& argv, const ChildLaunch& launch,
                 const SupervisorOptions& options, const StartupSignals& signals);

} // namespace pprotect::supervisor
