#include "sys/secret_read.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace pprotect::sys {

namespace {

// Doubles buffer (up to max_size + 1, so that going past is seen), keeping
// the used bytes; the old buffer is wiped as it goes.
void grow(SecureBuffer& buffer, std::size_t used, std::size_t max_size) {
  SecureBuffer bigger(std::min(buffer.size() * 2, max_size + 1));
  std::memcpy(bigger.data(), buffer.data(), used);
  buffer = std::move(bigger);
}

[[noreturn]] void fail(int error) {
  throw std::system_error(error, std::generic_category());
}

} // namespace

constexpr std::size_t k_first_size = 4096;

SecureReadBuffer::SecureReadBuffer(std::size_t max_size)
    // One byte past the bound: a read that fills it proves there is more.
    : m_buffer(std::min(k_first_size, max_size + 1)), m_max_size(max_size) {}

long SecureReadBuffer::read_some(int fd) {
  if (m_too_large) {
    return -EFBIG;
  }
  if (m_used == m_buffer.size()) {
    const std::size_t bigger_size = std::min(m_buffer.size() * 2, m_max_size + 1);
    SecureBuffer bigger(bigger_size);
    std::memcpy(bigger.data(), m_buffer.data(), m_used);
    // The old buffer is wiped and freed here.
    m_buffer = std::move(bigger);
  }
  const ssize_t got = ::read(fd, m_buffer.data() + m_used, m_buffer.size() - m_used);
  if (got < 0) {
    return -errno;
  }
  m_used += static_cast<std::size_t>(got);
  if (m_used > m_max_size) {
    // The byte past the bound is wiped at once: only max_size are kept.
    m_buffer.data()[m_max_size] = 0;
    m_used = m_max_size;
    m_too_large = true;
    return -EFBIG;
  }
  return static_cast<long>(got);
}

int SecureReadBuffer::read_to_end(int fd) {
  for (;;) {
    const long got = read_some(fd);
    if (got == 0) {
      return 0;
    }
    if (got == -EINTR) {
      continue;
    }
    if (got < 0) {
      return static_cast<int>(-got);
    }
  }
}

SecureBuffer read_secret(int fd, std::size_t max_size) {
  SecureReadBuffer content(max_size);
  if (const int error = content.read_to_end(fd); error != 0) {
    fail(error);
  }
  return SecureBuffer::copy_of(content.view());
}

std::optional<SecureBuffer> read_secret_line(int fd, std::size_t max_size,
                                             const std::function<bool()>& interrupted) {
  SecureBuffer line(std::min<std::size_t>(256, max_size + 1));
  std::size_t used = 0;
  bool got_any = false;
  for (;;) {
    char c = 0;
    const ssize_t got = ::read(fd, &c, 1);
    if (got < 0) {
      if (errno != EINTR) {
        fail(errno);
      }
      if (interrupted && interrupted()) {
        throw LineInterrupted{};
      }
      continue;
    }
    if (got == 0) {
      break;
    }
    got_any = true;
    if (c == '\n') {
      break;
    }
    if (used == line.size()) {
      if (used > max_size) {
        fail(EFBIG);
      }
      grow(line, used, max_size);
    }
    line.data()[used++] = static_cast<unsigned char>(c);
  }
  if (!got_any) {
    return std::nullopt;
  }
  if (used > 0 && line.data()[used - 1] == '\r') {
    --used;
  }
  if (used > max_size) {
    fail(EFBIG);
  }
  return SecureBuffer::copy_of(line.view().substr(0, used));
}

} // namespace pprotect::sys
