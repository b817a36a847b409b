#include "store/protected_file.hpp"

#include "store/errors.hpp"
#include "sys/directory.hpp"
#include "sys/file_descriptor.hpp"
#include "sys/full_io.hpp"
#include "sys/input_file.hpp"
#include "sys/signal_mask.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sodium.h>
#include <string_view>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

// Locking: an exclusive flock on the protected file itself. A write
// replaces the file by rename, so the inode a waiter locked may no longer be
// the file once it gets the lock; after locking we compare the locked inode
// with what the path names now and start over when they differ. This needs
// no lock file next to the protected file, and the reference (which never
// locks) can still read and replace the file; only our writers serialise.

namespace pprotect::store {

namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

using sys::FileDescriptor;

// Holds SIGINT, SIGTERM, SIGHUP and SIGQUIT while a temp file exists, so an
// interrupt arrives after the temp file is renamed or removed, not between.
class HeldSignals {
public:
  HeldSignals() : m_scope(SIG_BLOCK, sys::signal_set({SIGINT, SIGTERM, SIGHUP, SIGQUIT})) {}

private:
  sys::SignalMaskScope m_scope;
};

constexpr std::string_view k_temp_marker = ".pprotect-tmp-";

// A temp file next to the target, removed on destruction unless it was
// renamed into place. Named "<name>.pprotect-tmp-<random>" so a crash
// leaves something obviously disposable, and flock'ed for as long as its
// writer lives, so that the next writer can tell an abandoned one
// (remove_abandoned_temp_files).
class TempFile {
public:
  TempFile(const std::filesystem::path& target, mode_t create_mode) {
    const std::filesystem::path directory = target.has_parent_path() ? target.parent_path() : ".";
    for (int attempt = 0; attempt < 16 && !m_fd.valid(); ++attempt) {
      char suffix[24];
      std::snprintf(suffix, sizeof suffix, "%.*s%08x", static_cast<int>(k_temp_marker.size()),
                    k_temp_marker.data(), static_cast<unsigned>(randombytes_random()));
      m_path = directory / (target.filename().string() + suffix);
      m_fd = FileDescriptor(::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, create_mode));
      if (!m_fd.valid() && errno != EEXIST) {
        const int error = errno;
        throw StoreError("cannot create a temp file in " + directory.string() + ": " + errno_text(error));
      }
    }
    if (!m_fd.valid()) {
      throw StoreError("cannot create a temp file in " + directory.string());
    }
    // Cannot block: nobody else has this new file open.
    (void)::flock(m_fd.get(), LOCK_EX | LOCK_NB);
  }
  ~TempFile() {
    if (!m_done) {
      ::unlink(m_path.c_str());
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return m_fd.get(); }
  const std::filesystem::path& path() const { return m_path; }
  int close_checked() { return m_fd.close_checked(); }
  // The file now lives under another name (or was removed): don't unlink.
  void release() { m_done = true; }

private:
  std::filesystem::path m_path;
  FileDescriptor m_fd;
  bool m_done = false;
};

void write_all(int fd, const std::string& text, const std::filesystem::path& where) {
  if (const int error = sys::write_all(fd, text); error != 0) {
    throw StoreError("cannot write " + where.string() + ": " + errno_text(error));
  }
}

std::string too_large(const std::filesystem::path& path) {
  return path.string() + " is too large for a protected file (more than " +
         std::to_string(k_max_file_size >> 20U) + " MiB)";
}

// What we write must load again.
void check_size_to_write(const std::filesystem::path& path, const std::string& text) {
  if (text.size() > k_max_file_size) {
    throw StoreError("the change would make " + path.string() + " larger than a protected file may be (" +
                     std::to_string(k_max_file_size >> 20U) + " MiB)");
  }
}

// The whole file, from a descriptor opened for it (at offset 0).
std::string read_all(int fd, const std::filesystem::path& path) {
  std::string text;
  const int error = sys::read_all(fd, text, k_max_file_size);
  if (error == EFBIG) {
    throw StoreError(too_large(path));
  }
  if (error != 0) {
    throw StoreError("cannot read " + path.string() + ": " + errno_text(error));
  }
  return text;
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

// Makes a rename durable. Some file systems refuse fsync on a directory;
// the rename itself has happened by then, so that is not an error.
void sync_directory(const std::filesystem::path& directory) {
  FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.valid()) {
    (void)::fsync(fd.get());
  }
}

// Writes text to a fresh temp file in the target's directory, fsyncs and
// closes it. The caller renames it into place.
void fill_temp_file(TempFile& temp, const std::string& text, const struct stat* original) {
  if (original != nullptr) {
    // Keep the original's owner (when we may) and mode; the mode goes second
    // because chown clears set-id bits.
    (void)::fchown(temp.fd(), original->st_uid, original->st_gid);
    if (::fchmod(temp.fd(), original->st_mode & 07777) != 0) {
      const int error = errno;
      throw StoreError("cannot set the mode of " + temp.path().string() + ": " + errno_text(error));
    }
  }
  write_all(temp.fd(), text, temp.path());
  if (::fsync(temp.fd()) != 0) {
    const int error = errno;
    throw StoreError("cannot sync " + temp.path().string() + ": " + errno_text(error));
  }
  if (temp.close_checked() != 0) {
    const int error = errno;
    throw StoreError("cannot write " + temp.path().string() + ": " + errno_text(error));
  }
}

// Removes the temp files that writers killed mid-write (SIGKILL, a power
// cut) left beside the protected file: those whose flock nobody holds.
// Called with the protected file locked, so no writer of ours is creating
// one meanwhile (only `init` creates one unlocked, and only for a file that
// does not exist yet, where no writer runs).
void remove_abandoned_temp_files(const std::filesystem::path& target) {
  const std::filesystem::path directory = directory_of(target);
  const std::string prefix = target.filename().string() + std::string(k_temp_marker);
  FileDescriptor dir_fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) {
    return;
  }
  std::vector<std::string> abandoned;
  for (std::string& name : sys::directory_entries(dir_fd.get())) {
    if (name.size() != prefix.size() + 8 || name.compare(0, prefix.size(), prefix) != 0) {
      continue;
    }
    FileDescriptor fd(::openat(dir_fd.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat status {};
    if (!fd.valid() || ::fstat(fd.get(), &status) != 0 || !S_ISREG(status.st_mode)) {
      continue;
    }
    // Held by a live writer (of this or another process): leave it.
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      abandoned.push_back(std::move(name));
    }
  }
  for (const std::string& name : abandoned) {
    (void)::unlinkat(dir_fd.get(), name.c_str(), 0);
  }
}

void replace_file(const std::filesystem::path& path, const std::string& text, const struct stat& original) {
  const HeldSignals held;
  remove_abandoned_temp_files(path);
  // The protected file's mode from the start, so a temp file left by a
  // killed writer is no more readable than the file itself.
  TempFile temp(path, original.st_mode & 0777);
  fill_temp_file(temp, text, &original);
  if (::rename(temp.path().c_str(), path.c_str()) != 0) {
    const int error = errno;
    throw StoreError("cannot replace " + path.string() + ": " + errno_text(error));
  }
  temp.release();
  sync_directory(directory_of(path));
}

// Moves temp to path unless path exists (atomically: two creators cannot
// both win). Throws FileExistsError when it does.
void create_file(const std::filesystem::path& path, const std::string& text) {
  const HeldSignals held;
  // 0666 less the umask, as for any new file.
  TempFile temp(path, 0666);
  fill_temp_file(temp, text, nullptr);
  if (::renameat2(AT_FDCWD, temp.path().c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
    int error = errno;
    if (error == EINVAL || error == ENOSYS) {
      // No RENAME_NOREPLACE on this file system: link() also refuses to
      // replace an existing name.
      if (::link(temp.path().c_str(), path.c_str()) == 0) {
        error = 0;
      } else {
        error = errno;
      }
      // temp is unlinked by its destructor either way.
    }
    if (error == EEXIST) {
      throw FileExistsError("Protected file already exists: " + path.string());
    }
    if (error != 0) {
      throw StoreError("cannot create " + path.string() + ": " + errno_text(error));
    }
  } else {
    temp.release();
  }
  sync_directory(directory_of(path));
}

// Opens the protected file, a regular file and nothing else: a FIFO would
// block the command until a writer came.
FileDescriptor open_protected_file(const std::filesystem::path& path) {
  try {
    FileDescriptor fd = sys::open_input_file(path.string(), sys::InputKind::regular_file);
    struct stat status {};
    if (::fstat(fd.get(), &status) == 0 && static_cast<std::uintmax_t>(status.st_size) > k_max_file_size) {
      throw StoreError(too_large(path));
    }
    return fd;
  } catch (const sys::InputFileError& error) {
    if (error.error() == ENOENT) {
      throw FileNotFoundError("Protected file not found: " + path.string());
    }
    throw StoreError("cannot read the protected file " + std::string(error.what()));
  }
}

// The protected file opened and exclusively locked, and still the file the
// path names.
struct LockedFile {
  FileDescriptor fd;
  struct stat status {};
};

LockedFile open_locked(const std::filesystem::path& path) {
  for (;;) {
    LockedFile locked;
    locked.fd = open_protected_file(path);
    while (::flock(locked.fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) {
        const int error = errno;
        throw StoreError("cannot lock " + path.string() + ": " + errno_text(error));
      }
    }
    struct stat now {};
    if (::fstat(locked.fd.get(), &locked.status) != 0) {
      const int error = errno;
      throw StoreError("cannot stat " + path.string() + ": " + errno_text(error));
    }
    if (::stat(path.c_str(), &now) == 0 && now.st_ino == locked.status.st_ino &&
        now.st_dev == locked.status.st_dev) {
      return locked;
    }
    // Replaced (or removed) while we waited: lock whatever is there now.
  }
}

// A symlinked protected file (say, into a configuration checkout) stays a
// symlink: the write replaces the link's target, in the target's directory.
std::filesystem::path write_target(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_symlink(path, error)) {
    return path;
  }
  std::filesystem::path target = std::filesystem::canonical(path, error);
  if (error == std::errc::no_such_file_or_directory) {
    throw FileNotFoundError("Protected file not found: " + path.string());
  }
  if (error) {
    throw StoreError("cannot read the protected file " + path.string() + ": " + error.message());
  }
  return target;
}

} // namespace

