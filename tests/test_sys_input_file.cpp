#include "sys/input_file.hpp"
#include "tests/support.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using pprotect::sys::InputFileError;
using pprotect::sys::InputKind;
using pprotect::sys::open_input_file;
namespace fs = std::filesystem;

namespace {
// The reason open_input_file gives, or "" when it opens.
std::string refusal(const std::string& path, InputKind kind) {
  try {
    (void)open_input_file(path, kind);
    return "";
  } catch (const InputFileError& error) {
    return error.reason();
  }
}
} // namespace

TEST_CASE("A regular file opens for every kind of input") {
  const pprotect::tests::TempDir dir;
  const fs::path file = dir.path() / "f";
  std::ofstream(file) << "x";
  for (const InputKind kind : {InputKind::regular_file, InputKind::file_or_pipe, InputKind::file_or_stream}) {
    CHECK(refusal(file, kind).empty());
  }
}

TEST_CASE("A named FIFO is refused at once, never waited on") {
  const pprotect::tests::TempDir dir;
  const fs::path fifo = dir.path() / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto start = std::chrono::steady_clock::now();
  for (const InputKind kind : {InputKind::regular_file, InputKind::file_or_pipe, InputKind::file_or_stream}) {
    CHECK(refusal(fifo, kind).find("a FIFO (named pipe)") == 0);
  }
  // Not a timing test: opening it for reading would have blocked forever.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("An anonymous pipe is a passphrase or value source, never a protected file") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string path = "/proc/self/fd/" + std::to_string(fds[0]);
  CHECK(refusal(path, InputKind::regular_file) == "a pipe, not a regular file");
  CHECK(refusal(path, InputKind::file_or_pipe).empty());
  CHECK(refusal(path, InputKind::file_or_stream).empty());
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("Directories, devices and missing files say what they are") {
  const pprotect::tests::TempDir dir;
  CHECK(refusal(dir.path(), InputKind::file_or_stream) == "a directory, not a regular file");
  CHECK(refusal("/dev/null", InputKind::file_or_pipe) == "a device, not a regular file");
  CHECK(refusal("/dev/null", InputKind::file_or_stream).empty());
  try {
    (void)open_input_file((dir.path() / "missing").string(), InputKind::regular_file);
    FAIL("opened");
  } catch (const InputFileError& error) {
    CHECK(error.error() == ENOENT);
  }
  const fs::path loop = dir.path() / "loop";
  fs::create_symlink(loop.filename(), loop);
  try {
    (void)open_input_file(loop.string(), InputKind::regular_file);
    FAIL("opened");
  } catch (const InputFileError& error) {
    CHECK(error.error() == ELOOP);
  }
}
