#include "sys/full_io.hpp"

#include <cerrno>
#include <string>
#include <unistd.h>

namespace pprotect::sys {

int write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  return 0;
}

int read_all(int fd, std::string& out, std::size_t max_size) {
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    if (got == 0) {
      return 0;
    }
    const auto size = static_cast<std::size_t>(got);
    if (out.size() + size > max_size) {
      out.append(buffer, max_size - out.size());
      return EFBIG;
    }
    out.append(buffer, size);
  }
}

} // namespace pprotect::sys
