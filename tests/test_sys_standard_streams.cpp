// Placeholders for standard streams that were closed at start.
#include "sys/standard_streams.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <fcntl.h>
#include <initializer_list>
#include <sys/wait.h>
#include <unistd.h>

using pprotect::sys::hold_closed_standard_streams;
using pprotect::sys::standard_stream_was_closed;

namespace {

// Runs check in a child whose descriptors in `closed` are closed, after
// hold_closed_standard_streams(); the child's exit status is check's
// number of the first failed condition (0: all held).
int in_child_with_closed(std::initializer_list<int> closed, int (*check)()) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    for (int fd : closed) {
      close(fd);
    }
    hold_closed_standard_streams();
    _exit(check());
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

// What a closed slot must look like once held, and that the next
// descriptor opened lands above 2.
int closed_slot_held(int fd) {
  const int flags = fcntl(fd, F_GETFD);
  if (flags == -1 || (flags & FD_CLOEXEC) == 0) {
    return 1; // not held, or a child would inherit it
  }
  char byte = 'x';
  if (write(fd, &byte, 1) != -1 || errno != EBADF) {
    return 2; // writable: output would go somewhere
  }
  if (read(fd, &byte, 1) != 0) {
    return 3; // not at end of input
  }
  if (!standard_stream_was_closed(fd)) {
    return 4;
  }
  return 0;
}

int next_open_lands_above_2() {
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd > 2 ? 0 : 5;
}

} // namespace

TEST_CASE("A closed stdout is held, never writable, and the next descriptor lands above it") {
  CHECK(in_child_with_closed({1}, [] {
          const int held = closed_slot_held(1);
          if (held != 0) {
            return held;
          }
          if (standard_stream_was_closed(0) || standard_stream_was_closed(2)) {
            return 6; // the open ones are not taken for closed
          }
          return next_open_lands_above_2();
        }) == 0);
}

TEST_CASE("All three closed: each is held, none is the pipe's write end") {
  CHECK(in_child_with_closed({0, 1, 2}, [] {
          for (int fd = 0; fd < 3; ++fd) {
            if (const int held = closed_slot_held(fd); held != 0) {
              return held;
            }
          }
          return next_open_lands_above_2();
        }) == 0);
}

TEST_CASE("stdin and stderr closed, stdout open: both held, stdout untouched") {
  CHECK(in_child_with_closed({0, 2}, [] {
          if (closed_slot_held(0) != 0 || closed_slot_held(2) != 0) {
            return 7;
          }
          const int flags = fcntl(1, F_GETFD);
          if (flags == -1 || (flags & FD_CLOEXEC) != 0) {
            return 8;
          }
          return next_open_lands_above_2();
        }) == 0);
}

TEST_CASE("Nothing closed: nothing changes") {
  CHECK(in_child_with_closed({}, [] {
          for (int fd = 0; fd < 3; ++fd) {
            if (standard_stream_was_closed(fd)) {
              return 9;
            }
          }
          const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
          return fd > 2 ? 0 : 10;
        }) == 0);
}
