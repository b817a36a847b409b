#pragma once
// Reading secrets (passphrases, values) straight into locked memory.
// WARNING: never read a secret through std::string, an ifstream or stdio:
// their buffers are plain heap memory, freed unwiped.

#include "sys/secure_buffer.hpp"

#include <cstddef>
#include <functional>
#include <optional>

namespace pprotect::sys {

// What fd holds to its end, in locked memory. Throws std::system_error:
// the read's errno, or EFBIG once more than max_size bytes came.
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
