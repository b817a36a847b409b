#include "launcher/supervisor/output_relay.hpp"

#include "launcher/supervisor/signals.hpp"
#include "launcher/supervisor/terminal.hpp"
#include "sys/secure_buffer.hpp"
#include "sys/standard_streams.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sodium.h>
#include <string>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <system_error>
#include <termios.h>
#include <thread>
#include <unistd.h>

namespace pprotect::supervisor {

namespace {

using Clock = std::chrono::steady_clock;

// What one read takes: a pipe's whole default buffer.
constexpr std::size_t k_read_size = std::size_t{64} * 1024;
// What a pseudo-terminal may still be moving to its master when the child
// is gone (its flip buffers, 64 KiB, and the line discipline's 4 KiB):
// FIONREAD does not count it, the reads bring it.
constexpr std::size_t k_terminal_in_flight = std::size_t{128} * 1024;
// Keys come a few at a time; a paste is a few KiB.
constexpr std::size_t k_keys_size = 4096;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

sys::FileDescriptor make_eventfd() {
  const int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) {
    throw_errno("cannot create an eventfd");
  }
  return sys::FileDescriptor(above_stdio(fd));
}

void notify(int eventfd) {
  const std::uint64_t one = 1;
  (void)!write(eventfd, &one, sizeof one);
}

void clear(int eventfd) {
  std::uint64_t count = 0;
  (void)!read(eventfd, &count, sizeof count);
}

// Open when we started: a closed one is held by a placeholder
// (sys/standard_streams.hpp) and relays nothing.
bool is_open(int fd) {
  return !sys::standard_stream_was_closed(fd);
}

// The same file, pipe, socket or device: `cmd >log 2>&1`, `2>&1 | tee`.
bool same_file(int a, int b) {
  struct stat first {};
  struct stat second {};
  return fstat(a, &first) == 0 && fstat(b, &second) == 0 && first.st_dev == second.st_dev &&
         first.st_ino == second.st_ino;
}

timespec until(Clock::time_point deadline) {
  const auto left = std::max(deadline - Clock::now(), Clock::duration::zero());
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(left);
  const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(left - seconds);
  return timespec{static_cast<time_t>(seconds.count()), static_cast<long>(nanoseconds.count())};
}

// The pieces one filter call wrote, for one writev.
class Pieces final : public OutputSink {
public:
  Pieces() { m_iov.reserve(64); }
  void write(std::string_view bytes) override {
    if (!bytes.empty()) {
      m_iov.push_back(iovec{const_cast<char*>(bytes.data()), bytes.size()});
    }
  }
  std::vector<iovec>& iov() { return m_iov; }

private:
  std::vector<iovec> m_iov;
};

// Writes every piece to fd, however many calls it takes. A descriptor
// someone handed us non-blocking is waited on, not made blocking. Returns 0
// or the errno of the write that failed.
int write_pieces(int fd, std::vector<iovec>& iov) {
  std::size_t first = 0;
  while (first < iov.size()) {
    const int count = static_cast<int>(std::min<std::size_t>(iov.size() - first, IOV_MAX));
    const ssize_t written = writev(fd, iov.data() + first, count);
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN) {
        pollfd writable{fd, POLLOUT, 0};
        (void)poll(&writable, 1, -1);
        continue;
      }
      return errno;
    }
    if (written == 0) {
      return EIO;
    }
    auto left = static_cast<std::size_t>(written);
    while (first < iov.size() && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return 0;
}

enum class Command : int { relay, drain, abandon };

} // namespace

