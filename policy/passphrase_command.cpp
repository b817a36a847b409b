#include "policy/passphrase_command.hpp"

#include "sys/file_descriptor.hpp"
#include "sys/secret_read.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <linux/close_range.h>
#include <optional>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace pprotect::policy {

namespace {

using Clock = std::chrono::steady_clock;
using Reason = PassphraseCommandError::Reason;

constexpr const char* k_shell = "/bin/sh";
// How long a helper told to stop (SIGTERM) has before SIGKILL.
constexpr std::chrono::milliseconds k_kill_grace{1000};
// Without a pidfd (Linux before 5.3, or a filter that refuses it), how often
// the helper's exit is looked for.
constexpr std::chrono::milliseconds k_exit_poll_interval{5};

std::string with_source(std::string message, const PassphraseCommand& command) {
  if (!command.source.empty()) {
    message += " (from " + command.source + ")";
  }
  return message;
}

[[noreturn]] void fail(Reason reason, int value, const std::string& what, const PassphraseCommand& command) {
  throw PassphraseCommandError(reason, value, with_source("passphrase command " + what, command));
}

// "30 s", "0.3 s", "1.25 s".
std::string seconds_text(std::chrono::milliseconds duration) {
  const auto milliseconds = duration.count();
  std::string text = std::to_string(milliseconds / 1000);
  if (const auto fraction = milliseconds % 1000; fraction != 0) {
    std::string digits = std::to_string(1000 + fraction).substr(1);
    while (digits.back() == '0') {
      digits.pop_back();
    }
    text += "." + digits;
  }
  return text + " s";
}

bool has_name(const std::string& entry, std::string_view name) {
  return entry.size() > name.size() && entry[name.size()] == '=' && entry.compare(0, name.size(), name) == 0;
}

// Our descriptors for the helper's pipes must not be 0, 1 or 2: the child's
// dup2 onto those would replace them.
sys::FileDescriptor above_stdio(int fd) {
  if (fd > STDERR_FILENO) {
    return sys::FileDescriptor(fd);
  }
  sys::FileDescriptor low(fd);
  return sys::FileDescriptor(::fcntl(low.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
}

// A close-on-exec pipe whose ends are above 2; 0 or the errno.
int make_pipe(sys::FileDescriptor& read_end, sys::FileDescriptor& write_end) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    return errno;
  }
  read_end = above_stdio(ends[0]);
  write_end = above_stdio(ends[1]);
  return read_end.valid() && write_end.valid() ? 0 : errno;
}

// While it lives, SIGCHLD is at its default action: ignored (inherited so
// from whoever started us), the kernel would reap the helper itself and its
// status would be lost.
class SigchldNotIgnored {
public:
  SigchldNotIgnored() {
    if (::sigaction(SIGCHLD, nullptr, &m_before) == 0 &&
        (m_before.sa_handler == SIG_IGN || (m_before.sa_flags & SA_NOCLDWAIT) != 0)) {
      struct sigaction default_action {};
      default_action.sa_handler = SIG_DFL;
      m_changed = ::sigaction(SIGCHLD, &default_action, nullptr) == 0;
    }
  }
  ~SigchldNotIgnored() {
    if (m_changed) {
      (void)::sigaction(SIGCHLD, &m_before, nullptr);
    }
  }
  SigchldNotIgnored(const SigchldNotIgnored&) = delete;
  SigchldNotIgnored& operator=(const SigchldNotIgnored&) = delete;

private:
  struct sigaction m_before {};
  bool m_changed = false;
};

// The kernel's signal numbers run 1-64, and its sigset_t is 64 bits.
constexpr int k_kernel_signals = 64;
constexpr std::size_t k_kernel_sigset_size = 8;

// Marks every descriptor from first on close-on-exec (closing them now would
// close the exec-error pipe too); on kernels before 5.11, closes them all
// but keep.
void close_on_exec_from(int first, int keep) {
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
    return;
  }
  rlimit limit{};
  rlim_t last = 65536;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    last = limit.rlim_cur;
  }
  for (rlim_t fd = static_cast<rlim_t>(first); fd < last; ++fd) {
    if (static_cast<int>(fd) != keep) {
      (void)::close(static_cast<int>(fd));
    }
  }
}

