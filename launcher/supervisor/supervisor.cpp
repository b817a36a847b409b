#include "launcher/supervisor/supervisor.hpp"

#include "launcher/supervisor/descendants.hpp"
#include "launcher/supervisor/diagnostics.hpp"
#include "launcher/supervisor/file_watch.hpp"
#include "launcher/supervisor/memory.hpp"
#include "launcher/supervisor/output_relay.hpp"
#include "launcher/supervisor/parent_watch.hpp"
#include "launcher/supervisor/spawn.hpp"
#include "sys/exit_status.hpp"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace pprotect::supervisor {

namespace asio = boost::asio;

namespace {

int exit_status_of(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return sys::exit_launcher_error;
}

// The wait status of a child that exited with code: what a start that
// failed counts as.
int exited_with(int code) {
  return (code & 0xff) << 8;
}

std::string describe_end(int status) {
  if (WIFSIGNALED(status)) {
    return "it was killed by " + signal_name(WTERMSIG(status));
  }
  return "it exited with status " + std::to_string(exit_status_of(status));
}

std::string seconds_text(std::chrono::steady_clock::duration duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  std::string text = std::to_string(std::round(seconds * 1000) / 1000);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') {
    text.pop_back();
  }
  return text + "s";
}

std::chrono::steady_clock::duration to_duration(double seconds) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(seconds));
}

// What a start of the child shares with every other: the resolved command,
// the terminal, the original mask.
struct Launch {
  ChildPlan plan;
  std::string command; // argv[0], for messages
};

// One start of the child on io (reactor-free: see spawn). Returns 0 and
// sets child, or the status to exit with when it could not be started (said
// on stderr already).
int start_child(Launch& launch, ChildSource& source, asio::io_context& io, pid_t& child) {
  ChildLaunch inputs;
  try {
    inputs = source.prepare();
  } catch (const std::exception& error) {
    print_launcher_error(error.what());
    return sys::exit_launcher_error;
  }
  ChildPlan& plan = launch.plan;
  if (const int code = set_child_inputs(plan, inputs.envp, inputs.kept_fds); code != 0) {
    return code;
  }
  // The terminal goes to the child when we hold it (see supervise).
  plan.take_terminal = plan.terminal_fd >= 0 && tcgetpgrp(plan.terminal_fd) == getpgrp();
  plan.failed_step = nullptr; // a restart's plan is the last one's
  boost::system::error_code ec;
  child = spawn(plan, io, ec);
  if (ec && plan.failed_step != nullptr) {
    // Our failure, not the command's: 125.
    print_launcher_error(std::string(plan.failed_step) + ": " + ec.message());
    return sys::exit_launcher_error;
  }
  if (ec) {
    const int code = ec.value() == ENOENT ? sys::exit_not_found : sys::exit_not_executable;
    print_launcher_error((code == sys::exit_not_found ? "command not found: " : "cannot run command: ") +
                         launch.command + " (" + ec.message() + ")");
    return code;
  }
  source.started();
  return 0;
}

// The supervisor proper: one child at a time, one signalfd, timers and
// watches, all on one io_context thread. Reaping is ours (waitpid(-1) on
// SIGCHLD), not Boost's: as PID 1 or subreaper we must reap orphans, and a
// waitpid(-1) would steal the status that basic_process::wait() looks for.
// So Boost.Process spawns and is detached at once; the status comes from our
// own reaping loop.
class Supervisor {
public:
  Supervisor(asio::io_context& io, const SupervisorOptions& options, int signal_fd, Launch& launch,
             ChildSource& source)
      : m_options(options), m_io(io), m_signals(m_io, signal_fd), m_timeout_timer(m_io), m_kill_timer(m_io),
        m_trim_timer(m_io), m_restart_timer(m_io), m_launch(launch), m_source(source),
        m_schedule(options.restart) {}

  // The child start_child started on our io_context.
  void started(pid_t child) {
    m_child = child;
    m_running = true;
    m_gave_terminal = m_launch.plan.take_terminal;
    m_started_at = std::chrono::steady_clock::now();
    m_kill_armed = false;
    m_kill_timer.cancel();
    m_expect_child_stop = false;
  }