// One output stream: its source (a pipe's read end, or the pseudo-terminal's
// master), the descriptor of ours it goes to, its filter and its thread.
class OutputRelay::Stream {
public:
  // owned_source: the pipe's read end, which the stream closes when our
  // output is gone so that the child sees EPIPE itself. Invalid when the
  // source is borrowed (the pseudo-terminal's master, which the keys need
  // too): its output is then read and dropped.
  Stream(sys::FileDescriptor owned_source, int source, int destination, std::unique_ptr<OutputFilter> filter,
         const RelayTimes& times, int ended, int caught_up_fd)
      : m_owned_source(std::move(owned_source)), m_source(source), m_destination(destination),
        m_filter(std::move(filter)), m_times(times), m_ended(ended), m_caught_up(caught_up_fd),
        m_wake(make_eventfd()), m_buffer(k_read_size) {}
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  void start() {
    m_thread = std::thread([this] { run(); });
  }
  void order(Command command) {
    m_command.store(command);
    notify(m_wake.get());
  }
  bool ended() const { return m_has_ended.load(); }
  // child_ended()'s work, the request-th time (they count from 1): read
  // what is in the source, finish the filter, write, and say so.
  void catch_up(std::uint64_t request) {
    m_catch_up_asked.store(request);
    notify(m_wake.get());
  }
  bool caught_up(std::uint64_t request) const { return m_catch_up_done.load() >= request || ended(); }
  bool running() const { return m_thread.joinable(); }
  void join() { m_thread.join(); }
  void detach() { m_thread.detach(); }

private:
  void run() noexcept {
    try {
      relay();
    } catch (const std::exception& error) {
      print_warning(std::string("cannot relay the child's output: ") + error.what());
    }
    m_has_ended.store(true);
    if (!abandoned()) {
      notify(m_ended); // abandoned: the relay, and its eventfd, may be gone
    }
  }

  void relay();
  void write_out();
  bool abandoned() const { return m_command.load() == Command::abandon; }

  sys::FileDescriptor m_owned_source;
  int m_source; // -1 once the pipe is closed
  int m_destination;
  std::unique_ptr<OutputFilter> m_filter;
  RelayTimes m_times;
  int m_ended;
  int m_caught_up;
  sys::FileDescriptor m_wake;
  // WARNING: the child's raw output, secrets and all: locked memory, wiped
  // when the stream goes.
  sys::SecureBuffer m_buffer;
  Pieces m_pieces;
  bool m_gone = false; // our output is gone: what still comes is dropped
  std::atomic<Command> m_command{Command::relay};
  std::atomic<bool> m_has_ended{false};
  std::atomic<std::uint64_t> m_catch_up_asked{0};
  std::atomic<std::uint64_t> m_catch_up_done{0};
  std::thread m_thread;
};

void OutputRelay::Stream::write_out() {
  if (m_gone) {
    m_pieces.iov().clear();
    return;
  }
  const int error = write_pieces(m_destination, m_pieces.iov());
  m_pieces.iov().clear();
  if (error == 0 || abandoned()) {
    return;
  }
  m_gone = true;
  if (error != EPIPE) {
    print_warning(std::string("cannot write the child's output: ") + std::strerror(error));
  }
  // As in a shell pipeline: the reader went, so the writer gets EPIPE (or
  // SIGPIPE) on its next write.
  if (m_owned_source.valid()) {
    m_owned_source.reset();
    m_source = -1;
  }
}

