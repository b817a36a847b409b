#pragma once
// An owned file descriptor.

#include <utility>

namespace pprotect::sys {

// Closes its descriptor when it goes. Move-only.
class FileDescriptor {
public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : m_fd(fd) {}
  ~FileDescriptor() { reset(); }
  FileDescriptor(FileDescriptor&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  // Gives the descriptor up without closing it.
  int release() { return std::exchange(m_fd, -1); }
  // Closes now; returns close(2)'s result, since a failed close can mean
  // lost data on a file that was written.
  int close_checked() { return close_fd(std::exchange(m_fd, -1)); }
  void reset();

private:
  static int close_fd(int fd);
  int m_fd = -1;
};

} // namespace pprotect::sys