  // Watches what the options ask to watch. Returns 0, or the status to exit
  // with (said on stderr already).
  int watch() {
    if (m_options.watch) {
      try {
        m_file_watch = std::make_unique<FileWatch>(m_io, *m_options.watch, [this] { on_file_changed(); });
      } catch (const std::exception& error) {
        print_launcher_error(std::string("--watch: ") + error.what());
        return sys::exit_launcher_error;
      }
    }
    if (m_options.exit_with_parent != 0) {
      m_parent_watch = std::make_unique<ParentWatch>(m_io, m_parent, [this] { on_parent_gone(); });
    }
    return 0;
  }

  void set_parent(pid_t parent) { m_parent = parent; }
  void set_relay(OutputRelay* relay) {
    m_relay = relay;
    if (m_relay != nullptr) {
      // From the relay's thread to ours.
      m_relay->on_suspend_key([this] { asio::post(m_io, [this] { suspend_from_terminal(); }); });
    }
  }
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  ~Supervisor() {
    if (m_relay != nullptr) {
      m_relay->on_suspend_key({}); // the relay may outlive us (and our io_context)
    }
  }

  // Runs until the last child has ended and none is to follow; returns its
  // exit status.
  int run() {
    // Anything that arrived before the child existed is pending on the
    // signalfd and gets forwarded by the first read.
    read_signals();
    if (m_relay != nullptr) {
      if (!m_relay->resume_terminal()) {
        stop_self(); // started in the background: until `fg`
      }
      // Once the terminal is raw: the child's first bytes find it so.
      m_relay->start();
    }
    if (m_options.timeout) {
      m_timeout_timer.expires_after(to_duration(*m_options.timeout));
      m_timeout_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
          on_timeout();
        }
      });
    }
    // A child that runs for more than a moment gets a small supervisor:
    // short-lived ones (a CI step's `true`) never pay for the trimming.
    m_trim_timer.expires_after(k_trim_delay);
    m_trim_timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && !m_finished) {
        release_memory();
      }
    });
    reap(); // the child may have ended already
    if (!m_finished) {
      m_io.run();
    }
    give_terminal_back();
    if (m_timed_out) {
      return sys::exit_timeout;
    }
    return exit_status_of(m_status);
  }

  int signal_fd() { return m_signals.native_handle(); }