void OutputRelay::Stream::relay() {
  std::optional<Clock::time_point> idle_at;
  bool draining = false;
  int owed = 0; // bytes that were in the source when the end began
  Clock::time_point quiet_until{};
  Clock::time_point limit{};
  // Read first, wait only when there is nothing: while output streams,
  // one system call a read (and one a write), as cat.
  bool try_read = true;
  std::uint64_t catching_up = 0; // the child_ended() request being served, 0 for none
  std::size_t catch_up_left = 0; // bytes that may still be the ended child's
  // The ended child's bytes are all read: what the filter holds is written
  // now, not glued to the next child's output.
  const auto finish_catch_up = [&] {
    if (!m_gone) {
      m_filter->finish(m_pieces);
      write_out();
    }
    idle_at.reset();
    m_catch_up_done.store(catching_up);
    catching_up = 0;
    notify(m_caught_up);
  };
  while (m_source >= 0) {
    const Command command = m_command.load();
    if (command == Command::abandon) {
      return;
    }
    if (catching_up == 0 && m_catch_up_asked.load() > m_catch_up_done.load()) {
      catching_up = m_catch_up_asked.load();
      // The child is reaped: a pipe holds all it wrote. Bytes after those
      // are a descendant's, which may never stop: read no further than
      // that (and what a pseudo-terminal still moves) before finishing.
      int available = 0;
      catch_up_left = (ioctl(m_source, FIONREAD, &available) == 0 ? static_cast<std::size_t>(available) : 0) +
                      k_terminal_in_flight;
      try_read = true;
    }
    if (command == Command::drain && !draining) {
      draining = true;
      int available = 0;
      owed = ioctl(m_source, FIONREAD, &available) == 0 ? available : 0;
      const Clock::time_point now = Clock::now();
      quiet_until = now + m_times.drain_quiet;
      limit = now + m_times.drain_limit;
    }
    bool got_input = false;
    if (try_read) {
      const ssize_t got = read(m_source, m_buffer.data(), m_buffer.size());
      if (got > 0) {
        got_input = true;
        if (!m_gone) {
          m_filter->feed(
              std::string_view(reinterpret_cast<const char*>(m_buffer.data()), static_cast<std::size_t>(got)),
              m_pieces);
          write_out();
          if (abandoned() || m_source < 0) {
            return;
          }
        }
        idle_at.reset();
        if (!m_gone && m_filter->holding()) {
          idle_at = Clock::now() + m_times.idle;
        }
        if (draining) {
          owed = std::max(0, owed - static_cast<int>(std::min<ssize_t>(got, INT_MAX)));
          quiet_until = Clock::now() + m_times.drain_quiet;
        }
        if (catching_up != 0) {
          catch_up_left -= std::min(catch_up_left, static_cast<std::size_t>(got));
          if (catch_up_left == 0) {
            finish_catch_up();
            if (abandoned() || m_source < 0) {
              return;
            }
          }
        }
      } else if (got == 0 || errno == EIO) {
        break; // every writer has gone (a pseudo-terminal says EIO)
      } else if (errno == EAGAIN) {
        try_read = false;
        if (catching_up != 0) {
          finish_catch_up();
          if (abandoned() || m_source < 0) {
            return;
          }
        }
      } else if (errno != EINTR) {
        throw_errno("cannot read the child's output");
      }
    }
    const Clock::time_point now = Clock::now();
    if (idle_at && now >= *idle_at) {
      idle_at.reset();
      m_filter->flush_idle(m_pieces);
      write_out();
      if (abandoned() || m_source < 0) {
        return;
      }
    }
    if (draining && owed == 0 && (now >= quiet_until || now >= limit)) {
      break;
    }
    if (got_input || try_read) {
      continue;
    }
    std::optional<Clock::time_point> deadline = idle_at;
    if (draining && owed == 0) {
      const Clock::time_point end = std::min(quiet_until, limit);
      deadline = deadline ? std::min(*deadline, end) : end;
    }
    pollfd fds[2] = {{m_source, POLLIN, 0}, {m_wake.get(), POLLIN, 0}};
    timespec wait{};
    if (deadline) {
      wait = until(*deadline);
    }
    if (ppoll(fds, 2, deadline ? &wait : nullptr, nullptr) < 0 && errno != EINTR) {
      throw_errno("cannot wait for the child's output");
    }
    if ((fds[1].revents & POLLIN) != 0) {
      clear(m_wake.get()); // the command is read at the top
    }
    try_read = true;
  }
  if (!m_gone && m_source >= 0) {
    m_filter->finish(m_pieces);
    write_out();
  }
}

// The user's keys, from our own descriptor on the terminal to the
// pseudo-terminal's master, while active (we are in the terminal's
// foreground and it is raw).
class OutputRelay::Keys {
public:
  Keys(int keyboard, int master, int slave)
      : m_keyboard(keyboard), m_master(master), m_slave(slave), m_wake(make_eventfd()),
        m_buffer(k_keys_size) {}
  Keys(const Keys&) = delete;
  Keys& operator=(const Keys&) = delete;

  void start(std::function<void()> on_suspend_key) {
    m_on_suspend_key = std::move(on_suspend_key);
    m_thread = std::thread([this] { run(); });
  }
  void set_active(bool active) {
    m_active.store(active);
    notify(m_wake.get());
  }
  void stop() {
    if (!m_thread.joinable()) {
      return;
    }
    m_stop.store(true);
    notify(m_wake.get());
    m_thread.join(); // it never blocks but in ppoll
  }

private:
  void run() noexcept;
  bool suspends_orphaned_group(const unsigned char* keys, std::size_t size) const;

