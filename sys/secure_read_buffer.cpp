#include "sys/secure_read_buffer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <utility>

namespace pprotect::sys {

namespace {
constexpr std::size_t k_first_size = 4096;
} // namespace

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

} // namespace pprotect::sys
