// Secret files: sealed memfds the child reads, and a directory on a tmpfs.
#include "launcher/supervisor/secret_files.hpp"
#include "sys/full_io.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

using pprotect::supervisor::Rewrites;
using pprotect::supervisor::SecretDirectory;
using pprotect::supervisor::SecretFile;
namespace fs = std::filesystem;

namespace {

std::string read_path(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string random_bytes(std::size_t size) {
  std::mt19937 random(42);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) {
    byte = static_cast<char>(random() & 0xff);
  }
  return bytes;
}

std::string link_of(int fd) {
  return fs::read_symlink("/proc/self/fd/" + std::to_string(fd)).string();
}

} // namespace

TEST_CASE("A secret file holds the exact bytes, read as often as one likes") {
  for (const std::string& bytes : {std::string(), std::string("tok-1\n"), random_bytes(1 << 20)}) {
    SecretFile file("TOKEN", bytes, Rewrites::never);
    CHECK(file.path() == "/dev/fd/" + std::to_string(file.fd()));
    CHECK(read_path(file.path()) == bytes);
    CHECK(read_path(file.path()) == bytes); // a FIFO would be empty now
  }
}

TEST_CASE("A secret file is a memfd, mode 0400, that nobody can write, grow or shrink") {
  SecretFile file("db-pass", "s3cret", Rewrites::never);
  CHECK(link_of(file.fd()).rfind("/memfd:pprotect:db-pass", 0) == 0);
  struct stat status {};
  REQUIRE(::fstat(file.fd(), &status) == 0);
  CHECK((status.st_mode & 07777) == 0400);
  CHECK((::fcntl(file.fd(), F_GETFL) & O_ACCMODE) == O_RDONLY);
  const int seals = ::fcntl(file.fd(), F_GET_SEALS);
  CHECK((seals & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)) ==
        (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL));
  // Not even root, reopening it for writing, changes it.
  const int writable = ::open(file.path().c_str(), O_WRONLY);
  if (writable >= 0) {
    CHECK(::write(writable, "x", 1) == -1);
    CHECK(errno == EPERM);
    CHECK(::ftruncate(writable, 0) == -1);
    ::close(writable);
  }
  CHECK(read_path(file.path()) == "s3cret");
}

TEST_CASE("A hostile secret name gives a short, plain memfd name") {
  SecretFile file(std::string(300, 'a') + "/\x1b[31m", "v", Rewrites::never);
  const std::string link = link_of(file.fd());
  CHECK(link.size() < 100);
  CHECK(link.find('\x1b') == std::string::npos);
}

TEST_CASE("A rewritable secret file takes new contents at the same descriptor, and only from us") {
  SecretFile file("TOKEN", "first value", Rewrites::in_place);
  const int fd = file.fd();
  CHECK(read_path(file.path()) == "first value");
  file.rewrite("a second, longer value");
  CHECK(file.fd() == fd);
  CHECK(read_path(file.path()) == "a second, longer value");
  file.rewrite("3");
  CHECK(read_path(file.path()) == "3");
  file.rewrite("");
  CHECK(read_path(file.path()).empty());
  CHECK((::fcntl(fd, F_GET_SEALS) & F_SEAL_FUTURE_WRITE) != 0);
  const int writable = ::open(file.path().c_str(), O_WRONLY);
  if (writable >= 0) {
    CHECK(::write(writable, "x", 1) == -1);
    ::close(writable);
  }
}

TEST_CASE("A sealed secret file refuses a rewrite") {
  SecretFile file("TOKEN", "v", Rewrites::never);
  CHECK_THROWS_AS(file.rewrite("w"), std::system_error);
  CHECK(read_path(file.path()) == "v");
}

TEST_CASE("The secret directory is 0700 on a tmpfs, its files 0400, and it goes with the object") {
  fs::path path;
  {
    SecretDirectory directory;
    path = directory.path();
    struct statfs fs_status {};
    REQUIRE(::statfs(path.c_str(), &fs_status) == 0);
    CHECK(fs_status.f_type == 0x01021994); // TMPFS_MAGIC
    CHECK((fs::status(path).permissions() & fs::perms::all) == fs::perms::owner_all);
    directory.put("db-pass", "one");
    directory.put("TOKEN", random_bytes(4096));
    CHECK(read_path((path / "db-pass").string()) == "one");
    CHECK((fs::status(path / "db-pass").permissions() & fs::perms::all) == fs::perms::owner_read);
    directory.put("db-pass", "two"); // replaced, not appended
    CHECK(read_path((path / "db-pass").string()) == "two");
    directory.keep_only({"TOKEN"});
    CHECK_FALSE(fs::exists(path / "db-pass"));
    CHECK(fs::exists(path / "TOKEN"));
  }
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("A secret directory file may have a name of 255 bytes, and a failed write names the secret") {
  SecretDirectory directory;
  const std::string longest(255, 'n');
  directory.put(longest, "v");
  CHECK(read_path((directory.path() / longest).string()) == "v");
  const std::string too_long(256, 'm');
  try {
    directory.put(too_long, "w");
    FAIL("a name over NAME_MAX was written");
  } catch (const std::system_error& error) {
    CHECK(error.code().value() == ENAMETOOLONG);
    CHECK(std::string(error.what()).find("secret '" + too_long + "'") != std::string::npos);
  }
  // Nothing but the secret's file is left, temporary ones neither.
  CHECK(std::distance(fs::directory_iterator(directory.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("The secret directory skips an XDG_RUNTIME_DIR that is no tmpfs") {
  const char* before = std::getenv("XDG_RUNTIME_DIR");
  const std::string saved = before != nullptr ? before : "";
  const fs::path disk = fs::current_path(); // the build tree: not a tmpfs here
  struct statfs fs_status {};
  REQUIRE(::statfs(disk.c_str(), &fs_status) == 0);
  if (fs_status.f_type == 0x01021994) {
    WARN("the working directory is a tmpfs: nothing to tell apart");
    SUCCEED();
    return;
  }
  ::setenv("XDG_RUNTIME_DIR", disk.c_str(), 1);
  {
    SecretDirectory directory;
    CHECK(directory.path().parent_path() != disk);
  }
  if (before != nullptr) {
    ::setenv("XDG_RUNTIME_DIR", saved.c_str(), 1);
  } else {
    ::unsetenv("XDG_RUNTIME_DIR");
  }
}
