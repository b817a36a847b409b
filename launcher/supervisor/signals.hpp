#pragma once
// Signals: the start-up mask that loses none, stop requests before the child
// exists, and signal names.

#include <array>
#include <csignal>
#include <optional>
#include <signal.h>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace pprotect::supervisor {

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
  // Our parent when block_all ran: the process --exit-with-parent watches
  // (read first thing, before it could have died and left us to init).
  pid_t parent() const { return m_parent; }
  // Blocks the stop requests again: call right before starting the child.
  void hold_stop_requests() const;
  // Restores the original mask and dispositions (for commands that run no
  // child).
  void restore() const;

private:
  static constexpr std::array<int, 4> k_stop_requests{SIGTERM, SIGINT, SIGHUP, SIGQUIT};
  sigset_t m_original{};
  pid_t m_parent = 0;
  sigset_t m_stop_requests{}; // those whose disposition block_all replaced
  std::array<struct sigaction, k_stop_requests.size()> m_original_actions{};
};

// Parses a signal given as "TERM", "SIGTERM", "15" or "RTMIN+2"; nullopt
// when it names no signal.
std::optional<int> parse_signal(std::string_view text);

// "SIGTERM", "SIGRTMIN+2", or "signal N" for a number that names none.
std::string signal_name(int signal_number);

// TERM, INT, QUIT and HUP: their default action ends a process. After
// forwarding one, --stop-timeout arms the SIGKILL.
[[nodiscard]] bool is_stop_request(int signal_number);

// TSTP, TTIN and TTOU: the child (or its terminal) was told to stop.
[[nodiscard]] bool is_job_control_stop(int signal_number);

// kill(target, signal_number), with a warning on stderr when it fails for
// another reason than the target being gone already (ESRCH), as tini does:
// a signal the launcher meant to pass on must not be lost in silence.
void send_signal(pid_t target, int signal_number);

// sigqueue(pid, signal_number, value), warned about as send_signal.
void queue_signal(pid_t pid, int signal_number, const union sigval& value);

} // namespace pprotect::supervisor
