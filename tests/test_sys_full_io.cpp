#include "sys/file_descriptor.hpp"
#include "sys/full_io.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <string>
#include <unistd.h>

using pprotect::sys::FileDescriptor;

namespace {
struct Pipe {
  FileDescriptor read_end;
  FileDescriptor write_end;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    read_end = FileDescriptor(fds[0]);
    write_end = FileDescriptor(fds[1]);
  }
};
} // namespace

TEST_CASE("read_all takes what a pipe holds to its end") {
  Pipe pipe;
  const std::string text(200000, 'x');
  // More than a pipe buffer: written from another process.
  const pid_t writer = fork();
  REQUIRE(writer >= 0);
  if (writer == 0) {
    pipe.read_end.reset();
    _exit(pprotect::sys::write_all(pipe.write_end.get(), text) == 0 ? 0 : 1);
  }
  pipe.write_end.reset();
  std::string out = "prefix:";
  CHECK(pprotect::sys::read_all(pipe.read_end.get(), out, 1U << 20U) == 0);
  CHECK(out == "prefix:" + text);
}

TEST_CASE("read_all stops at its bound with EFBIG") {
  Pipe pipe;
  REQUIRE(pprotect::sys::write_all(pipe.write_end.get(), "0123456789") == 0);
  pipe.write_end.reset();
  std::string out;
  CHECK(pprotect::sys::read_all(pipe.read_end.get(), out, 4) == EFBIG);
  CHECK(out == "0123");
}

TEST_CASE("write_all reports the errno of a failed write") {
  Pipe pipe;
  pipe.read_end.reset();
  // No reader: EPIPE (SIGPIPE is ignored for the test's sake).
  const auto previous = ::signal(SIGPIPE, SIG_IGN);
  CHECK(pprotect::sys::write_all(pipe.write_end.get(), "x") == EPIPE);
  ::signal(SIGPIPE, previous);
}

TEST_CASE("A FileDescriptor closes once, and gives its descriptor up on release") {
  Pipe pipe;
  const int fd = pipe.write_end.get();
  FileDescriptor moved = std::move(pipe.write_end);
  CHECK_FALSE(pipe.write_end.valid());
  CHECK(moved.get() == fd);
  const int released = moved.release();
  CHECK_FALSE(moved.valid());
  CHECK(::close(released) == 0);
}
