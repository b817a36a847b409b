// Unit tests of the supervisor's small parsers and of supervise() on plain
// commands (no protected file involved).
#include "launcher/supervisor.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>
#include <string>
#include <vector>

using namespace pprotect::launcher;

extern char** environ;

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

TEST_CASE("Durations take timeout(1)'s suffixes and refuse the rest") {
  CHECK(parse_duration("1.5") == 1.5);
  CHECK(parse_duration("2s") == 2.0);
  CHECK(parse_duration("0.5m") == 30.0);
  CHECK(parse_duration("1h") == 3600.0);
  CHECK(parse_duration("1d") == 86400.0);
  CHECK(parse_duration("0") == 0.0);
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("-1"));
  CHECK_FALSE(parse_duration("1x"));
  CHECK_FALSE(parse_duration("nan"));
  CHECK_FALSE(parse_duration("1 s"));
}

TEST_CASE("The duration bound holds after the unit is applied") {
  CHECK(parse_duration("1000000000") == 1e9);
  CHECK(parse_duration("1000000000s") == 1e9);
  CHECK_FALSE(parse_duration("1000000001"));
  CHECK(parse_duration("16666666m") == 16666666.0 * 60);
  CHECK_FALSE(parse_duration("16666667m"));
  CHECK(parse_duration("277777h") == 277777.0 * 3600);
  CHECK_FALSE(parse_duration("277778h"));
  CHECK(parse_duration("11574d") == 11574.0 * 86400);
  CHECK_FALSE(parse_duration("11575d"));
  // The overflows seen: a deadline that fired at once.
  CHECK_FALSE(parse_duration("106752d"));
  CHECK_FALSE(parse_duration("2562048h"));
  CHECK_FALSE(parse_duration("1000000d"));
  CHECK_FALSE(parse_duration("inf"));
  CHECK_FALSE(parse_duration("1e300"));
}

namespace {
int run_plain(const std::vector<std::string>& argv, SupervisorOptions options = {}) {
  options.quiet = true;
  const StartupSignals signals = StartupSignals::block_all();
  const int status = supervise(argv, environ, options, signals);
  signals.restore();
  return status;
}
} // namespace

TEST_CASE("The child's exit code and death by signal come back") {
  CHECK(run_plain({"sh", "-c", "exit 0"}) == 0);
  CHECK(run_plain({"sh", "-c", "exit 42"}) == 42);
  CHECK(run_plain({"sh", "-c", "kill -TERM $$"}) == 128 + SIGTERM);
  CHECK(run_plain({"sh", "-c", "kill -KILL $$"}) == 128 + SIGKILL);
}

TEST_CASE("A missing command is 127, one that cannot run is 126") {
  CHECK(run_plain({"/nonexistent/pprotect-test"}) == k_exit_not_found);
  CHECK(run_plain({"pprotect-test-no-such-command"}) == k_exit_not_found);
  CHECK(run_plain({"/"}) == k_exit_not_executable);
  CHECK(run_plain({"/etc/hostname"}) == k_exit_not_executable);
}

TEST_CASE("The child is run by argv[0] as given, found in PATH") {
  CHECK(run_plain({"sh", "-c", "[ \"$0\" = sh ]"}) == 0);
}

TEST_CASE("A deadline (timeout) ends the child and gives 124") {
  SupervisorOptions options;
  options.timeout = 0.2;
  CHECK(run_plain({"sleep", "30"}, options) == k_exit_timeout);
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
