#include "sys/input_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

namespace pprotect::sys {

namespace {

// statfs(2)'s f_type of the kernel's anonymous pipes (linux/magic.h).
constexpr long k_pipefs_magic = 0x50495045;

// Why a file of this type is refused, or nullptr when it is accepted.
const char* refusal(const struct stat& status, bool anonymous_pipe, InputKind kind) {
  if (S_ISREG(status.st_mode)) {
    return nullptr;
  }
  if (S_ISFIFO(status.st_mode)) {
    if (anonymous_pipe && kind != InputKind::regular_file) {
      return nullptr;
    }
    return anonymous_pipe ? "a pipe, not a regular file"
                          : "a FIFO (named pipe), not a regular file; refusing to wait for a writer";
  }
  if (S_ISDIR(status.st_mode)) {
    return "a directory, not a regular file";
  }
  if (S_ISSOCK(status.st_mode)) {
    return "a socket, not a regular file";
  }
  if (S_ISCHR(status.st_mode) && kind == InputKind::file_or_stream) {
    return nullptr;
  }
  return "a device, not a regular file";
}

bool on_pipefs(long type) {
  return type == k_pipefs_magic;
}

} // namespace

FileDescriptor open_input_file(const std::string& path, InputKind kind) {
  // Looked at before opening: opening a named FIFO, even without O_NONBLOCK
  // for a moment, would wake a writer waiting on it, and some devices act
  // on open.
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    const int error = errno;
    throw InputFileError(error, path, std::strerror(error));
  }
  struct statfs fs {};
  bool anonymous_pipe = S_ISFIFO(status.st_mode) && ::statfs(path.c_str(), &fs) == 0 && on_pipefs(fs.f_type);
  if (const char* why = refusal(status, anonymous_pipe, kind)) {
    throw InputFileError(0, path, why);
  }
  // O_NONBLOCK: whatever replaced the file since stat cannot block the open.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) {
    const int error = errno;
    throw InputFileError(error, path, std::strerror(error));
  }
  if (::fstat(fd.get(), &status) != 0) {
    const int error = errno;
    throw InputFileError(error, path, std::strerror(error));
  }
  anonymous_pipe = S_ISFIFO(status.st_mode) && ::fstatfs(fd.get(), &fs) == 0 && on_pipefs(fs.f_type);
  if (const char* why = refusal(status, anonymous_pipe, kind)) {
    throw InputFileError(0, path, why);
  }
  // Reads of a pipe wait for its data as usual.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) {
    (void)::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  }
  return fd;
}

} // namespace pprotect::sys
