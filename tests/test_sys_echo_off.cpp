#include "sys/echo_off.hpp"
#include "sys/file_descriptor.hpp"
#include "tests/support.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <termios.h>
#include <unistd.h>

using pprotect::sys::EchoOff;
using pprotect::sys::FileDescriptor;

namespace {

// A pseudo-terminal: the master here, the slave's name for whoever opens it.
struct PseudoTerminal {
  FileDescriptor master;
  std::string slave;
  PseudoTerminal() : master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) {
    REQUIRE(master.valid());
    REQUIRE(::grantpt(master.get()) == 0);
    REQUIRE(::unlockpt(master.get()) == 0);
    slave = ::ptsname(master.get());
  }
  bool echoes() const {
    const FileDescriptor fd(::open(slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    termios mode{};
    REQUIRE(::tcgetattr(fd.get(), &mode) == 0);
    return (mode.c_lflag & ECHO) != 0;
  }
};

} // namespace

TEST_CASE("Echo is off on a terminal for the scope's lifetime, and back after") {
  PseudoTerminal terminal;
  REQUIRE(terminal.echoes());
  const FileDescriptor slave(::open(terminal.slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  {
    const EchoOff quiet(slave.get());
    CHECK(quiet.active());
    CHECK_FALSE(terminal.echoes());
  }
  CHECK(terminal.echoes());
}

TEST_CASE("On a pipe EchoOff does nothing") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  {
    const EchoOff quiet(fds[0]);
    CHECK_FALSE(quiet.active());
  }
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("A signal that ends the process with echo off leaves the terminal echoing") {
  for (const int signal_number : {SIGTERM, SIGINT, SIGHUP}) {
    PseudoTerminal terminal;
    const int status = pprotect::tests::in_child([&] {
      ::signal(signal_number, SIG_DFL);
      const FileDescriptor slave(::open(terminal.slave.c_str(), O_RDWR | O_NOCTTY));
      const EchoOff quiet(slave.get());
      ::raise(signal_number);
      return 0; // not reached
    });
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == signal_number);
    CHECK(terminal.echoes());
  }
}

namespace {
volatile sig_atomic_t g_handled = 0;
extern "C" void note(int /*signal*/) {
  g_handled = 1;
}
} // namespace

TEST_CASE("A handled signal runs its handler, and echo is off again after it") {
  PseudoTerminal terminal;
  const FileDescriptor slave(::open(terminal.slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  struct sigaction handler {};
  handler.sa_handler = note;
  struct sigaction previous {};
  ::sigaction(SIGUSR1, &handler, &previous);
  g_handled = 0;
  {
    const EchoOff quiet(slave.get());
    ::raise(SIGUSR1);
    CHECK(g_handled == 1);
    CHECK_FALSE(terminal.echoes());
  }
  CHECK(terminal.echoes());
  ::sigaction(SIGUSR1, &previous, nullptr);
}
