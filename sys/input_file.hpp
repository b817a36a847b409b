#pragma once
// Opening a file given on the command line for reading, without ever
// waiting on it.

#include "sys/file_descriptor.hpp"

#include <stdexcept>
#include <string>

namespace pprotect::sys {

// What open_input_file refuses, with a one-line reason naming the path.
class InputFileError : public std::runtime_error {
public:
  InputFileError(int error, const std::string& path, const std::string& reason)
      : std::runtime_error(path + ": " + reason), m_error(error), m_reason(reason) {}
  // The errno behind it (ENOENT for a missing file), or 0 for a refused type.
  int error() const { return m_error; }
  // what() without the path.
  const std::string& reason() const { return m_reason; }

private:
  int m_error;
  std::string m_reason;
};

// What an input may be besides a regular file. A named FIFO, a directory, a
// socket and a block device are always refused: opening a FIFO waits until a
// writer appears, which may be never.
enum class InputKind {
  regular_file,   // the protected file
  file_or_pipe,   // passphrases: also an anonymous pipe (a shell's <(...), a
                  // pipe on /dev/stdin), which never waits on open: its
                  // writer is already there
  file_or_stream, // secret values: also a character device (/dev/null,
                  // /dev/tty to paste a PEM key and end it with Ctrl-D)
};

// Opens path read-only and close-on-exec, following symlinks, if it is of an
// accepted kind; anything else is refused before it could block.
// Throws InputFileError "<path>: <why>": errno's text for a file that
// cannot be opened (ENOENT, ELOOP, ENOTDIR, EACCES...), "a FIFO (named
// pipe), not a regular file; ..." and the like for a refused type.
FileDescriptor open_input_file(const std::string& path, InputKind kind);

} // namespace pprotect::sys