private:
  Quiet quiet() const { return m_options.quiet ? Quiet::yes : Quiet::no; }

  // Where forwarded signals go: the child, or its whole process group.
  pid_t target() const { return m_options.signal_group ? -m_child : m_child; }

  // A signal that ends the supervision: the child gets it and is never
  // started again. HUP is not one when --on-change passes HUP on.
  bool ends_supervision(int signal) const {
    return is_stop_request(signal) && !(signal == SIGHUP && m_options.on_change_signal == SIGHUP);
  }

  void finish() {
    m_finished = true;
    m_io.stop();
  }

  void read_signals() {
    m_signals.async_read_some(asio::buffer(m_buffer),
                              [this](const boost::system::error_code& ec, std::size_t size) {
                                if (ec == asio::error::operation_aborted) {
                                  return;
                                }
                                if (!ec) {
                                  for (std::size_t i = 0; i < size / sizeof(signalfd_siginfo); ++i) {
                                    on_signal(m_buffer[i]);
                                  }
                                } else if (ec != asio::error::would_block && ec != asio::error::try_again &&
                                           ec != asio::error::interrupted) {
                                  print_launcher_error("cannot read signals: " + ec.message());
                                }
                                if (!m_finished) {
                                  read_signals();
                                }
                              });
  }

  void on_signal(const signalfd_siginfo& info) {
    const int signal = static_cast<int>(info.ssi_signo);
    if (signal == SIGCHLD) {
      reap();
      return;
    }
    // A signal we raised ourselves (SIGPIPE from writing to a closed stderr,
    // for one) is not the outside world talking to the child.
    if (static_cast<pid_t>(info.ssi_pid) == getpid() && info.ssi_code == SI_USER) {
      return;
    }
    if (m_finished) {
      return;
    }
    if (signal == SIGWINCH && m_relay != nullptr) {
      m_relay->window_changed(); // the new size first, then the signal
    }
    if (!m_running) {
      // Between two children (a restart's back-off): nobody to pass a
      // signal to, but a stop request still ends it all.
      if (ends_supervision(signal)) {
        m_stopping = true;
        finish();
      }
      return;
    }
    if (signal == SIGCONT) {
      // A relay of the terminal (--mask) continued in the background (`bg`)
      // stops again at once, and its stopped child stays stopped.
      if (m_relay != nullptr && !m_relay->resume_terminal()) {
        stop_self();
        return;
      }
      // We were continued: by `fg` (the terminal is ours again: hand it to
      // the child's group) or `bg` (it is not: leave it), then wake the
      // whole job up. A job started in the background gets the terminal
      // this way too, once brought to the foreground.
      if (m_launch.plan.terminal_fd >= 0 && tcgetpgrp(m_launch.plan.terminal_fd) == getpgrp()) {
        tcsetpgrp(m_launch.plan.terminal_fd, m_child);
        m_gave_terminal = true;
      }
      send_signal(-m_child, SIGCONT);
      send_signal(m_child, SIGCONT); // in case it left its group
      return;
    }
    if (info.ssi_code == SI_QUEUE) {
      // Keep the value a sigqueue(3) sender attached.
      union sigval value {};
      value.sival_int = info.ssi_int;
      if (m_options.signal_group) {
        send_signal(target(), signal);
      } else {
        queue_signal(m_child, signal, value);
      }
    } else {
      send_signal(target(), signal);
    }
    if (is_job_control_stop(signal)) {
      // The child's stop report that follows must not stop us twice (PID 1
      // does not stop: see stop_self).
      m_expect_child_stop = getpid() != 1;
      stop_self();
    } else if (ends_supervision(signal)) {
      m_stopping = true;
      arm_kill_timer(m_options.stop_timeout);
    }
  }

  // Job control: the child (or its terminal) was told to stop, so we stop
  // too; the shell that runs us then sees its job stopped and gives its
  // prompt back. SIGSTOP because every other stop signal is blocked here.
  void stop_self() {
    if (getpid() == 1) {
      // PID 1 cannot stop (the kernel drops its own SIGSTOP), and nobody
      // would continue the child: Ctrl-Z in `docker run -it` is ignored.
      send_signal(-m_child, SIGCONT);
      send_signal(m_child, SIGCONT);
      return;
    }
    give_terminal_back();
    if (m_relay != nullptr) {
      m_relay->suspend_terminal();
    }
    send_signal(getpid(), SIGSTOP);
    // Continued: the SIGCONT that woke us is pending on the signalfd and is
    // passed on to the child by on_signal.
  }

  // Ctrl-Z in the child's pseudo-terminal (--mask), with the child's own
  // group in its foreground: the kernel does not stop an orphaned group on
  // SIGTSTP, so we stop it as the terminal would have, and ourselves with
  // it, as without --mask.
  void suspend_from_terminal() {
    if (m_finished || !m_running) {
      return;
    }
    send_signal(-m_child, SIGSTOP);
    m_expect_child_stop = getpid() != 1;
    stop_self();
  }

  // Only what we gave: a launcher in the background must not take the
  // terminal from the shell in the foreground.
  void give_terminal_back() {
    if (!m_gave_terminal) {
      return;
    }
    m_gave_terminal = false;
    // The foreground may be the child's group or one of its jobs' (bash -i).
    if (tcgetpgrp(m_launch.plan.terminal_fd) != getpgrp()) {
      // SIGTTOU is blocked, so this works from a background group.
      tcsetpgrp(m_launch.plan.terminal_fd, getpgrp());
    }
  }

  void arm_kill_timer(const std::optional<double>& seconds) {
    if (!seconds || m_kill_armed) {
      return;
    }
    m_kill_armed = true;
    m_kill_timer.expires_after(to_duration(*seconds));
    m_kill_timer.async_wait([this, child = m_child](const boost::system::error_code& ec) {
      if (!ec && !m_finished && m_running && child == m_child) {
        print_notice(quiet(), "the child did not stop in time; sending SIGKILL to its process group");
        send_signal(-m_child, SIGKILL);
        send_signal(m_child, SIGKILL); // in case it left its group
      }
    });
  }

  // Ends the supervision as a stop request would: signal the child, give it
  // the stop timeout (or kill_after) to go, never start another.
  void stop_for_good(int signal, double kill_after) {
    m_stopping = true;
    m_restart_timer.cancel();
    if (!m_running) {
      finish();
      return;
    }
    send_signal(target(), signal);
    if (!m_options.signal_group) {
      send_signal(m_child, SIGCONT); // a stopped child could not act on it
    }
    arm_kill_timer(m_options.stop_timeout.value_or(kill_after));
  }

  void on_timeout() {
    if (m_finished) {
      return;
    }
    m_timed_out = true;
    print_notice(quiet(), "timeout reached; sending SIGTERM to the child");
    // Like timeout(1) -k: a deadline needs a hard end too.
    stop_for_good(SIGTERM, k_default_kill_after);
  }

  void on_parent_gone() {
    if (m_finished || m_stopping) {
      return;
    }
    print_notice(quiet(), m_running ? "the launcher's parent is gone; sending " +
                                          signal_name(m_options.exit_with_parent) + " to the child"
                                    : std::string("the launcher's parent is gone; no restart"));
    // Nobody is left to stop us: a child that ignores the signal is killed
    // after the stop timeout, 10 s by default.
    stop_for_good(m_options.exit_with_parent, k_default_kill_after);
  }

  void on_file_changed() {
    if (m_finished || m_stopping) {
      return;
    }
    const bool in_place = m_options.on_change_signal != 0;
    if (m_source.reload(in_place) == Reload::unchanged) {
      return;
    }
    if (!m_running) {
      return; // the next start (after the back-off) takes the new secrets
    }
    const std::string file = m_options.watch->filename().string();
    if (in_place) {
      print_notice(quiet(), file + " changed; sending " + signal_name(m_options.on_change_signal) +
                                " to the child, whose secret files are rewritten");
      send_signal(target(), m_options.on_change_signal);
      return;
    }
    print_notice(quiet(), file + " changed; restarting the child with its new secrets");
    m_restart_on_exit = true;
    send_signal(target(), SIGTERM);
    if (!m_options.signal_group) {
      send_signal(m_child, SIGCONT);
    }
    arm_kill_timer(m_options.stop_timeout.value_or(k_default_kill_after));
  }

  // The child has ended with m_status: start the next one, now or after
  // the back-off, or end.
  void on_child_ended() {
    if (m_stopping) {
      finish();
      return;
    }
    if (m_restart_on_exit) {
      m_restart_on_exit = false;
      output_of_ended_child();
      start_again();
      return;
    }
    const auto ran = std::chrono::steady_clock::now() - m_started_at;
    const auto delay = m_schedule.next(m_status, ran);
    if (!delay) {
      if (m_options.restart.when != RestartWhen::no && !m_schedule.refusal().empty()) {
        print_notice(quiet(),
                     "not restarting the child: " + describe_end(m_status) + ", and " + m_schedule.refusal());
      }
      finish();
      return;
    }
    std::string count = "restart " + std::to_string(m_schedule.restarts());
    if (m_schedule.limit()) {
      count += " of " + std::to_string(*m_schedule.limit());
    }
    output_of_ended_child();
    print_notice(quiet(), "restarting the child in " + seconds_text(*delay) + ": " + describe_end(m_status) +
                              " (" + count + ")");
    m_restart_timer.expires_after(*delay);
    m_restart_timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && !m_finished) {
        start_again();
      }
    });
  }

  // Before another child starts, and before our notice of it: every byte
  // the ended one wrote, the tail --mask held back included (the start of
  // what might have been a secret: the child's last words otherwise wait
  // for the next child's output, after the delay, glued to it). A wait of
  // RelayTimes::child_end at most.
  void output_of_ended_child() {
    if (m_relay != nullptr) {
      (void)m_relay->child_ended();
    }
  }

  void start_again() {
    if (m_stopping) {
      finish();
      return;
    }
    // Our io_context has a reactor by now: each restart spawns on one of
    // its own.
    asio::io_context spawn_io{1};
    pid_t child = 0;
    if (const int code = start_child(m_launch, m_source, spawn_io, child); code == 0) {
      started(child);
    } else {
      // A start that fails is a child that failed: the schedule decides.
      m_status = exited_with(code);
      m_started_at = std::chrono::steady_clock::now();
      on_child_ended();
    }
  }

  // Reaps every child that has ended: the main one, and as PID 1 or
  // subreaper every orphan handed to us.
  void reap() {
    for (;;) {
      int status = 0;
      const pid_t pid = waitpid(-1, &status, WNOHANG | WUNTRACED);
      if (pid <= 0) {
        if (pid < 0 && errno == EINTR) {
          continue;
        }
        break;
      }
      if (!m_running || pid != m_child) {
        continue;
      }
      if (WIFSTOPPED(status)) {
        const int stop_signal = WSTOPSIG(status);
        const int terminal = m_launch.plan.terminal_fd;
        if (m_expect_child_stop) {
          m_expect_child_stop = false;
        } else if ((stop_signal == SIGTTIN || stop_signal == SIGTTOU) && terminal >= 0 &&
                   tcgetpgrp(terminal) == getpgrp()) {
          // It touched the terminal from the background, but the terminal
          // is ours by now (`fg` came while it started): it is the
          // child's. Stopping ourselves here would leave that `fg` unseen.
          tcsetpgrp(terminal, m_child);
          m_gave_terminal = true;
          send_signal(-m_child, SIGCONT);
        } else if (is_job_control_stop(stop_signal)) {
          stop_self();
        }
        continue;
      }
      m_status = status;
      m_running = false;
      give_terminal_back();
      on_child_ended();
      if (m_finished) {
        return;
      }
    }
  }

  static constexpr double k_default_kill_after = 10.0;
  static constexpr std::chrono::milliseconds k_trim_delay{20};

  const SupervisorOptions& m_options;
  asio::io_context& m_io;
  asio::posix::stream_descriptor m_signals;
  asio::steady_timer m_timeout_timer;
  asio::steady_timer m_kill_timer;
  asio::steady_timer m_trim_timer;
  asio::steady_timer m_restart_timer;
  std::unique_ptr<FileWatch> m_file_watch;
  std::unique_ptr<ParentWatch> m_parent_watch;
  Launch& m_launch;
  ChildSource& m_source;
  RestartSchedule m_schedule;
  std::array<signalfd_siginfo, 16> m_buffer{};
  pid_t m_parent = 0;
  OutputRelay* m_relay = nullptr;
  pid_t m_child = 0;
  bool m_running = false;
  std::chrono::steady_clock::time_point m_started_at{};
  bool m_gave_terminal = false; // the child's group is (or was made) the terminal's foreground
  bool m_finished = false;
  bool m_stopping = false;        // no child is started again
  bool m_restart_on_exit = false; // --watch: the child was stopped to take new secrets
  bool m_timed_out = false;
  bool m_kill_armed = false;
  bool m_expect_child_stop = false;
  int m_status = 0;
};

} // namespace