  int m_keyboard;
  int m_master;
  int m_slave; // its mode is what the line discipline goes by
  std::function<void()> m_on_suspend_key;
  sys::FileDescriptor m_wake;
  // WARNING: what the user types (a password at the child's prompt):
  // locked memory, wiped once written.
  sys::SecureBuffer m_buffer;
  std::atomic<bool> m_active{false};
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

// Whether keys hold the suspend key of a pseudo-terminal that turns it into
// SIGTSTP (ISIG) for a foreground group the kernel will not stop: the
// session leader's own (see on_suspend_key).
bool OutputRelay::Keys::suspends_orphaned_group(const unsigned char* keys, std::size_t size) const {
  termios mode{};
  if (tcgetattr(m_slave, &mode) != 0 || (mode.c_lflag & ISIG) == 0 || mode.c_cc[VSUSP] == _POSIX_VDISABLE ||
      std::memchr(keys, mode.c_cc[VSUSP], size) == nullptr) {
    return false;
  }
  pid_t foreground = 0;
  pid_t session = 0;
  return ioctl(m_master, TIOCGPGRP, &foreground) == 0 && ioctl(m_master, TIOCGSID, &session) == 0 &&
         foreground == session;
}

void OutputRelay::Keys::run() noexcept {
  std::size_t start = 0;
  std::size_t end = 0;
  bool active = false;
  bool hung_up = false;
  unsigned char* buffer = m_buffer.data();
  for (;;) {
    pollfd fds[2] = {{m_wake.get(), POLLIN, 0}, {-1, 0, 0}};
    if (start < end) {
      fds[1] = {m_master, POLLOUT, 0};
    } else if (active && !hung_up) {
      fds[1] = {m_keyboard, POLLIN, 0};
    }
    if (ppoll(fds, fds[1].fd >= 0 ? 2 : 1, nullptr, nullptr) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      clear(m_wake.get());
      if (m_stop.load()) {
        return;
      }
      active = m_active.load();
    }
    if (fds[1].fd == m_keyboard && fds[1].revents != 0) {
      const ssize_t got = read(m_keyboard, buffer, m_buffer.size());
      if (got > 0) {
        start = 0;
        end = static_cast<std::size_t>(got);
        if (suspends_orphaned_group(buffer, end)) {
          m_on_suspend_key();
        }
      } else if (got == 0) {
        hung_up = true;
      } else if (errno == EIO) {
        // A background job may not read the terminal (or it hung up):
        // wait for the supervisor to say we run in the foreground again.
        active = false;
      } else if (errno != EAGAIN && errno != EINTR) {
        hung_up = true;
      }
    } else if (fds[1].fd == m_master && fds[1].revents != 0) {
      const ssize_t put = write(m_master, buffer + start, end - start);
      if (put > 0) {
        start += static_cast<std::size_t>(put);
      } else if (put < 0 && errno != EAGAIN && errno != EINTR) {
        start = end; // no reader any more (EIO): the keys are dropped
      }
      if (start == end) {
        sodium_memzero(buffer, end);
        start = end = 0;
      }
    }
  }
}

// The pseudo-terminal, the user's terminal it stands in for, and our own
// descriptor on that terminal for its keys and its mode.
class OutputRelay::Terminal {
public:
  Terminal(int user_terminal, sys::FileDescriptor keyboard)
      : pty(user_terminal), user(user_terminal), keys(std::move(keyboard)), raw(keys.get()) {}

