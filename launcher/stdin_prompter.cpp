#include "launcher/stdin_prompter.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <csignal>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "store/errors.hpp"
#include "store/protected_file.hpp"
#include "sys/file_descriptor.hpp"
#include "sys/input_file.hpp"

namespace pprotect::launcher {

namespace {

// Turns terminal echo off for its lifetime when fd is a terminal, and
// restores the previous mode on every path out (exceptions included). Enter
// is not echoed either: the prompt writes the line break itself, as getpass.
class EchoOff {
public:
  explicit EchoOff(int fd) : m_fd(fd) {
    if (::isatty(fd) != 1 || ::tcgetattr(fd, &m_saved) != 0) {
      return;
    }
    termios quiet = m_saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
    m_active = ::tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (m_active) {
      ::tcsetattr(m_fd, TCSAFLUSH, &m_saved);
    }
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

private:
  int m_fd;
  termios m_saved{};
  bool m_active = false;
};

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void note_interrupt(int /*signal*/) { g_interrupted = 1; }

// While a prompt waits, SIGINT only interrupts the read (no SA_RESTART), so
// the prompt can unwind and EchoOff can give the terminal its echo back.
class InterruptibleRead {
public:
  InterruptibleRead() {
    g_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = note_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    m_installed = ::sigaction(SIGINT, &action, &m_previous) == 0;
  }
  ~InterruptibleRead() {
    if (m_installed) {
      ::sigaction(SIGINT, &m_previous, nullptr);
    }
  }
  InterruptibleRead(const InterruptibleRead&) = delete;
  InterruptibleRead& operator=(const InterruptibleRead&) = delete;

private:
  struct sigaction m_previous {};
  bool m_installed = false;
};

// Reads one line from fd 0 a byte at a time, so nothing past the newline
// is consumed (later prompts and --value-file - read the same stream) and
// no stdio buffer keeps a copy of a passphrase. nullopt when input ends
// before any byte; a last line without newline is returned as is, as
// Python's input() does.
std::optional<sys::SecureBuffer> read_line_fd0() {
  const InterruptibleRead interruptible;
  sys::SecureBuffer line(256);
  std::size_t used = 0;
  bool got_any = false;
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) {
      if (g_interrupted != 0) {
        throw PromptInterrupted{};
      }
      continue;
    }
    if (n <= 0) {
      break;
    }
    got_any = true;
    if (c == '\n') {
      break;
    }
    if (used == line.size()) {
      sys::SecureBuffer bigger(line.size() * 2);
      std::memcpy(bigger.data(), line.data(), used);
      line = std::move(bigger);
    }
    line.data()[used++] = static_cast<unsigned char>(c);
  }
  if (!got_any) {
    return std::nullopt;
  }
  // Python reads stdin with universal newlines: a CRLF line loses its CR.
  if (used > 0 && line.data()[used - 1] == '\r') {
    --used;
  }
  return sys::SecureBuffer::copy_of(line.view().substr(0, used));
}

// A secret value larger than this could not be written: the protected file
// holding it would pass store::k_max_file_size.
constexpr std::size_t k_max_value_size = store::k_max_file_size;

sys::SecureBuffer read_all_fd(int fd, const std::string& what) {
  sys::SecureBuffer data(4096);
  std::size_t used = 0;
  for (;;) {
    if (used == data.size()) {
      if (data.size() > k_max_value_size) {
        throw store::StoreError(what + " is larger than a protected file can hold (" +
                                std::to_string(k_max_value_size >> 20U) + " MiB)");
      }
      sys::SecureBuffer bigger(data.size() * 2);
      std::memcpy(bigger.data(), data.data(), used);
      data = std::move(bigger);
    }
    const ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw store::StoreError(std::string(std::strerror(errno)) + " while reading " + what);
    }
    if (n == 0) {
      break;
    }
    used += static_cast<std::size_t>(n);
  }
  return sys::SecureBuffer::copy_of(data.view().substr(0, used));
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

} // namespace

void StdinPrompter::say(std::string_view message) {
  std::cout.flush();
  std::cerr << message << '\n';
  std::cerr.flush();
}

std::optional<std::string> StdinPrompter::ask_line(std::string_view label) {
  auto answer = ask_line_secure(label);
  if (!answer) {
    return std::nullopt;
  }
  return std::string(answer->view());
}

std::optional<sys::SecureBuffer> StdinPrompter::ask_line_secure(std::string_view label) {
  std::cerr.flush();
  std::cout << label;
  std::cout.flush();
  return read_line_fd0();
}

std::optional<sys::SecureBuffer> StdinPrompter::ask_secret(std::string_view label) {
  std::cout.flush();
  std::optional<sys::SecureBuffer> answer;
  {
    // Echo goes off before the label shows, so nothing typed once the
    // label is visible can be echoed.
    const EchoOff echo_off(STDIN_FILENO);
    std::cerr << label;
    std::cerr.flush();
    answer = read_line_fd0();
  }
  // As the reference (getpass behind face): a line break on stderr once the
  // answer is read or input ended, whether stdin is a terminal or a pipe.
  std::cerr << '\n';
  std::cerr.flush();
  return answer;
}

std::optional<sys::SecureBuffer> StdinPrompter::ask_new_secret(std::string_view label) {
  auto first = ask_secret(label);
  if (!first) {
    return first;
  }
  auto second = ask_secret("Retype " + lowercase(label));
  if (!second) {
    return second;
  }
  if (!first->equals(second->view())) {
    throw store::StoreError("Sorry, inputs did not match.");
  }
  return first;
}

sys::SecureBuffer read_all_stdin() { return read_all_fd(STDIN_FILENO, "standard input"); }

sys::SecureBuffer read_secret_file(const std::string& path, sys::InputKind kind) {
  sys::FileDescriptor fd;
  try {
    fd = sys::open_input_file(path, kind);
  } catch (const sys::InputFileError& error) {
    if (error.error() != 0) {
      throw store::StoreError(std::string(std::strerror(error.error())) + " while reading file at \"" + path + "\"");
    }
    throw store::StoreError("Cannot read file at \"" + path + "\": it is " + error.reason());
  }
  return read_all_fd(fd.get(), "file at \"" + path + "\"");
}

} // namespace pprotect::launcher