int supervise(const std::vector<std::string>& argv, ChildSource& source, const SupervisorOptions& options,
              const StartupSignals& signals) {
  Launch launch;
  if (int code = prepare_plan(launch.plan, argv, options.parent_death_signal, signals.original_mask());
      code != 0) {
    return code;
  }
  launch.command = argv.front();
  // As PID 1 orphans come to us anyway; elsewhere ask for them, so that the
  // child's orphans are reaped too instead of going to the real init.
  if (getpid() != 1) {
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  }
  // Every catchable signal, read in order from one descriptor: they stay
  // blocked (since main), so nothing is lost between start-up and here.
  sigset_t catchable;
  sigfillset(&catchable);
  const int signal_fd = signalfd(-1, &catchable, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) {
    print_launcher_error(std::string("cannot create a signalfd: ") + std::strerror(errno));
    return sys::exit_launcher_error;
  }

  // The terminal goes to the child when we hold it: Ctrl-C then reaches the
  // child's group (once), and the child can do job control of its own.
  // Stdin first, but stdout or stderr will do: `producer | pprotect-run --
  // ssh host` must still let ssh prompt on the terminal, which it can do
  // only from the foreground group.
  launch.plan.terminal_fd = -1;
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (isatty(fd) == 1 && tcgetpgrp(fd) != -1) { // -1: not our controlling terminal
      launch.plan.terminal_fd = fd;
      break;
    }
  }

  // --mask: the child's output comes to us through pipes or a
  // pseudo-terminal. A child in a pseudo-terminal has a session and a
  // terminal of its own: ours stays with us.
  std::optional<OutputRelay> relay;
  if (options.output_filter) {
    try {
      relay.emplace(options.output_filter, options.quiet ? Quiet::yes : Quiet::no);
    } catch (const std::exception& error) {
      close(signal_fd);
      print_launcher_error(std::string("cannot relay the child's output: ") + error.what());
      return sys::exit_launcher_error;
    }
    launch.plan.stdio = relay->child_stdio();
    if (relay->has_terminal()) {
      launch.plan.terminal_fd = -1;
    }
  }

  // We wait with waitpid: a SIGCHLD left ignored by whoever started us would
  // make the kernel reap for us. The child gets the disposition back.
  struct sigaction chld {};
  if (sigaction(SIGCHLD, nullptr, &chld) == 0 && chld.sa_handler == SIG_IGN) {
    launch.plan.restore_sigchld_ignored = true;
    chld.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &chld, nullptr);
  }

  // One io_context for the first spawn and the supervision: it has no
  // reactor yet at fork time (see spawn). Unless watches must be set up
  // before the child starts (their failure is ours, 125, with no child
  // started): then the first spawn has an io_context of its own too.
  asio::io_context io{1};
  std::optional<Supervisor> supervisor;
  const auto make_supervisor = [&] {
    supervisor.emplace(io, options, signal_fd, launch, source);
    supervisor->set_parent(signals.parent());
    supervisor->set_relay(relay ? &*relay : nullptr);
  };
  if (options.watch || options.exit_with_parent != 0) {
    make_supervisor();
    if (const int code = supervisor->watch(); code != 0) {
      return code; // the signalfd goes with the supervisor
    }
    // Gone while we derived a key or prompted: as a stop request that came
    // before the child, nothing is started.
    if (options.exit_with_parent != 0 && parent_is_gone(signals.parent())) {
      print_notice(options.quiet ? Quiet::yes : Quiet::no,
                   "the launcher's parent is gone; not starting the child");
      return 128 + options.exit_with_parent;
    }
  }
  // From here on a stop request is the child's: pending until the
  // supervisor reads it and forwards it.
  signals.hold_stop_requests();
  pid_t child = 0;
  int code = 0;
  if (supervisor) {
    asio::io_context spawn_io{1};
    code = start_child(launch, source, spawn_io, child);
  } else {
    code = start_child(launch, source, io, child);
  }
  if (code != 0) {
    if (!supervisor) {
      close(signal_fd);
    }
    return code;
  }
  if (!supervisor) {
    make_supervisor();
  }
  supervisor->started(child);
  int status = 0;
  {
    status = supervisor->run();
    if (options.reap_descendants) {
      reap_descendants(*options.reap_descendants, supervisor->signal_fd());
    }
    if (relay) {
      relay->finish(supervisor->signal_fd()); // every byte the children wrote, then the terminal's mode
    }
  }
  supervisor.reset(); // closes the signalfd
  return status;
}