// The child's side of spawn_helper, from fork to exec.
// WARNING: plain system calls only, no allocation: the parent may have had
// other threads, whose locks the child inherits held.
[[noreturn]] void exec_helper(char* const argv[], char* const envp[], int stdout_fd, int terminal_fd,
                              int error_fd, pid_t parent) {
  // A group of its own, set from this side too: it exists before the
  // command runs, whatever the parent does first.
  (void)::setpgid(0, 0);
  // If we die meanwhile (pprotect-run ends at once on SIGTERM before its
  // child exists), no one reads the output: the helper goes too. The
  // parent may have died before prctl, then no signal would come.
  (void)::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (::getppid() != parent) {
    ::_exit(127);
  }
  if (terminal_fd >= 0) {
    // Before exec, so that nothing the helper writes or reads comes first.
    // Every signal is blocked still: no SIGTTOU stops us.
    (void)::tcsetpgrp(terminal_fd, ::getpid());
  }
  // Every signal at its default action (a handler goes at exec anyway, an
  // ignored signal would stay ignored), then none blocked: pprotect-run
  // blocks them all. Raw system calls, for glibc's sigaction refuses its own
  // two (32 and 33), which posix_spawn leaves ignored. A kernel sigaction of
  // zeros is SIG_DFL with no flags and an empty mask, on every architecture.
  const unsigned char default_action[64] = {};
  for (int signal_number = 1; signal_number <= k_kernel_signals; ++signal_number) {
    if (signal_number != SIGKILL && signal_number != SIGSTOP) {
      (void)::syscall(SYS_rt_sigaction, signal_number, default_action, nullptr, k_kernel_sigset_size);
    }
  }
  const unsigned char no_signals[k_kernel_sigset_size] = {};
  (void)::syscall(SYS_rt_sigprocmask, SIG_SETMASK, no_signals, nullptr, k_kernel_sigset_size);
  // stdin /dev/null, stdout the pipe, stderr ours, nothing else: the
  // launcher may hold sockets (LISTEN_FDS) that are not close-on-exec.
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(stdout_fd, STDOUT_FILENO) < 0) {
    const int error = errno;
    (void)::write(error_fd, &error, sizeof error);
    ::_exit(127);
  }
  close_on_exec_from(STDERR_FILENO + 1, error_fd);
  ::execve(k_shell, argv, envp);
  const int error = errno;
  (void)::write(error_fd, &error, sizeof error);
  ::_exit(127);
}

// Starts /bin/sh -c with stdout on stdout_fd, in the foreground of the
// terminal open as terminal_fd unless that is -1; returns its pid, or -1
// with error set (exec's errno when /bin/sh could not be run).
// fork, not posix_spawn: glibc's posix_spawn leaves its internal signals
// ignored in the child, and ignored signals survive exec. The helper runs
// before any secret is decrypted, while the process is small: copying its
// page tables costs little.
pid_t spawn_helper(char* const argv[], char* const envp[], int stdout_fd, int terminal_fd, int& error) {
  sys::FileDescriptor error_read;
  sys::FileDescriptor error_write;
  if ((error = make_pipe(error_read, error_write)) != 0) {
    return -1;
  }
  // No handler of ours may run in the child before its dispositions are
  // reset.
  sigset_t all;
  sigset_t before;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &before);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    exec_helper(argv, envp, stdout_fd, terminal_fd, error_write.get(), parent);
  }
  error = errno;
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  if (pid < 0) {
    return -1;
  }
  // The parent's side of setpgid: EACCES once the child has exec'd, which
  // is fine, it did it itself before.
  (void)::setpgid(pid, pid);
  error_write.reset();
  int exec_error = 0;
  ssize_t got = 0;
  do {
    got = ::read(error_read.get(), &exec_error, sizeof exec_error);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof exec_error)) {
    siginfo_t ignored{};
    (void)::waitid(P_PID, static_cast<id_t>(pid), &ignored, WEXITED);
    error = exec_error;
    return -1;
  }
  return pid;
}

// Runs with SIGTTOU blocked in this thread: tcsetpgrp from a background
// group would otherwise stop the whole process.
int set_foreground(int tty, pid_t group) {
  sigset_t ttou;
  sigset_t before;
  sigemptyset(&ttou);
  sigaddset(&ttou, SIGTTOU);
  ::pthread_sigmask(SIG_BLOCK, &ttou, &before);
  const int result = ::tcsetpgrp(tty, group);
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  return result;
}

