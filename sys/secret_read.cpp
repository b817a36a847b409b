#include "sys/secret_read.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <unistd.h>

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

SecureBuffer read_secret(int fd, std::size_t max_size) {
  SecureBuffer data(std::min<std::size_t>(4096, max_size + 1));
  std::size_t used = 0;
  for (;;) {
    if (used == data.size()) {
      if (used > max_size) {
        fail(EFBIG);
      }
      grow(data, used, max_size);
    }
    const ssize_t got = ::read(fd, data.data() + used, data.size() - used);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail(errno);
    }
    if (got == 0) {
      break;
    }
    used += static_cast<std::size_t>(got);
  }
  if (used > max_size) {
    fail(EFBIG);
  }
  return SecureBuffer::copy_of(data.view().substr(0, used));
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
