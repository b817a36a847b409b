#pragma once
// Reading secrets (passphrases, values) straight into locked memory.
// WARNING: never read a secret through std::string, an ifstream or stdio:
// their buffers are plain heap memory, freed unwiped.

#include "sys/secure_buffer.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>

namespace pprotect::sys {

// Bytes read from descriptors, held in a SecureBuffer that grows by
// doubling up to a bound. Each growth copies into a new locked buffer and
// the old one is wiped as it goes, so no unwiped copy is left anywhere.
// WARNING: never read a secret through std::string, an ifstream or a stack
// array: those are plain memory, freed or left unwiped.
class SecureReadBuffer {
public:
  // max_size bytes at most are accepted; one more is "too large".
  explicit SecureReadBuffer(std::size_t max_size);

  // One read(2) of fd into the free space. Returns the number of bytes
  // read, 0 at end of input, or -errno: -EFBIG when the bound would be
  // passed (max_size bytes are kept, nothing more is read), -EINTR and
  // -EAGAIN as read(2) gives them.
  [[nodiscard]] long read_some(int fd);

  // Reads fd to its end (blocking descriptors), retrying on EINTR. Returns 0,
  // EFBIG over the bound, or the errno of the read that failed.
  [[nodiscard]] int read_to_end(int fd);

  std::size_t size() const { return m_used; }
  // True once a read passed the bound.
  bool too_large() const { return m_too_large; }
  // The bytes read so far; they stay here.
  std::string_view view() const { return m_buffer.view().substr(0, m_used); }

private:
  SecureBuffer m_buffer;
  std::size_t m_used = 0;
  std::size_t m_max_size;
  bool m_too_large = false;
};

// What fd holds to its end (a SecureReadBuffer's whole read), in locked
// memory. Throws std::system_error: the read's errno, or EFBIG once more
// than max_size bytes came.
[[nodiscard]] SecureBuffer read_secret(int fd, std::size_t max_size);

// A read_secret_line that an interrupting signal asked to abandon.
struct LineInterrupted {};

// One line from fd, read a byte at a time so that nothing past its line
// break is consumed (later prompts read the same stream), without the line
// break and without a CR before it (universal newlines, as Python reads).
// A last line without a line break is returned as it is; nullopt when the
// input ends before any byte. A read interrupted by a signal is retried,
// unless `interrupted` (when given) then says true: LineInterrupted is
// thrown. Throws std::system_error on a read error, EFBIG for a line longer
// than max_size.
[[nodiscard]] std::optional<SecureBuffer> read_secret_line(int fd, std::size_t max_size,
                                                           const std::function<bool()>& interrupted = {});

} // namespace pprotect::sys
