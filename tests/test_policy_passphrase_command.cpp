#include "policy/passphrase_command.hpp"
#include "sys/file_descriptor.hpp"
#include "sys/full_io.hpp"
#include "tests/support.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <pty.h>
#include <sstream>
#include <string>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;
using pprotect::policy::Environment;
using pprotect::policy::PassphraseCommand;
using pprotect::policy::PassphraseCommandError;
using pprotect::sys::FileDescriptor;
using pprotect::tests::TempDir;
using Reason = PassphraseCommandError::Reason;

namespace {

const Environment k_env({"PATH=/usr/bin:/bin", "LANG=C"});

std::string run(const std::string& command, std::chrono::milliseconds timeout = 10s,
                const Environment& env = k_env, std::string_view prefix = "PPROTECT") {
  const auto passphrase = pprotect::policy::run_passphrase_command(
      PassphraseCommand{command, "--passphrase-command", timeout}, env, prefix);
  return std::string(passphrase.view());
}

// The error running command threw; fails the test when it succeeded.
PassphraseCommandError failure_of(const std::string& command, std::chrono::milliseconds timeout = 10s) {
  try {
    (void)run(command, timeout);
  } catch (const PassphraseCommandError& error) {
    return error;
  }
  FAIL("the passphrase command succeeded: " << command);
  throw std::logic_error("unreachable");
}

// Processes of the group that are still alive (zombies waiting for their
// reaper count as gone).
std::vector<pid_t> living_members(pid_t group) {
  std::vector<pid_t> members;
  DIR* proc = ::opendir("/proc");
  REQUIRE(proc != nullptr);
  while (const dirent* entry = ::readdir(proc)) {
    const pid_t pid = std::atoi(entry->d_name);
    if (pid <= 0) {
      continue;
    }
    std::ifstream stat("/proc/" + std::string(entry->d_name) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) {
      continue;
    }
    std::istringstream fields(line.substr(close + 2));
    char state = 0;
    pid_t parent = 0;
    pid_t pgrp = 0;
    fields >> state >> parent >> pgrp;
    if (pgrp == group && state != 'Z' && state != 'X') {
      members.push_back(pid);
    }
  }
  ::closedir(proc);
  return members;
}

// Members of a group just sent SIGKILL take a moment to finish dying.
bool group_gone_soon(pid_t group) {
  for (int i = 0; i < 200; ++i) {
    if (living_members(group).empty()) {
      return true;
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

pid_t pid_in(const TempDir& dir, const std::string& name) {
  const std::string text = dir.read(name);
  REQUIRE_FALSE(text.empty());
  return static_cast<pid_t>(std::stol(text));
}

// Points one of our descriptors elsewhere for the length of a scope.
class Redirect {
public:
  Redirect(int target, int replacement) : m_target(target), m_saved(::dup(target)) {
    REQUIRE(m_saved.valid());
    REQUIRE(::dup2(replacement, target) == target);
  }
  ~Redirect() { ::dup2(m_saved.get(), m_target); }
  Redirect(const Redirect&) = delete;
  Redirect& operator=(const Redirect&) = delete;

private:
  int m_target;
  FileDescriptor m_saved;
};

} // namespace

TEST_CASE("The helper's standard output is the passphrase") {
  CHECK(run("printf 'pass phrase'") == "pass phrase");
  CHECK(run("printf '%s' \"$LANG\"") == "C");
}

TEST_CASE("One trailing line break is stripped from the helper's output, and nothing else") {
  CHECK(run("echo pass") == "pass");
  CHECK(run("printf 'pass\\r\\n'") == "pass");
  CHECK(run("printf 'pass\\n\\n'") == "pass\n");
  CHECK(run("printf 'pass\\r'") == "pass\r");
  CHECK(run("printf 'pass\\n\\r\\n'") == "pass\n");
  CHECK(run("printf '  pass \\t\\n'") == "  pass \t");
  CHECK(run("printf 'multi\\nline\\n'") == "multi\nline");
}

TEST_CASE("A helper that prints nothing gives an empty passphrase") {
  CHECK(run("true").empty());
  CHECK(run("echo").empty());
}

TEST_CASE("A helper's non-zero exit is an error naming its status, never its output") {
  const auto error = failure_of("echo hunter2; echo more-hunter2 >&2; exit 3");
  CHECK(error.reason() == Reason::exited);
  CHECK(error.value() == 3);
  CHECK(std::string(error.what()) == "passphrase command exited with status 3 (from --passphrase-command)");
  // A command not found is sh's 127.
  CHECK(failure_of("/nonexistent/helper 2>/dev/null").value() == 127);
}

TEST_CASE("A helper killed by a signal is an error naming the signal") {
  const auto error = failure_of("printf hunter2; kill -9 $$");
  CHECK(error.reason() == Reason::killed);
  CHECK(error.value() == SIGKILL);
  CHECK(std::string(error.what()) == "passphrase command was killed by signal 9 (from --passphrase-command)");
}

TEST_CASE("A helper that does not finish in time is killed with its whole group") {
  TempDir dir;
  const auto started = std::chrono::steady_clock::now();
  const auto error =
      failure_of("echo $$ >" + dir.file("pid").string() + "; printf hunter2; sleep 30 & sleep 30", 300ms);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(error.reason() == Reason::timed_out);
  CHECK(error.value() == 300);
  CHECK(std::string(error.what()) ==
        "passphrase command did not finish in 0.3 s (from --passphrase-command)");
  CHECK(took >= 300ms);
  CHECK(took < 3s);
  // Both sleeps were in the helper's group, which is its own.
  const pid_t helper = pid_in(dir, "pid");
  CHECK(::getpgid(0) != helper);
  CHECK(group_gone_soon(helper));
}

TEST_CASE("A helper that ignores SIGTERM is killed a second later") {
  TempDir dir;
  const auto started = std::chrono::steady_clock::now();
  const auto error = failure_of("trap '' TERM; echo $$ >" + dir.file("pid").string() + "; sleep 30", 200ms);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(error.reason() == Reason::timed_out);
  CHECK(took >= 1200ms);
  CHECK(took < 4s);
  CHECK(group_gone_soon(pid_in(dir, "pid")));
}

TEST_CASE("A helper that reads stdin gets end of input at once, not ours") {
  // Our stdin: a pipe with data that never ends.
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  FileDescriptor reader(ends[0]);
  FileDescriptor writer(ends[1]);
  REQUIRE(pprotect::sys::write_all(writer.get(), "our stdin\n") == 0);
  Redirect stdin_redirect(STDIN_FILENO, reader.get());
  const auto started = std::chrono::steady_clock::now();
  CHECK(run("cat; echo \"read: $?\"", 5s) == "read: 0");
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  CHECK(run("ls -l /proc/$$/fd/0 | sed 's/.*-> //'") == "/dev/null");
}

TEST_CASE("A helper's stderr passes through") {
  TempDir dir;
  FileDescriptor log(::open(dir.file("stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  REQUIRE(log.valid());
  {
    Redirect stderr_redirect(STDERR_FILENO, log.get());
    CHECK(run("echo 'helper: asking the vault' >&2; echo pass") == "pass");
  }
  CHECK(dir.read("stderr") == "helper: asking the vault\n");
}

TEST_CASE("The helper's environment has no passphrase variables") {
  const Environment env({"PATH=/usr/bin:/bin", "PPROTECT_PASSPHRASE=secret-1",
                         "PPROTECT_PASSPHRASE_COMMAND=cmd-1", "MY_PASSPHRASE=secret-2",
                         "MY_PASSPHRASE_COMMAND=cmd-2", "MY_USER=alice@example.com",
                         "PPROTECT_USER=bob@example.com", "OTHER=kept", "MY_PASSPHRASE_X=kept-too"});
  const std::string seen = run("env | sort", 10s, env, "MY");
  CHECK(seen.find("PASSPHRASE=") == std::string::npos);
  CHECK(seen.find("PASSPHRASE_COMMAND=") == std::string::npos);
  CHECK(seen.find("secret-") == std::string::npos);
  CHECK(seen.find("cmd-") == std::string::npos);
  CHECK(seen.find("MY_USER=alice@example.com") != std::string::npos);
  CHECK(seen.find("PPROTECT_USER=bob@example.com") != std::string::npos);
  CHECK(seen.find("OTHER=kept") != std::string::npos);
  CHECK(seen.find("MY_PASSPHRASE_X=kept-too") != std::string::npos);
  CHECK(pprotect::policy::passphrase_command_scrubbed_variables("PPROTECT") ==
        std::vector<std::string>{"PPROTECT_PASSPHRASE", "PPROTECT_PASSPHRASE_COMMAND"});
}

TEST_CASE("More output than a passphrase file may hold is refused") {
  CHECK(run("head -c 1048576 /dev/zero | tr '\\0' p").size() == 1048576);
  auto error = failure_of("head -c 1048577 /dev/zero | tr '\\0' p");
  CHECK(error.reason() == Reason::too_large);
  CHECK(std::string(error.what()) ==
        "passphrase command printed more than 1 MiB (from --passphrase-command)");
  // A helper that never stops writing is stopped.
  TempDir dir;
  const auto started = std::chrono::steady_clock::now();
  error = failure_of("echo $$ >" + dir.file("pid").string() + "; yes");
  CHECK(error.reason() == Reason::too_large);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  CHECK(group_gone_soon(pid_in(dir, "pid")));
}

TEST_CASE("The helper's exit ends its output, not a daemon that keeps stdout open") {
  TempDir dir;
  const auto started = std::chrono::steady_clock::now();
  CHECK(run("sleep 30 & echo $! >" + dir.file("daemon").string() + "; echo pass", 10s) == "pass");
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  (void)::kill(pid_in(dir, "daemon"), SIGKILL);
}

TEST_CASE("The helper starts with no signal blocked or ignored, in a group of its own, with fds 0-2 only") {
  // pprotect-run runs with every signal blocked, and may hold descriptors
  // that are not close-on-exec (LISTEN_FDS).
  sigset_t all;
  sigset_t before;
  sigfillset(&all);
  REQUIRE(::pthread_sigmask(SIG_SETMASK, &all, &before) == 0);
  struct sigaction ignore {};
  struct sigaction usr1_before {};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGUSR1, &ignore, &usr1_before) == 0);
  FileDescriptor inherited(::open("/dev/null", O_RDONLY)); // no O_CLOEXEC
  REQUIRE(inherited.valid());
  std::string signals;
  std::string fds;
  std::string group;
  try {
    // What the shell started with, read by the shell's own process after
    // exec (dash blocks every signal for a moment around each fork).
    signals = run("exec grep -E '^Sig(Blk|Ign)' /proc/self/status");
    // ls alone: a pipeline or a substitution would open fds in the shell.
    fds = run("ls /proc/$$/fd");
    group = run("echo $$; exec cut -d' ' -f5 /proc/self/stat");
  } catch (...) {
    ::sigaction(SIGUSR1, &usr1_before, nullptr);
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    throw;
  }
  ::sigaction(SIGUSR1, &usr1_before, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  CHECK(signals == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000");
  CHECK(fds == "0\n1\n2");
  const auto line_break = group.find('\n');
  REQUIRE(line_break != std::string::npos);
  CHECK(group.substr(0, line_break) == group.substr(line_break + 1));
  CHECK(std::stol(group.substr(0, line_break)) != ::getpgrp());
}

TEST_CASE("A helper dies with the process that runs it") {
  TempDir dir;
  const pid_t runner = ::fork();
  REQUIRE(runner >= 0);
  if (runner == 0) {
    try {
      (void)run("echo $$ >" + dir.file("pid").string() + "; exec sleep 30", 20s);
    } catch (...) {
    }
    ::_exit(0);
  }
  for (int i = 0; i < 500 && dir.read("pid").empty(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  const pid_t helper = pid_in(dir, "pid");
  REQUIRE(::kill(runner, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(runner, &status, 0) == runner);
  CHECK(group_gone_soon(helper));
}

TEST_CASE("Waiting for the helper reaps the helper only") {
  const pid_t other = ::fork();
  REQUIRE(other >= 0);
  if (other == 0) {
    ::_exit(42);
  }
  // Let the other child exit first: a waitpid(-1) would take it now.
  std::this_thread::sleep_for(50ms);
  CHECK(run("echo pass") == "pass");
  int status = 0;
  REQUIRE(::waitpid(other, &status, 0) == other);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 42);
}

TEST_CASE("A helper's status is known where SIGCHLD was ignored, which it stays") {
  struct sigaction ignore {};
  struct sigaction before {};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGCHLD, &ignore, &before) == 0);
  std::string passphrase;
  int status = 0;
  try {
    passphrase = run("echo pass");
    status = failure_of("exit 3").value();
  } catch (...) {
    ::sigaction(SIGCHLD, &before, nullptr);
    throw;
  }
  struct sigaction after {};
  ::sigaction(SIGCHLD, &before, &after);
  CHECK(passphrase == "pass");
  CHECK(status == 3);
  CHECK(after.sa_handler == SIG_IGN);
}

TEST_CASE("A helper gets the terminal while it runs, so it can ask there, and Ctrl-C ends it") {
  // In a child that has a pseudo-terminal as its controlling terminal, in
  // the foreground: an interactive pprotect or pprotect-run.
  // It types once the helper has asked ("ask: " on the terminal).
  const auto in_terminal = [](const std::string& typed, const std::function<int()>& body) {
    int master = -1;
    int slave = -1;
    REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
    FileDescriptor master_fd(master);
    FileDescriptor slave_fd(slave);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 10;
      if (::setsid() >= 0 && ::ioctl(slave, TIOCSCTTY, 0) == 0 && ::tcgetpgrp(slave) == ::getpgrp()) {
        try {
          code = body();
        } catch (...) {
          code = 11;
        }
        if (::tcgetpgrp(slave) != ::getpgrp()) {
          code = 12; // the terminal was not given back
        }
      }
      ::_exit(code);
    }
    slave_fd.reset();
    // Reads what the terminal shows until it closes (EIO), typing once asked.
    std::string shown;
    char buffer[256];
    ssize_t got = 0;
    while ((got = ::read(master_fd.get(), buffer, sizeof buffer)) > 0) {
      const bool asked = shown.find("ask: ") == std::string::npos;
      shown.append(buffer, static_cast<std::size_t>(got));
      if (asked && shown.find("ask: ") != std::string::npos) {
        REQUIRE(pprotect::sys::write_all(master_fd.get(), typed) == 0);
      }
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
  };
  const std::string ask = "printf 'ask: ' >/dev/tty; read -r answer </dev/tty";
  CHECK(in_terminal("typed at the terminal\n", [&] {
          return run(ask + "; printf '%s' \"$answer\"", 5s) == "typed at the terminal" ? 0 : 1;
        }) == 0);
  CHECK(in_terminal("\x03", [&] {
          try {
            (void)run(ask, 5s);
          } catch (const PassphraseCommandError& error) {
            return error.reason() == Reason::killed && error.value() == SIGINT ? 0 : 2;
          }
          return 3;
        }) == 0);
}

TEST_CASE("The wait for a helper never wraps to forever, however long its timeout") {
  using pprotect::policy::poll_timeout;
  using std::chrono::milliseconds;
  CHECK(poll_timeout(milliseconds(0)) == 1);
  CHECK(poll_timeout(milliseconds(5)) == 6);
  CHECK(poll_timeout(milliseconds(-3)) == 1);
  // Past INT_MAX ms (the longest timeout is 1e9 s): an hour at a time.
  CHECK(poll_timeout(milliseconds(std::int64_t{INT_MAX} + 1)) == 3600001);
  CHECK(poll_timeout(std::chrono::seconds(1000000000)) == 3600001);
}
