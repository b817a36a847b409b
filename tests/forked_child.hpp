#pragma once
// Running part of a unit test in a forked child: for what cannot be undone
// in the test's own process (a seccomp filter, a new session keyring) or
// needs a process of its own (a session leader with a terminal).

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

// Runs child() in a forked process and returns its exit status: child()'s
// result, 2 when it threw. child() must not use Catch's assertions: report
// through the status instead.
template <typename Child> int in_child(Child&& child) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int status = 1;
    try {
      status = child();
    } catch (...) {
      status = 2;
    }
    ::_exit(status);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}