int exec_command(const std::vector<std::string>& argv, const ChildLaunch& launch_inputs,
                 const SupervisorOptions& options, const StartupSignals& signals) {
  ChildPlan plan;
  if (int code = prepare_plan(plan, argv, options.parent_death_signal, signals.original_mask()); code != 0) {
    return code;
  }
  if (int code = set_child_inputs(plan, launch_inputs.envp, launch_inputs.kept_fds); code != 0) {
    return code;
  }
  plan.exec_in_place = true;
  // A stop request from here on arrives when prepare_exec restores the
  // original mask: it still ends us with 128+N, before the command runs.
  signals.hold_stop_requests();
  std::vector<const char*> child_argv;
  child_argv.reserve(argv.size() + 1);
  for (const auto& arg : argv) {
    child_argv.push_back(arg.c_str());
  }
  child_argv.push_back(nullptr);
  if (int error = prepare_exec(plan, getpid()); error != 0) {
    print_launcher_error(
        std::string(plan.failed_step != nullptr ? plan.failed_step : "cannot prepare the command") + ": " +
        std::strerror(error));
    return sys::exit_launcher_error;
  }
  execve(plan.executable.c_str(), const_cast<char* const*>(child_argv.data()),
         const_cast<char* const*>(plan.envp.data()));
  const int error = errno;
  // Back to the supervisor's mask, for whatever the caller does next.
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  print_launcher_error((error == ENOENT ? "command not found: " : "cannot run command: ") + argv.front() +
                       " (" + std::strerror(error) + ")");
  return error == ENOENT ? sys::exit_not_found : sys::exit_not_executable;
}

} // namespace pprotect::supervisor
