#include "policy/tty_prompter.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace pprotect::policy {

namespace {

constexpr std::size_t k_initial_line = 256;
constexpr std::size_t k_max_line = std::size_t{64} * 1024U;

// Signals that would end the process, or run a handler that may end it,
// while echo is off. Ignored or blocked signals cannot leave the terminal
// behind; the RAII guard covers every other way out.
constexpr std::array k_fatal_signals{SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2};

// State the signal handler needs; only one echo-off read runs at a time.
volatile sig_atomic_t g_echo_fd = -1;
struct termios g_saved_mode {};
struct termios g_quiet_mode {};
std::array<struct sigaction, k_fatal_signals.size()> g_previous_actions{};
std::array<bool, k_fatal_signals.size()> g_installed{};

extern "C" void restore_terminal_then_chain(int signal_number, siginfo_t* info, void* context) {
  // Only async-signal-safe calls here: tcsetattr, sigaction, raise.
  const int fd = g_echo_fd;
  if (fd >= 0) {
    ::tcsetattr(fd, TCSANOW, &g_saved_mode);
  }
  std::size_t index = 0;
  while (index < k_fatal_signals.size() && k_fatal_signals[index] != signal_number) {
    ++index;
  }
  if (index == k_fatal_signals.size()) {
    return;
  }
  const struct sigaction& previous = g_previous_actions[index];
  if ((previous.sa_flags & SA_SIGINFO) != 0) {
    previous.sa_sigaction(signal_number, info, context);
  } else if (previous.sa_handler == SIG_DFL) {
    ::sigaction(signal_number, &previous, nullptr);
    // Delivered with the default action once this handler returns.
    (void)::raise(signal_number);
    return;
  } else if (previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signal_number);
  }
  // The process lives on and the prompt continues: echo off again.
  if (fd >= 0) {
    ::tcsetattr(fd, TCSANOW, &g_quiet_mode);
  }
}

// Turns echo off for its lifetime and restores the saved mode when it ends,
// whether by return, exception or (through the handler) a signal.
class EchoOff {
public:
  explicit EchoOff(int fd) {
    if (::tcgetattr(fd, &g_saved_mode) != 0) {
      return;
    }
    g_quiet_mode = g_saved_mode;
    g_quiet_mode.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK | ECHONL);
    g_echo_fd = fd;
    for (std::size_t i = 0; i < k_fatal_signals.size(); ++i) {
      struct sigaction current {};
      g_installed[i] = false;
      if (::sigaction(k_fatal_signals[i], nullptr, &current) != 0 ||
          ((current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_IGN)) {
        continue;
      }
      struct sigaction ours {};
      ours.sa_sigaction = restore_terminal_then_chain;
      ours.sa_flags = SA_SIGINFO | (current.sa_flags & SA_RESTART);
      ours.sa_mask = current.sa_mask;
      if (::sigaction(k_fatal_signals[i], &ours, &g_previous_actions[i]) == 0) {
        g_installed[i] = true;
      }
    }
    if (::tcsetattr(fd, TCSANOW, &g_quiet_mode) == 0) {
      m_fd = fd;
    }
  }
  ~EchoOff() {
    if (m_fd >= 0) {
      ::tcsetattr(m_fd, TCSANOW, &g_saved_mode);
    }
    g_echo_fd = -1;
    for (std::size_t i = 0; i < k_fatal_signals.size(); ++i) {
      if (g_installed[i]) {
        ::sigaction(k_fatal_signals[i], &g_previous_actions[i], nullptr);
        g_installed[i] = false;
      }
    }
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

private:
  int m_fd = -1;
};

// Reads up to a newline straight into locked memory. nullopt when end of
// input comes before any byte.
// WARNING: a line buffered in std::string would leave the passphrase in
// unwiped heap memory; the bytes go to sys::SecureBuffer only.
std::optional<sys::SecureBuffer> read_line(int fd) {
  sys::SecureBuffer line(k_initial_line);
  std::size_t used = 0;
  bool saw_any = false;
  for (;;) {
    char c = 0;
    const ssize_t got = ::read(fd, &c, 1);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw CredentialResolutionError(std::string("Cannot read from /dev/tty: ") + std::strerror(errno));
    }
    if (got == 0) {
      if (!saw_any) {
        return std::nullopt;
      }
      break;
    }
    saw_any = true;
    if (c == '\n') {
      break;
    }
    if (used == line.size()) {
      if (line.size() >= k_max_line) {
        throw CredentialResolutionError("Input line from /dev/tty is too long");
      }
      sys::SecureBuffer bigger(line.size() * 2);
      std::memcpy(bigger.data(), line.data(), used);
      line = std::move(bigger);
    }
    line.data()[used++] = static_cast<unsigned char>(c);
  }
  if (used > 0 && line.data()[used - 1] == '\r') {
    --used;
  }
  return sys::SecureBuffer::copy_of(line.view().substr(0, used));
}

} // namespace

TtyPrompter::TtyPrompter() {
  // O_NOCTTY: never make /dev/tty our controlling terminal by accident.
  m_fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (m_fd >= 0 && ::isatty(m_fd) == 0) {
    ::close(m_fd);
    m_fd = -1;
  }
}

TtyPrompter::~TtyPrompter() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

bool TtyPrompter::available() const { return m_fd >= 0; }

void TtyPrompter::write_all(std::string_view text) {
  while (!text.empty() && m_fd >= 0) {
    const ssize_t wrote = ::write(m_fd, text.data(), text.size());
    if (wrote < 0) {
      if (errno == EINTR) {
        continue;
      }
      return; // a prompt that cannot be shown is not worth failing over
    }
    text.remove_prefix(static_cast<std::size_t>(wrote));
  }
}

void TtyPrompter::say(std::string_view message) {
  write_all(message);
  write_all("\n");
}

std::optional<std::string> TtyPrompter::ask_line(std::string_view label) {
  if (m_fd < 0) {
    return std::nullopt;
  }
  write_all(label);
  auto line = read_line(m_fd);
  if (!line) {
    return std::nullopt;
  }
  return std::string(line->view());
}

std::optional<sys::SecureBuffer> TtyPrompter::ask_secret(std::string_view label) {
  if (m_fd < 0) {
    return std::nullopt;
  }
  std::optional<sys::SecureBuffer> answer;
  {
    // Echo goes off before the label shows, so nothing typed after the
    // label can appear on screen.
    EchoOff quiet(m_fd);
    write_all(label);
    answer = read_line(m_fd);
  }
  // The user's Enter was not echoed.
  write_all("\n");
  return answer;
}

} // namespace pprotect::policy
