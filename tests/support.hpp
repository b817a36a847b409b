#pragma once
// What the unit tests share: temporary directories, the reference's
// fixtures and their passphrases, and running code in a child process.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

namespace pprotect::tests {

// tests/fixtures/raw.expected.json: the raw custodian owning domain "ci"
// (secret DEPLOY_TOKEN), and the fast one owning "dev" and "prod".
inline constexpr const char* k_raw_user = "ci@example.com";
inline constexpr const char* k_raw_passphrase =
    "P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P";
inline constexpr const char* k_raw_token = "tok-0123456789abcdef";
inline constexpr const char* k_fast_user = "alice@example.com";
inline constexpr const char* k_fast_passphrase = "alice passphrase";

// The bytes of tests/fixtures/<name>; fails the test when it is missing.
inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(PPROTECT_FIXTURES) + "/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh directory, removed with everything in it.
class TempDir {
public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pprotect-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    // A test may have taken the write permission away.
    std::filesystem::permissions(m_path, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  // Writes content to path()/name and returns the file's path.
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto file = m_path / name;
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }
  // The path of name in the directory.
  std::filesystem::path file(const std::string& name) const { return m_path / name; }
  // What path()/name holds; empty when it cannot be read.
  std::string read(const std::string& name) const {
    std::ifstream in(m_path / name, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

private:
  std::filesystem::path m_path;
};

// Waits for pid and returns its wait status.
inline int wait_for(pid_t pid) {
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

// Runs body in a forked child, which exits with body's return value (2 when
// it throws), and returns the child's wait status. For what must not touch
// the test process itself or cannot be undone: signals, the session, the
// terminal, a seccomp filter, a new session keyring. body must not use
// Catch's assertions: it reports through its status.
inline int in_child(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int status = 1;
    try {
      status = body();
    } catch (...) {
      status = 2;
    }
    ::_exit(status);
  }
  return wait_for(pid);
}

} // namespace pprotect::tests
