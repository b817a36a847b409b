#pragma once
// Starts the child and supervises it: signal forwarding, reaping, exit status.

#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include <signal.h>

namespace pprotect::launcher {

// Exit codes of the launcher's own failures, as env(1) and docker run use.
inline constexpr int k_exit_launcher_error = 125;
inline constexpr int k_exit_not_executable = 126;
inline constexpr int k_exit_not_found = 127;
inline constexpr int k_exit_timeout = 124;

// Blocks every signal; call first thing in main so none is lost before the
// child exists. Keeps the mask the process was started with, which the
// child gets back.
class StartupSignals {
public:
  static StartupSignals block_all();
  const sigset_t& original_mask() const { return m_original; }
  // Restores the original mask (for commands that run no child).
  void restore() const;

private:
  sigset_t m_original{};
};

enum class Mode { supervise, exec };

struct SupervisorOptions {
  Mode mode = Mode::supervise;        // --exec: replace the process
  bool signal_group = false;          // --signal-group
  int parent_death_signal = SIGTERM;  // --parent-death-signal
  std::optional<double> stop_timeout; // --stop-timeout SECONDS
  std::optional<double> timeout;      // --timeout DURATION
  std::optional<double> reap_descendants; // --reap-descendants SECONDS
  bool quiet = false;                 // --quiet
};

} // namespace pprotect::launcher
