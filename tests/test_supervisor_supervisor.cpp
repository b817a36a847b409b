// supervise() on plain commands: exit statuses, command look-up, deadlines.
#include "launcher/supervisor/supervisor.hpp"
#include "sys/exit_status.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <string>
#include <vector>

using namespace pprotect::supervisor;

extern char** environ;

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
  CHECK(run_plain({"/nonexistent/pprotect-test"}) == pprotect::sys::exit_not_found);
  CHECK(run_plain({"pprotect-test-no-such-command"}) == pprotect::sys::exit_not_found);
  CHECK(run_plain({"/"}) == pprotect::sys::exit_not_executable);
  CHECK(run_plain({"/etc/hostname"}) == pprotect::sys::exit_not_executable);
}

TEST_CASE("The child is run by argv[0] as given, found in PATH") {
  CHECK(run_plain({"sh", "-c", "[ \"$0\" = sh ]"}) == 0);
}

TEST_CASE("A deadline (timeout) ends the child and gives 124") {
  SupervisorOptions options;
  options.timeout = 0.2;
  CHECK(run_plain({"sleep", "30"}, options) == pprotect::sys::exit_timeout);
}
