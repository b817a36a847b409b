#pragma once
// Secrets the child reads as files, without them touching a disk: sealed
// memfds it inherits (--secret-file), or 0400 files in a fresh 0700
// directory on a tmpfs (--secret-dir).

#include "sys/file_descriptor.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::supervisor {

// Whether a secret file's contents may change while the child runs
// (--on-change signal:SIG rewrites them; otherwise they never change).
enum class Rewrites { never, in_place };

// One secret as a memfd. The child inherits descriptor fd(), read-only,
// and reads it at /dev/fd/<fd()>, as often as it likes, always the same
// bytes. The memfd is sealed against writes, growing and shrinking (with
// Rewrites::in_place: against writes through any descriptor, but the
// supervisor rewrites it in place), is mode 0400, and its pages are locked
// in memory while the supervisor lives, so that they cannot be swapped out.
class SecretFile {
public:
  // Throws std::system_error when the memfd cannot be made.
  SecretFile(std::string_view name, std::string_view bytes, Rewrites rewrites);
  ~SecretFile();
  SecretFile(SecretFile&& other) noexcept;
  SecretFile& operator=(SecretFile&&) = delete;
  SecretFile(const SecretFile&) = delete;
  SecretFile& operator=(const SecretFile&) = delete;

  // The descriptor the child inherits.
  int fd() const { return m_child.get(); }
  // "/dev/fd/<fd()>": what the child's variable holds.
  std::string path() const;
  // New contents, seen by every later read of path(). Rewrites::in_place
  // only; throws std::system_error (EFBIG past 16 MiB).
  void rewrite(std::string_view bytes);

private:
  void unmap();

  sys::FileDescriptor m_memfd; // read-write, kept for rewrites
  sys::FileDescriptor m_child; // read-only, what the child inherits
  unsigned char* m_map = nullptr;
  std::size_t m_map_size = 0;
  std::size_t m_locked = 0;
  Rewrites m_rewrites;
};

// A fresh 0700 directory on a tmpfs ($XDG_RUNTIME_DIR, else /dev/shm, else
// /run, each taken only when statfs says it is a tmpfs or ramfs) holding
// one 0400 file per secret; removed with everything in it when the object
// goes. Never on a disk.
class SecretDirectory {
public:
  // Throws std::runtime_error (one line) when no tmpfs can be had or the
  // directory cannot be made.
  SecretDirectory();
  ~SecretDirectory();
  SecretDirectory(const SecretDirectory&) = delete;
  SecretDirectory& operator=(const SecretDirectory&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  // Writes (or replaces, atomically by rename) the file `name`. Throws
  // std::system_error, its message naming the secret.
  void put(const std::string& name, std::string_view bytes);
  // Removes what is in it but the given names.
  void keep_only(const std::vector<std::string>& names);

private:
  std::filesystem::path m_path;
  sys::FileDescriptor m_dir;
};

} // namespace pprotect::supervisor