  PseudoTerminal pty;
  int user;                 // our descriptor 1 or 2: its output goes there, its size comes from there
  sys::FileDescriptor keys; // invalid: no keys relayed (the terminal is not ours to read)
  RawMode raw;
};

OutputRelay::OutputRelay(const OutputFilterFactory& make_filter, Quiet quiet, RelayTimes times)
    : m_ended(make_eventfd()), m_caught_up(make_eventfd()), m_times(times), m_quiet(quiet) {
  std::array<bool, 3> open{};
  for (int fd = 0; fd < 3; ++fd) {
    open[static_cast<std::size_t>(fd)] = is_open(fd);
  }
  std::array<bool, 3> on_terminal{};
  int user_terminal = -1;
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    if (open[static_cast<std::size_t>(fd)] && isatty(fd) == 1) {
      user_terminal = fd;
      break;
    }
  }
  if (user_terminal >= 0) {
    for (int fd = 0; fd < 3; ++fd) {
      on_terminal[static_cast<std::size_t>(fd)] =
          open[static_cast<std::size_t>(fd)] && same_terminal(fd, user_terminal);
    }
    try {
      // The keys come from stdin when it is that terminal (the child's
      // stdin is then the pseudo-terminal), else from our controlling
      // terminal when that is it (the child may open /dev/tty, as ssh does
      // to ask for a password): both read through a descriptor of our own.
      sys::FileDescriptor keyboard = on_terminal[0]
                                         ? own_terminal_descriptor(STDIN_FILENO, Reopen::any_way)
                                         : own_terminal_descriptor(user_terminal, Reopen::controlling_only);
      if (on_terminal[0] && !keyboard.valid()) {
        throw std::system_error(ENOTTY, std::generic_category(),
                                "cannot open the terminal to relay its keys");
      }
      m_terminal = std::make_unique<Terminal>(user_terminal, std::move(keyboard));
    } catch (const std::system_error& error) {
      print_notice(quiet, std::string("the child gets pipes, not a terminal (") + error.what() + ")");
      m_terminal.reset();
      on_terminal = {};
    }
  }
  if (m_terminal) {
    const int slave = m_terminal->pty.slave();
    for (std::size_t fd = 0; fd < 3; ++fd) {
      if (on_terminal[fd]) {
        m_child_stdio.fds[fd] = slave;
      }
    }
    m_child_stdio.controlling_terminal = slave;
    m_streams.push_back(std::make_unique<Stream>(sys::FileDescriptor(), m_terminal->pty.master(),
                                                 user_terminal, make_filter(), times, m_ended.get(),
                                                 m_caught_up.get()));
    if (m_terminal->keys.valid()) {
      m_keys =
          std::make_unique<Keys>(m_terminal->keys.get(), m_terminal->pty.master(), m_terminal->pty.slave());
    }
  }
  // A pipe for each output that is open and no terminal; one for both
  // when they are the same, so that their order is the child's.
  const bool pipe_out = open[1] && !on_terminal[1];
  const bool pipe_err = open[2] && !on_terminal[2];
  const bool merged = pipe_out && pipe_err && same_file(STDOUT_FILENO, STDERR_FILENO);
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    if (!(fd == STDOUT_FILENO ? pipe_out : pipe_err) || (merged && fd == STDERR_FILENO)) {
      continue;
    }
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) {
      throw_errno("cannot create a pipe");
    }
    sys::FileDescriptor read_end(ends[0]);
    sys::FileDescriptor write_end(ends[1]);
    read_end = sys::FileDescriptor(above_stdio(read_end.release()));
    write_end = sys::FileDescriptor(above_stdio(write_end.release()));
    // Ours alone (the child's end is another description): never blocks
    // the thread that polls it.
    if (fcntl(read_end.get(), F_SETFL, fcntl(read_end.get(), F_GETFL) | O_NONBLOCK) != 0) {
      throw_errno("cannot make a pipe non-blocking");
    }
    m_child_stdio.fds[static_cast<std::size_t>(fd)] = write_end.get();
    if (merged) {
      m_child_stdio.fds[STDERR_FILENO] = write_end.get();
    }
    const int source = read_end.get();
    m_streams.push_back(std::make_unique<Stream>(std::move(read_end), source, fd, make_filter(), times,
                                                 m_ended.get(), m_caught_up.get()));
    m_child_ends.push_back(std::move(write_end));
  }
}

OutputRelay::~OutputRelay() {
  if (m_keys) {
    m_keys->stop();
  }
  if (m_terminal) {
    m_terminal->raw.leave();
  }
  // Not finished: the threads are told to stop where they are.
  abandon(m_streams);
}

void OutputRelay::abandon(std::vector<std::unique_ptr<Stream>>& streams) {
  // One blocked on a write to a reader that never reads is left to the
  // process's exit, with what it uses: kept, not destroyed, and reachable
  // from a global (leak checkers do not report it).
  static auto* const abandoned = new std::vector<std::unique_ptr<Stream>>();
  for (auto& stream : streams) {
    if (stream->running()) {
      stream->order(Command::abandon);
      stream->detach();
      abandoned->push_back(std::move(stream));
    }
  }
  streams.clear();
}

bool OutputRelay::has_terminal() const {
  return m_terminal != nullptr;
}

void OutputRelay::start() {
  if (m_started) {
    return;
  }
  m_started = true;
  for (auto& stream : m_streams) {
    stream->start();
  }
  if (m_keys) {
    m_keys->start([this] {
      const std::lock_guard<std::mutex> lock(m_suspend_mutex);
      if (m_on_suspend_key) {
        m_on_suspend_key();
      }
    });
  }
}

