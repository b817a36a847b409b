#pragma once
// A scratch directory for unit tests, removed with everything in it.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

class TempDir {
public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pprotect-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    // A test may have taken our own rights away, to see a write fail.
    std::filesystem::permissions(m_path, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  // The path of name in the directory.
  std::filesystem::path file(const std::string& name) const { return m_path / name; }
  // Writes content to name and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto path = m_path / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  // What name holds; empty when it cannot be read.
  std::string read(const std::string& name) const {
    std::ifstream in(m_path / name, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

private:
  std::filesystem::path m_path;
};
