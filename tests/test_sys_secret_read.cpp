#include "sys/file_descriptor.hpp"
#include "sys/full_io.hpp"
#include "sys/secret_read.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <functional>
#include <string>
#include <system_error>
#include <unistd.h>

using pprotect::sys::FileDescriptor;
using pprotect::sys::LineInterrupted;
using pprotect::sys::read_secret;
using pprotect::sys::read_secret_line;
using pprotect::sys::SecureReadBuffer;

namespace {
// A pipe whose read end holds text (then end of input).
int pipe_with(const std::string& text) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  REQUIRE(pprotect::sys::write_all(fds[1], text) == 0);
  ::close(fds[1]);
  return fds[0];
}

int error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::system_error& error) {
    return error.code().value();
  }
  return 0;
}
} // namespace

TEST_CASE("read_secret takes everything, up to its bound") {
  const int fd = pipe_with(std::string(10000, 'k'));
  CHECK(read_secret(fd, 10000).view() == std::string(10000, 'k'));
  ::close(fd);
  const int big = pipe_with(std::string(10001, 'k'));
  CHECK(error_of([&] { (void)read_secret(big, 10000); }) == EFBIG);
  ::close(big);
  const int empty = pipe_with("");
  CHECK(read_secret(empty, 10).empty());
  ::close(empty);
}

TEST_CASE("read_secret_line reads one line and leaves the rest") {
  const int fd = pipe_with("first\r\nsecond\nlast");
  CHECK(read_secret_line(fd, 100)->view() == "first");
  CHECK(read_secret_line(fd, 100)->view() == "second");
  CHECK(read_secret_line(fd, 100)->view() == "last");
  CHECK_FALSE(read_secret_line(fd, 100));
  ::close(fd);
  const int blank = pipe_with("\n");
  CHECK(read_secret_line(blank, 100)->empty());
  ::close(blank);
}

TEST_CASE("read_secret_line refuses a line longer than its bound") {
  const int fd = pipe_with(std::string(300, 'x') + "\n");
  CHECK(error_of([&] { (void)read_secret_line(fd, 299); }) == EFBIG);
  ::close(fd);
  const int exact = pipe_with(std::string(300, 'x') + "\n");
  CHECK(read_secret_line(exact, 300)->size() == 300);
  ::close(exact);
}

namespace {
volatile sig_atomic_t g_alarmed = 0;
extern "C" void on_alarm(int /*signal*/) {
  g_alarmed = 1;
}
} // namespace

TEST_CASE("A signal that asks to stop interrupts read_secret_line") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  struct sigaction action {};
  action.sa_handler = on_alarm; // no SA_RESTART: the read is interrupted
  sigaction(SIGALRM, &action, nullptr);
  g_alarmed = 0;
  ::alarm(1);
  CHECK_THROWS_AS(read_secret_line(fds[0], 100, [] { return g_alarmed != 0; }), LineInterrupted);
  signal(SIGALRM, SIG_DFL);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("A secret read grows past its first buffer and keeps every byte") {
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += static_cast<char>('a' + i % 26);
  }
  // A pipe holds 64 KiB: enough for this without a second writer.
  FileDescriptor fd(pipe_with(text));
  SecureReadBuffer buffer(1 << 20);
  CHECK(buffer.read_to_end(fd.get()) == 0);
  CHECK(buffer.size() == text.size());
  CHECK(buffer.view() == text);
  CHECK_FALSE(buffer.too_large());
}

TEST_CASE("A secret read takes exactly its bound and refuses one byte more") {
  {
    FileDescriptor fd(pipe_with(std::string(5000, 'x')));
    SecureReadBuffer buffer(5000);
    CHECK(buffer.read_to_end(fd.get()) == 0);
    CHECK(buffer.size() == 5000);
  }
  FileDescriptor fd(pipe_with(std::string(5001, 'x')));
  SecureReadBuffer buffer(5000);
  CHECK(buffer.read_to_end(fd.get()) == EFBIG);
  CHECK(buffer.too_large());
  CHECK(buffer.size() == 5000);
  CHECK(buffer.read_some(fd.get()) == -EFBIG);
}

TEST_CASE("An empty input is an empty buffer") {
  FileDescriptor fd(pipe_with(""));
  SecureReadBuffer buffer(16);
  CHECK(buffer.read_to_end(fd.get()) == 0);
  CHECK(buffer.view().empty());
}