void OutputRelay::on_suspend_key(std::function<void()> handler) {
  const std::lock_guard<std::mutex> lock(m_suspend_mutex);
  m_on_suspend_key = std::move(handler);
}

void OutputRelay::suspend_terminal() {
  if (!m_keys) {
    return;
  }
  m_keys->set_active(false);
  m_terminal->raw.leave();
}

bool OutputRelay::resume_terminal() {
  if (!m_terminal) {
    return true;
  }
  // It may have changed while we were stopped.
  m_terminal->pty.copy_window_size(m_terminal->user);
  if (!m_keys) {
    return true;
  }
  if (!in_foreground(m_terminal->keys.get())) {
    return false;
  }
  (void)m_terminal->raw.enter();
  m_keys->set_active(true);
  return true;
}

void OutputRelay::window_changed() {
  if (m_terminal) {
    m_terminal->pty.copy_window_size(m_terminal->user);
  }
}

namespace {

// Waits until every stream has ended; false when a stop request came
// first. Reaps whatever ends meanwhile (orphans, as PID 1).
template <class Streams> bool wait_for_streams(const Streams& streams, int ended, int signal_fd) {
  for (;;) {
    const bool all = std::all_of(streams.begin(), streams.end(), [](const auto& s) { return s->ended(); });
    if (all) {
      return true;
    }
    pollfd fds[2] = {{ended, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    if (poll(fds, signal_fd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) {
      return true;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      clear(ended);
    }
    if (signal_fd >= 0 && (fds[1].revents & POLLIN) != 0) {
      signalfd_siginfo infos[16];
      const ssize_t got = read(signal_fd, infos, sizeof infos);
      for (ssize_t i = 0; got > 0 && i < got / static_cast<ssize_t>(sizeof infos[0]); ++i) {
        const int signal = static_cast<int>(infos[i].ssi_signo);
        if (signal == SIGCHLD) {
          int status = 0;
          while (waitpid(-1, &status, WNOHANG) > 0) {
          }
        } else if (is_stop_request(signal)) {
          return false;
        }
      }
    }
  }
}

} // namespace

bool OutputRelay::child_ended() {
  if (!m_started || m_finished) {
    return true;
  }
  ++m_child_ends_seen;
  for (auto& stream : m_streams) {
    stream->catch_up(m_child_ends_seen);
  }
  // Bounded (RelayTimes::child_end): a stream blocked on our stdout must
  // not hold up supervision. What it has not written yet it writes when
  // the reader reads, before the next child's output all the same.
  const Clock::time_point deadline = Clock::now() + m_times.child_end;
  for (;;) {
    const bool all = std::all_of(m_streams.begin(), m_streams.end(),
                                 [&](const auto& s) { return s->caught_up(m_child_ends_seen); });
    if (all) {
      return true;
    }
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      return false;
    }
    pollfd fds[2] = {{m_caught_up.get(), POLLIN, 0}, {m_ended.get(), POLLIN, 0}};
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      return false;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      clear(m_caught_up.get());
    }
    if ((fds[1].revents & POLLIN) != 0) {
      clear(m_ended.get());
      // Read again by finish()'s wait, which checks every stream first.
    }
  }
}

void OutputRelay::finish(int signal_fd) {
  if (m_finished) {
    return;
  }
  m_finished = true;
  // No child will get these again: once the descendants that hold them
  // are gone too, each stream reads to its end.
  if (m_keys) {
    m_keys->stop(); // before the slave it reads the mode of goes
  }
  m_child_ends.clear();
  m_child_stdio = {};
  if (m_terminal) {
    m_terminal->pty.close_slave();
  }
  if (m_started) {
    for (auto& stream : m_streams) {
      stream->order(Command::drain);
    }
    if (wait_for_streams(m_streams, m_ended.get(), signal_fd)) {
      for (auto& stream : m_streams) {
        stream->join();
      }
    } else {
      print_notice(m_quiet, "stopped before the child's output was all written");
      abandon(m_streams);
    }
    m_streams.clear();
  }
  if (m_terminal) {
    m_terminal->raw.leave();
  }
}

} // namespace pprotect::supervisor
