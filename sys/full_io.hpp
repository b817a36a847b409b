#pragma once
// Whole reads and writes, however many system calls they take.

#include <cstddef>
#include <string>
#include <string_view>

namespace pprotect::sys {

// Writes all of text to fd, retrying on EINTR and short writes. Returns 0,
// or the errno of the write that failed.
[[nodiscard]] int write_all(int fd, std::string_view text);

// Appends what fd holds from its offset to its end to out, retrying on
// EINTR. Returns 0; EFBIG once out would pass max_size (out then holds
// max_size bytes at most); or the errno of the read that failed.
// WARNING: out is plain heap memory: never use this for a secret (see
// secret_read.hpp).
[[nodiscard]] int read_all(int fd, std::string& out, std::size_t max_size);

} // namespace pprotect::sys
