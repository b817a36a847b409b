#pragma once
// Reading a secret from a descriptor straight into locked memory.

#include "sys/secure_buffer.hpp"

#include <cstddef>
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

} // namespace pprotect::sys