// While the helper runs, its group holds the terminal's foreground, if ours
// held it: a helper reading /dev/tty in a background group would be stopped
// (SIGTTIN) until the timeout killed it, and Ctrl-C would not reach it.
class ForegroundHandover {
public:
  ForegroundHandover() {
    m_tty = sys::FileDescriptor(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (m_tty.valid() && ::tcgetpgrp(m_tty.get()) != ::getpgrp()) {
      m_tty.reset(); // a background job, or no terminal: nothing to hand over
    }
  }
  // Takes the foreground back, also from a helper that took it and then
  // failed to exec.
  ~ForegroundHandover() {
    if (m_tty.valid()) {
      (void)set_foreground(m_tty.get(), ::getpgrp());
    }
  }
  ForegroundHandover(const ForegroundHandover&) = delete;
  ForegroundHandover& operator=(const ForegroundHandover&) = delete;

  // The terminal for the helper to take (it does so before exec), or -1.
  int terminal_fd() const { return m_tty.get(); }
  // Our side of it, as for setpgid: whichever comes first.
  void hand_to(pid_t helper_group) const {
    if (m_tty.valid()) {
      (void)set_foreground(m_tty.get(), helper_group);
    }
  }

private:
  sys::FileDescriptor m_tty;
};

// The helper process, watched by its pid only (never waitpid(-1): the
// launcher's supervisor reaps its own children).
class HelperProcess {
public:
  explicit HelperProcess(pid_t pid) : m_pid(pid) {
    // A pidfd wakes poll when the helper exits, without reaping it.
    m_pidfd = sys::FileDescriptor(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  }
  ~HelperProcess() {
    if (!m_reaped) {
      kill_group();
      (void)reap();
    }
  }
  HelperProcess(const HelperProcess&) = delete;
  HelperProcess& operator=(const HelperProcess&) = delete;

  pid_t pid() const { return m_pid; }
  int pidfd() const { return m_pidfd.get(); }

  // True once the helper has exited (it stays unreaped: its pid, and so its
  // process group's id, cannot be reused meanwhile).
  bool exited() const {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      return errno != EINTR; // ECHILD: reaped already, by the kernel
    }
    return info.si_pid == m_pid;
  }

  // Waits until it has exited or the deadline passed.
  bool wait_exit(Clock::time_point deadline) const {
    for (;;) {
      if (exited()) {
        return true;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        return false;
      }
      if (m_pidfd.valid()) {
        pollfd watch{m_pidfd.get(), POLLIN, 0};
        (void)::poll(&watch, 1, poll_timeout(left));
      } else {
        ::usleep(static_cast<useconds_t>(std::min(left, k_exit_poll_interval).count() * 1000));
      }
    }
  }

  // SIGTERM to the group (SIGCONT too: a stopped helper would not act on
  // it), SIGKILL after the grace period or as soon as the helper is gone,
  // to whatever of its group is left. Sent while the helper is unreaped, so
  // the group's id still names its group.
  void kill_group() const {
    (void)::kill(-m_pid, SIGTERM);
    (void)::kill(-m_pid, SIGCONT);
    (void)wait_exit(Clock::now() + k_kill_grace);
    (void)::kill(-m_pid, SIGKILL);
  }

  // Waits for it and returns how it ended; nullopt when that cannot be known
  // (SIGCHLD ignored: the kernel reaped it).
  std::optional<siginfo_t> reap() {
    siginfo_t info{};
    int result = 0;
    do {
      result = ::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED);
    } while (result != 0 && errno == EINTR);
    m_reaped = true;
    if (result != 0) {
      return std::nullopt;
    }
    return info;
  }

private:
  pid_t m_pid;
  sys::FileDescriptor m_pidfd;
  bool m_reaped = false;
};

// Reads what is in the pipe now, without waiting: returns 0 at its end,
// -EAGAIN when it holds nothing more for now, -EFBIG over the bound, or
// -errno.
long drain(sys::SecureReadBuffer& output, int fd) {
  for (;;) {
    const long got = output.read_some(fd);
    if (got != -EINTR && got <= 0) {
      return got;
    }
  }
}

// How reading the helper's output ended.
enum class Collected { exited, timed_out, too_large, read_failed };

