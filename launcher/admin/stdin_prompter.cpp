#include "launcher/admin/stdin_prompter.hpp"

#include "store/errors.hpp"
#include "store/protected_file.hpp"
#include "sys/echo_off.hpp"
#include "sys/file_descriptor.hpp"
#include "sys/input_file.hpp"
#include "sys/secret_read.hpp"

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <system_error>
#include <unistd.h>

namespace pprotect::admin {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void note_interrupt(int /*signal*/) {
  g_interrupted = 1;
}

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

// A secret value larger than this could not be written: the protected file
// holding it would pass store::k_max_file_size.
constexpr std::size_t k_max_value_size = store::k_max_file_size;

// Reads one line from fd 0 a byte at a time, so nothing past the newline
// is consumed (later prompts and --value-file - read the same stream) and
// no stdio buffer keeps a copy of a passphrase. nullopt when input ends
// before any byte; a last line without newline is returned as is, as
// Python's input() does.
std::optional<sys::SecureBuffer> read_line_fd0() {
  const InterruptibleRead interruptible;
  try {
    return sys::read_secret_line(STDIN_FILENO, k_max_value_size, [] { return g_interrupted != 0; });
  } catch (const sys::LineInterrupted&) {
    throw PromptInterrupted{};
  } catch (const std::system_error& error) {
    throw store::StoreError(std::string(std::strerror(error.code().value())) +
                            " while reading standard input");
  }
}

// All of fd into locked memory, bounded by what a protected file can hold.
sys::SecureBuffer read_all_fd(int fd, const std::string& what) {
  try {
    return sys::read_secret(fd, k_max_value_size);
  } catch (const std::system_error& error) {
    if (error.code().value() == EFBIG) {
      throw store::StoreError(what + " is larger than a protected file can hold (" +
                              std::to_string(k_max_value_size >> 20U) + " MiB)");
    }
    throw store::StoreError(std::string(std::strerror(error.code().value())) + " while reading " + what);
  }
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
    const sys::EchoOff echo_off(STDIN_FILENO);
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

sys::SecureBuffer read_all_stdin() {
  return read_all_fd(STDIN_FILENO, "standard input");
}

sys::SecureBuffer read_secret_file(const std::string& path, sys::InputKind kind) {
  sys::FileDescriptor fd;
  try {
    fd = sys::open_input_file(path, kind);
  } catch (const sys::InputFileError& error) {
    if (error.error() != 0) {
      throw store::StoreError(std::string(std::strerror(error.error())) + " while reading file at \"" + path +
                              "\"");
    }
    throw store::StoreError("Cannot read file at \"" + path + "\": it is " + error.reason());
  }
  return read_all_fd(fd.get(), "file at \"" + path + "\"");
}

} // namespace pprotect::admin
