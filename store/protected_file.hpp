#pragma once
// The protected file on disk: reads, and writes that never lose data.

#include "store/key_file.hpp"

#include <filesystem>
#include <functional>
#include <string>

namespace pprotect::store {

// The largest protected file we read: 16 MiB, 15 times a file of 200
// domains of 25 secrets each. Parsing takes about 8 bytes of memory per byte
// of file, so a hostile 1 GB file would otherwise take 8 GB.
inline constexpr std::size_t k_max_file_size = std::size_t{16} << 20U;

// Throws FileNotFoundError when the file is missing, StoreError when it is
// no regular file (a FIFO, a directory, a device), is larger than
// k_max_file_size or does not load.
KeyFile load_key_file(const std::filesystem::path& path, AuditClock clock = {});

// Called with the text before and after a change; return false to write
// nothing (used by --confirm).
using ConfirmWrite = std::function<bool(const std::string& before, const std::string& after)>;

// Takes an exclusive lock, re-reads the file under it, applies the change,
// then writes a temp file in the same directory, fsyncs it, renames it over
// the file and fsyncs the directory, keeping the file's mode. On any
// failure (an exception from change included) the file is left as it was.
// Returns false when confirm declined. The lock is flock(LOCK_EX) on the
// protected file itself, re-taken when a rename replaced the file while we
// waited; no lock file is created.
bool modify_key_file(const std::filesystem::path& path, const std::function<void(KeyFile&)>& change,
                     const ConfirmWrite& confirm = {}, AuditClock clock = {});

// Creates a new file; throws FileExistsError when one is there already.
// Nothing is left behind when change throws.
bool create_key_file(const std::filesystem::path& path, const std::function<void(KeyFile&)>& change,
                     const ConfirmWrite& confirm = {}, AuditClock clock = {});

} // namespace pprotect::store