// Reads the helper's output until it exits or the deadline passes. Its
// exit ends the output, not the pipe's end: a daemon it started may keep
// stdout open for ever.
Collected collect_output(const HelperProcess& helper, int fd, Clock::time_point deadline,
                         sys::SecureReadBuffer& output, int& read_error) {
  bool pipe_open = true;
  const auto outcome = [&](long got) -> std::optional<Collected> {
    if (got == 0) {
      pipe_open = false;
    } else if (got == -EFBIG) {
      return Collected::too_large;
    } else if (got != -EAGAIN) {
      read_error = static_cast<int>(-got);
      return Collected::read_failed;
    }
    return std::nullopt;
  };
  for (;;) {
    if (helper.exited()) {
      // Whatever it wrote before it exited is in the pipe by now.
      const auto last = pipe_open ? outcome(drain(output, fd)) : std::nullopt;
      return last.value_or(Collected::exited);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return Collected::timed_out;
    }
    pollfd watch[2] = {{helper.pidfd(), POLLIN, 0}, {fd, POLLIN, 0}};
    int timeout_ms = poll_timeout(left);
    if (helper.pidfd() < 0) {
      // poll skips a negative descriptor: look for the exit in steps.
      timeout_ms = std::min(timeout_ms, static_cast<int>(k_exit_poll_interval.count()));
    }
    if (::poll(watch, pipe_open ? 2 : 1, timeout_ms) < 0 && errno != EINTR) {
      read_error = errno;
      return Collected::read_failed;
    }
    if (pipe_open && (watch[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      if (const auto done = outcome(drain(output, fd))) {
        return *done;
      }
    }
  }
}

// "\n" or "\r\n", once.
std::size_t without_line_break(std::string_view text) {
  if (text.ends_with("\r\n")) {
    return text.size() - 2;
  }
  if (text.ends_with('\n')) {
    return text.size() - 1;
  }
  return text.size();
}

} // namespace

std::vector<std::string> passphrase_command_scrubbed_variables(std::string_view env_prefix) {
  std::vector<std::string> names{"PPROTECT_PASSPHRASE", "PPROTECT_PASSPHRASE_COMMAND"};
  if (env_prefix != "PPROTECT") {
    names.push_back(std::string(env_prefix) + "_PASSPHRASE");
    names.push_back(std::string(env_prefix) + "_PASSPHRASE_COMMAND");
  }
  return names;
}

sys::SecureBuffer run_passphrase_command(const PassphraseCommand& command, const Environment& env,
                                         std::string_view env_prefix) {
  if (command.command.find('\0') != std::string::npos) {
    fail(Reason::not_started, EINVAL, "cannot be run: it holds a NUL byte", command);
  }
  const auto scrubbed = passphrase_command_scrubbed_variables(env_prefix);
  // Pointers into the snapshot: the entries are not copied anywhere.
  std::vector<char*> envp;
  for (const std::string& entry : env.entries()) {
    if (std::none_of(scrubbed.begin(), scrubbed.end(),
                     [&](const std::string& name) { return has_name(entry, name); })) {
      envp.push_back(const_cast<char*>(entry.c_str()));
    }
  }
  envp.push_back(nullptr);

  sys::FileDescriptor read_end;
  sys::FileDescriptor write_end;
  if (const int error = make_pipe(read_end, write_end); error != 0) {
    fail(Reason::not_started, error, std::string("cannot be run: ") + std::strerror(error), command);
  }
  std::string shell_name = "sh";
  std::string dash_c = "-c";
  char* argv[] = {shell_name.data(), dash_c.data(), const_cast<char*>(command.command.c_str()), nullptr};
  int error = 0;
  const SigchldNotIgnored sigchld;
  ForegroundHandover foreground;
  const pid_t pid = spawn_helper(argv, envp.data(), write_end.get(), foreground.terminal_fd(), error);
  if (pid < 0) {
    fail(Reason::not_started, error, std::string("cannot be run: ") + k_shell + ": " + std::strerror(error),
         command);
  }
  // Destroyed before foreground: the terminal comes back once the helper is
  // reaped.
  HelperProcess helper(pid);
  foreground.hand_to(pid);
  write_end.reset(); // the helper holds the only writer now
  (void)::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);

  sys::SecureReadBuffer output(k_max_passphrase_command_output);
  int read_error = 0;
  const Collected collected =
      collect_output(helper, read_end.get(), Clock::now() + command.timeout, output, read_error);
  if (collected != Collected::exited) {
    helper.kill_group();
    (void)helper.reap();
  }
  switch (collected) {
  case Collected::timed_out:
    fail(Reason::timed_out, static_cast<int>(std::min<std::int64_t>(command.timeout.count(), INT_MAX)),
         "did not finish in " + seconds_text(command.timeout), command);
  case Collected::too_large:
    fail(Reason::too_large, 0, "printed more than 1 MiB", command);
  case Collected::read_failed:
    fail(Reason::unreadable, read_error,
         std::string("output could not be read: ") + std::strerror(read_error), command);
  case Collected::exited:
    break;
  }
  const auto ended = helper.reap();
  if (!ended) {
    fail(Reason::exited, -1, "ended with a status that cannot be known (SIGCHLD is ignored)", command);
  }
  if (ended->si_code == CLD_KILLED || ended->si_code == CLD_DUMPED) {
    fail(Reason::killed, ended->si_status, "was killed by signal " + std::to_string(ended->si_status),
         command);
  }
  if (ended->si_status != 0) {
    fail(Reason::exited, ended->si_status, "exited with status " + std::to_string(ended->si_status), command);
  }
  return sys::SecureBuffer::copy_of(output.view().substr(0, without_line_break(output.view())));
}

int poll_timeout(std::chrono::milliseconds left) {
  constexpr std::chrono::milliseconds k_longest_wait = std::chrono::hours(1);
  return static_cast<int>(std::clamp(left, std::chrono::milliseconds(0), k_longest_wait).count()) + 1;
}

} // namespace pprotect::policy
