#include "launcher/supervisor/secret_files.hpp"

#include "sys/directory.hpp"
#include "sys/full_io.hpp"
#include "sys/printable.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace pprotect::supervisor {

namespace {

constexpr long k_tmpfs_magic = 0x01021994;
constexpr long k_ramfs_magic = 0x858458f6;
// The most a rewritten secret file may hold: what a protected file may.
constexpr std::size_t k_max_rewrite = std::size_t{16} << 20U;

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void write_at_start(int fd, std::string_view bytes) {
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    fail("lseek");
  }
  if (const int error = sys::write_all(fd, bytes); error != 0) {
    throw std::system_error(error, std::generic_category(), "write");
  }
}

} // namespace

SecretFile::SecretFile(std::string_view name, std::string_view bytes, Rewrites rewrites)
    : m_rewrites(rewrites) {
  // The name shows in /proc/<pid>/fd: printable, and short (the kernel
  // takes 249 bytes at most), whatever the secret's name holds.
  std::string memfd_name = "pprotect:";
  for (const char c : name.substr(0, 64)) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || c == '.';
    memfd_name.push_back(plain ? c : '_');
  }
  m_memfd = sys::FileDescriptor(::memfd_create(memfd_name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!m_memfd.valid()) {
    fail("memfd_create");
  }
  // 0400: whoever reopens it through /proc (the child included) reads only.
  if (::fchmod(m_memfd.get(), 0400) != 0) {
    fail("fchmod");
  }
  write_at_start(m_memfd.get(), bytes);
  if (rewrites == Rewrites::in_place) {
    // A shared writable mapping made before the seal is the one way left to
    // write; room for the largest secret, as address space only.
    void* map = ::mmap(nullptr, k_max_rewrite, PROT_READ | PROT_WRITE, MAP_SHARED, m_memfd.get(), 0);
    if (map == MAP_FAILED) {
      fail("mmap");
    }
    m_map = static_cast<unsigned char*>(map);
    m_map_size = k_max_rewrite;
    if (::fcntl(m_memfd.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE) != 0) {
      fail("F_ADD_SEALS");
    }
  } else {
    if (::fcntl(m_memfd.get(), F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
      fail("F_ADD_SEALS");
    }
    if (!bytes.empty()) {
      void* map = ::mmap(nullptr, bytes.size(), PROT_READ, MAP_SHARED, m_memfd.get(), 0);
      if (map == MAP_FAILED) {
        fail("mmap");
      }
      m_map = static_cast<unsigned char*>(map);
      m_map_size = bytes.size();
    }
  }
  // Pinned: the pages of a memfd could otherwise be swapped to a disk.
  // Best effort: RLIMIT_MEMLOCK may say no, as it may for every locked page.
  if (m_map != nullptr && !bytes.empty() && ::mlock(m_map, bytes.size()) == 0) {
    m_locked = bytes.size();
  }
  // The child's descriptor is a read-only one of the same memfd.
  const std::string self = "/proc/self/fd/" + std::to_string(m_memfd.get());
  m_child = sys::FileDescriptor(::open(self.c_str(), O_RDONLY | O_CLOEXEC));
  if (!m_child.valid()) {
    // No /proc: the memfd itself, sealed all the same.
    m_child = sys::FileDescriptor(::fcntl(m_memfd.get(), F_DUPFD_CLOEXEC, 3));
    if (!m_child.valid()) {
      fail("dup");
    }
  }
  if (rewrites == Rewrites::never) {
    m_memfd.reset();
  }
}

SecretFile::SecretFile(SecretFile&& other) noexcept
    : m_memfd(std::move(other.m_memfd)), m_child(std::move(other.m_child)),
      m_map(std::exchange(other.m_map, nullptr)), m_map_size(std::exchange(other.m_map_size, 0)),
      m_locked(std::exchange(other.m_locked, 0)), m_rewrites(other.m_rewrites) {}

SecretFile::~SecretFile() {
  unmap();
}

void SecretFile::unmap() {
  if (m_map != nullptr) {
    if (m_locked > 0) {
      ::munlock(m_map, m_locked);
    }
    ::munmap(m_map, m_map_size);
    m_map = nullptr;
    m_locked = 0;
  }
}

std::string SecretFile::path() const {
  return "/dev/fd/" + std::to_string(fd());
}

void SecretFile::rewrite(std::string_view bytes) {
  if (m_rewrites != Rewrites::in_place || !m_memfd.valid()) {
    throw std::system_error(EPERM, std::generic_category(), "a sealed secret file cannot be rewritten");
  }
  if (bytes.size() > m_map_size) {
    throw std::system_error(EFBIG, std::generic_category(), "rewrite");
  }
  if (m_locked > 0) {
    ::munlock(m_map, m_locked);
    m_locked = 0;
  }
  // Growing first, shrinking last: a reader never finds the file past its
  // pages. (A reader in the middle may see a mix of old and new bytes.)
  struct stat status {};
  if (::fstat(m_memfd.get(), &status) != 0) {
    fail("fstat");
  }
  if (static_cast<std::size_t>(status.st_size) < bytes.size() &&
      ::ftruncate(m_memfd.get(), static_cast<off_t>(bytes.size())) != 0) {
    fail("ftruncate");
  }
  std::copy(bytes.begin(), bytes.end(), m_map);
  if (static_cast<std::size_t>(status.st_size) > bytes.size() &&
      ::ftruncate(m_memfd.get(), static_cast<off_t>(bytes.size())) != 0) {
    fail("ftruncate");
  }
  if (!bytes.empty() && ::mlock(m_map, bytes.size()) == 0) {
    m_locked = bytes.size();
  }
}

namespace {

// The first of $XDG_RUNTIME_DIR, /dev/shm and /run that is a tmpfs (or
// ramfs), or "".
std::filesystem::path memory_file_system() {
  std::vector<std::string> candidates;
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime != nullptr && runtime[0] == '/') {
    candidates.emplace_back(runtime);
  }
  candidates.emplace_back("/dev/shm");
  candidates.emplace_back("/run");
  for (const auto& candidate : candidates) {
    struct statfs fs {};
    if (::statfs(candidate.c_str(), &fs) == 0 && (fs.f_type == k_tmpfs_magic || fs.f_type == k_ramfs_magic) &&
        ::access(candidate.c_str(), W_OK | X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

} // namespace

SecretDirectory::SecretDirectory() {
  const std::filesystem::path base = memory_file_system();
  if (base.empty()) {
    throw std::runtime_error(
        "--secret-dir: no tmpfs to put the secrets on ($XDG_RUNTIME_DIR, /dev/shm and /run are "
        "not writable tmpfs); refusing to write them to a disk");
  }
  std::string pattern = (base / "pprotect-secrets.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("--secret-dir: cannot make a directory in " + base.string() + ": " +
                             std::strerror(errno));
  }
  m_path = pattern;
  m_dir = sys::FileDescriptor(::open(m_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!m_dir.valid()) {
    const int error = errno;
    ::rmdir(m_path.c_str());
    throw std::runtime_error("--secret-dir: cannot open " + m_path.string() + ": " + std::strerror(error));
  }
}

SecretDirectory::~SecretDirectory() {
  keep_only({});
  m_dir.reset();
  ::rmdir(m_path.c_str());
}

void SecretDirectory::put(const std::string& name, std::string_view bytes) {
  // One short name for every secret's temporary file, not the secret's own
  // name with more around it: that would pass NAME_MAX (255 bytes) for a
  // name that fits on its own. A secret's file never starts with '.' (the
  // launcher refuses such names), so this can be no secret's file; and puts
  // come one at a time.
  static constexpr const char* k_temp = ".pprotect-new";
  const auto failed = [&](int error) {
    ::unlinkat(m_dir.get(), k_temp, 0);
    return std::system_error(error, std::generic_category(),
                             "--secret-dir: cannot write secret " + sys::quoted_name(name));
  };
  ::unlinkat(m_dir.get(), k_temp, 0);
  sys::FileDescriptor fd(
      ::openat(m_dir.get(), k_temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400));
  if (!fd.valid()) {
    throw failed(errno);
  }
  if (const int error = sys::write_all(fd.get(), bytes); error != 0) {
    throw failed(error);
  }
  if (::renameat(m_dir.get(), k_temp, m_dir.get(), name.c_str()) != 0) {
    throw failed(errno);
  }
}

void SecretDirectory::keep_only(const std::vector<std::string>& names) {
  for (const std::string& entry : sys::directory_entries(m_dir.get())) {
    if (std::find(names.begin(), names.end(), entry) == names.end()) {
      ::unlinkat(m_dir.get(), entry.c_str(), 0);
    }
  }
}

} // namespace pprotect::supervisor
