// Signals of the supervisor: parsing names, the start-up mask that loses
// none, and stop requests before the child exists.
#include "launcher/supervisor/signals.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace pprotect::supervisor;

TEST_CASE("Signals are parsed by name, SIG name, number and real-time offset") {
  CHECK(parse_signal("TERM") == SIGTERM);
  CHECK(parse_signal("SIGTERM") == SIGTERM);
  CHECK(parse_signal("sigkill") == SIGKILL);
  CHECK(parse_signal("15") == SIGTERM);
  CHECK(parse_signal("USR1") == SIGUSR1);
  CHECK(parse_signal("RTMIN") == SIGRTMIN);
  CHECK(parse_signal("RTMIN+3") == SIGRTMIN + 3);
  CHECK(parse_signal("SIGRTMAX-1") == SIGRTMAX - 1);
  CHECK_FALSE(parse_signal("0"));
  CHECK_FALSE(parse_signal("65"));
  CHECK_FALSE(parse_signal("TERMINATE"));
  CHECK_FALSE(parse_signal("RTMIN+99"));
  CHECK_FALSE(parse_signal("RTMIN-1"));
  CHECK_FALSE(parse_signal(""));
}

TEST_CASE("The launcher's own signals are blocked only while it supervises") {
  struct sigaction before {};
  sigaction(SIGTERM, nullptr, &before);
  const StartupSignals signals = StartupSignals::block_all();
  sigset_t now;
  sigprocmask(SIG_SETMASK, nullptr, &now);
  CHECK(sigismember(&now, SIGUSR1) == 1);
  CHECK(sigismember(&now, SIGWINCH) == 1);
  // Stop requests end the launcher until the child is about to start...
  for (const int stop : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
    CHECK(sigismember(&now, stop) == 0);
    struct sigaction action {};
    sigaction(stop, nullptr, &action);
    CHECK(action.sa_handler != SIG_DFL);
  }
  // ... then they wait for it like every other signal.
  signals.hold_stop_requests();
  sigprocmask(SIG_SETMASK, nullptr, &now);
  CHECK(sigismember(&now, SIGTERM) == 1);
  signals.restore();
  sigprocmask(SIG_SETMASK, nullptr, &now);
  CHECK(sigismember(&now, SIGTERM) == sigismember(&signals.original_mask(), SIGTERM));
  struct sigaction after {};
  sigaction(SIGTERM, nullptr, &after);
  CHECK(after.sa_handler == before.sa_handler);
}

TEST_CASE("A stop request before the child exists ends the launcher with 128+N") {
  for (const int stop : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      (void)StartupSignals::block_all();
      raise(SIGUSR1); // not a stop request: stays pending
      raise(stop);
      _exit(0); // not reached
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 128 + stop);
  }
}

TEST_CASE("A stop request the launcher was started with ignored stays ignored") {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    signal(SIGTERM, SIG_IGN);
    const StartupSignals signals = StartupSignals::block_all();
    raise(SIGTERM);
    signals.restore();
    _exit(7);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
}
