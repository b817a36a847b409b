#include "sys/echo_off.hpp"

#include <array>
#include <csignal>
#include <termios.h>
#include <unistd.h>

namespace pprotect::sys {

namespace {

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

} // namespace

EchoOff::EchoOff(int fd) {
  if (::isatty(fd) != 1 || ::tcgetattr(fd, &g_saved_mode) != 0) {
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
  if (::tcsetattr(fd, TCSAFLUSH, &g_quiet_mode) == 0) {
    m_fd = fd;
  }
}

EchoOff::~EchoOff() {
  if (m_fd >= 0) {
    ::tcsetattr(m_fd, TCSAFLUSH, &g_saved_mode);
  }
  g_echo_fd = -1;
  for (std::size_t i = 0; i < k_fatal_signals.size(); ++i) {
    if (g_installed[i]) {
      ::sigaction(k_fatal_signals[i], &g_previous_actions[i], nullptr);
      g_installed[i] = false;
    }
  }
}

} // namespace pprotect::sys
