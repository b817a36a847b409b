#include "sys/directory.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <string_view>
#include <unistd.h>

namespace pprotect::sys {

std::vector<std::string> directory_entries(int dir_fd) {
  std::vector<std::string> names;
  // fdopendir takes the descriptor over: give it a copy of its own.
  const int own = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) {
    return names;
  }
  DIR* dir = ::fdopendir(own);
  if (dir == nullptr) {
    ::close(own);
    return names;
  }
  ::rewinddir(dir);
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name(entry->d_name);
    if (name != "." && name != "..") {
      names.emplace_back(name);
    }
  }
  ::closedir(dir);
  return names;
}

} // namespace pprotect::sys
