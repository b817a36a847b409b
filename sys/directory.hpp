#pragma once
// Listing a directory.

#include <string>
#include <vector>

namespace pprotect::sys {

// The names in the directory open as dir_fd ("." and ".." left out), in
// the order the file system gives them; empty when it cannot be read. The
// descriptor stays open and is not moved.
[[nodiscard]] std::vector<std::string> directory_entries(int dir_fd);

} // namespace pprotect::sys
