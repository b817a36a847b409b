// supervise() on plain commands: exit statuses, command look-up, deadlines,
// restarts.
#include "launcher/supervisor/supervisor.hpp"
#include "sys/exit_status.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace pprotect::supervisor;

extern char** environ;

namespace {

// Each start gets our own environment; counts the starts.
class PlainSource : public ChildSource {
public:
  int prepared = 0;
  int started_count = 0;
  ChildLaunch prepare() override {
    ++prepared;
    return ChildLaunch{environ, {}};
  }
  void started() override { ++started_count; }
};

// Runs argv under options with source; returns the exit status.
int supervised(const std::vector<std::string>& argv, PlainSource& source, const SupervisorOptions& options) {
  const StartupSignals signals = StartupSignals::block_all();
  const int status = supervise(argv, source, options, signals);
  signals.restore();
  return status;
}

int run_plain(const std::vector<std::string>& argv, SupervisorOptions options = {}) {
  options.quiet = true;
  PlainSource source;
  return supervised(argv, source, options);
}

// Options for a restart test: quiet, a short back-off.
SupervisorOptions restarting(RestartWhen when, std::optional<unsigned> max_restarts = std::nullopt) {
  SupervisorOptions options;
  options.quiet = true;
  options.restart.when = when;
  options.restart.max_restarts = max_restarts;
  options.restart.delay = 0.01;
  return options;
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

TEST_CASE("Restart on-failure starts a failing child again, up to --max-restarts") {
  PlainSource source;
  CHECK(supervised({"sh", "-c", "exit 3"}, source, restarting(RestartWhen::on_failure, 3)) == 3);
  CHECK(source.prepared == 4); // the first start and three restarts
  CHECK(source.started_count == 4);
}

TEST_CASE("Restart on-failure does not restart a child that succeeded") {
  PlainSource source;
  CHECK(supervised({"true"}, source, restarting(RestartWhen::on_failure)) == 0);
  CHECK(source.prepared == 1);
}

TEST_CASE("Restart always restarts a child that succeeded too") {
  PlainSource source;
  CHECK(supervised({"true"}, source, restarting(RestartWhen::always, 2)) == 0);
  CHECK(source.prepared == 3);
}

TEST_CASE("A start that fails counts as a failed run for restarts") {
  // prepare() throws from the second start on: 125, said once per start.
  class FailingSource : public PlainSource {
  public:
    ChildLaunch prepare() override {
      if (++prepared > 1) {
        throw std::runtime_error("no more");
      }
      return ChildLaunch{environ, {}};
    }
  } source;
  CHECK(supervised({"sh", "-c", "exit 1"}, source, restarting(RestartWhen::on_failure, 2)) ==
        pprotect::sys::exit_launcher_error);
  CHECK(source.prepared == 3);
}
