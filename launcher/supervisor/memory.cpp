#include "launcher/supervisor/memory.hpp"

#include "sys/file_descriptor.hpp"
#include "sys/full_io.hpp"

#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <malloc.h>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <unistd.h>

namespace pprotect::supervisor {

namespace {

std::string read_maps() {
  std::string text;
  const sys::FileDescriptor fd(open("/proc/self/maps", O_RDONLY | O_CLOEXEC));
  // A few hundred mappings; whatever could be read is used.
  if (fd.valid()) {
    (void)sys::read_all(fd.get(), text, std::size_t{1} << 22U);
  }
  return text;
}

std::uintptr_t hex(std::string_view text) {
  return static_cast<std::uintptr_t>(std::strtoull(std::string(text).c_str(), nullptr, 16));
}

} // namespace

void release_memory() {
  malloc_trim(0);
  const std::string maps = read_maps();
  std::string_view rest = maps;
  while (!rest.empty()) {
    const auto end_of_line = rest.find('\n');
    std::string_view line = rest.substr(0, end_of_line);
    rest = end_of_line == std::string_view::npos ? std::string_view() : rest.substr(end_of_line + 1);
    // "start-end perms offset dev inode path"
    const auto dash = line.find('-');
    const auto space1 = line.find(' ');
    if (dash == std::string_view::npos || space1 == std::string_view::npos || line.size() < space1 + 14) {
      continue;
    }
    const std::string_view perms = line.substr(space1 + 1, 4);
    const auto space2 = line.find(' ', space1 + 1);
    const auto space3 = line.find(' ', space2 + 1);
    const std::string_view offset = line.substr(space2 + 1, space3 - space2 - 1);
    const auto path = line.find('/');
    if (path == std::string_view::npos) {
      continue; // anonymous, heap, stack, vdso: not file pages
    }
    // Only pages that can hold nothing but the file's own bytes: text
    // (r-x, never written) and a file's first read-only segment (headers,
    // symbols, relocation tables: read by ld.so, never written). RELRO
    // segments are r-- too, but they hold relocated copies (anonymous
    // pages): dropping those would lose the relocations, so they are left.
    const bool text = perms == "r-xp";
    const bool headers = perms == "r--p" && hex(offset) == 0;
    if (!text && !headers) {
      continue;
    }
    const std::uintptr_t start = hex(line.substr(0, dash));
    const std::uintptr_t end = hex(line.substr(dash + 1, space1 - dash - 1));
    if (end > start) {
      // The addresses come from /proc/self/maps as numbers.
      madvise(reinterpret_cast<void*>(start), end - start,
              MADV_DONTNEED); // NOLINT(performance-no-int-to-ptr)
    }
  }
}

} // namespace pprotect::supervisor
