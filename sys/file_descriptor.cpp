#include "sys/file_descriptor.hpp"

#include <unistd.h>

namespace pprotect::sys {

void FileDescriptor::reset() {
  if (m_fd >= 0) {
    ::close(m_fd);
    m_fd = -1;
  }
}

int FileDescriptor::close_fd(int fd) {
  return ::close(fd);
}

} // namespace pprotect::sys
