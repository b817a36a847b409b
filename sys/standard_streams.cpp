#include "sys/standard_streams.hpp"

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace pprotect::sys {

void hold_closed_standard_streams() noexcept {
  std::array<bool, 3> closed{};
  bool any = false;
  for (int fd = 0; fd < 3; ++fd) {
    closed[static_cast<unsigned>(fd)] = fcntl(fd, F_GETFD) == -1 && errno == EBADF;
    any = any || closed[static_cast<unsigned>(fd)];
  }
  if (!any) {
    return;
  }
  // The pipe's ends take the lowest free numbers, which may be closed
  // slots: the read end may stay where it is, and a write end there is
  // replaced by the dup3 onto its slot (so no slot is left writable).
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) {
    return;
  }
  for (int fd = 0; fd < 3; ++fd) {
    if (closed[static_cast<unsigned>(fd)] && fd != ends[0]) {
      (void)dup3(ends[0], fd, O_CLOEXEC);
    }
  }
  if (ends[1] > 2) {
    close(ends[1]);
  }
  if (ends[0] > 2) {
    close(ends[0]);
  }
}

bool standard_stream_was_closed(int fd) noexcept {
  const int flags = fcntl(fd, F_GETFD);
  return flags == -1 || (flags & FD_CLOEXEC) != 0;
}

} // namespace pprotect::sys
