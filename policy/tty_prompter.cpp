#include "policy/tty_prompter.hpp"

#include "sys/echo_off.hpp"
#include "sys/full_io.hpp"
#include "sys/secret_read.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace pprotect::policy {

namespace {

constexpr std::size_t k_max_line = std::size_t{64} * 1024U;

// Reads up to a newline straight into locked memory. nullopt when end of
// input comes before any byte.
std::optional<sys::SecureBuffer> read_line(int fd) {
  try {
    return sys::read_secret_line(fd, k_max_line);
  } catch (const std::system_error& error) {
    if (error.code().value() == EFBIG) {
      throw CredentialResolutionError("Input line from /dev/tty is too long");
    }
    throw CredentialResolutionError(std::string("Cannot read from /dev/tty: ") +
                                    std::strerror(error.code().value()));
  }
}

} // namespace

TtyPrompter::TtyPrompter()
    // O_NOCTTY: never make /dev/tty our controlling terminal by accident.
    : m_tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) {
  if (m_tty.valid() && ::isatty(m_tty.get()) == 0) {
    m_tty.reset();
  }
}

bool TtyPrompter::available() const {
  return m_tty.valid();
}

void TtyPrompter::write_all(std::string_view text) {
  // A prompt that cannot be shown is not worth failing over.
  (void)sys::write_all(m_tty.get(), text);
}

void TtyPrompter::say(std::string_view message) {
  write_all(message);
  write_all("\n");
}

std::optional<std::string> TtyPrompter::ask_line(std::string_view label) {
  if (!m_tty.valid()) {
    return std::nullopt;
  }
  write_all(label);
  auto line = read_line(m_tty.get());
  if (!line) {
    return std::nullopt;
  }
  return std::string(line->view());
}

std::optional<sys::SecureBuffer> TtyPrompter::ask_secret(std::string_view label) {
  if (!m_tty.valid()) {
    return std::nullopt;
  }
  std::optional<sys::SecureBuffer> answer;
  {
    // Echo goes off before the label shows, so nothing typed after the
    // label can appear on screen.
    const sys::EchoOff quiet(m_tty.get());
    write_all(label);
    answer = read_line(m_tty.get());
  }
  // The user's Enter was not echoed.
  write_all("\n");
  return answer;
}

} // namespace pprotect::policy