KeyFile load_key_file(const std::filesystem::path& path, AuditClock clock) {
  const FileDescriptor fd = open_protected_file(path);
  const std::string text = read_all(fd.get(), path);
  return KeyFile::parse(text, path.string(), std::move(clock));
}

bool modify_key_file(const std::filesystem::path& path, const std::function<void(KeyFile&)>& change,
                     const ConfirmWrite& confirm, AuditClock clock) {
  // The lock is held from the read to the rename, so no other pprotect
  // writer can slip a change in between and have it overwritten.
  const std::filesystem::path target = write_target(path);
  LockedFile locked = open_locked(target);
  const std::string before = read_all(locked.fd.get(), path);
  KeyFile file = KeyFile::parse(before, path.string(), std::move(clock));
  change(file);
  const std::string after = file.emit();
  check_size_to_write(path, after);
  if (confirm && !confirm(before, after)) {
    return false;
  }
  replace_file(target, after, locked.status);
  return true;
}

bool create_key_file(const std::filesystem::path& path, const std::function<void(KeyFile&)>& change,
                     const ConfirmWrite& confirm, AuditClock clock) {
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) == 0) {
    throw FileExistsError("Protected file already exists: " + path.string());
  }
  KeyFile file = KeyFile::create(std::move(clock));
  change(file);
  const std::string after = file.emit();
  check_size_to_write(path, after);
  if (confirm && !confirm(std::string(), after)) {
    return false;
  }
  create_file(path, after);
  return true;
}

} // namespace pprotect::store
