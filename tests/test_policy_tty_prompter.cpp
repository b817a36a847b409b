#include "policy/tty_prompter.hpp"
#include "tests/support.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

using pprotect::policy::TtyPrompter;

namespace {

// A pseudo-terminal whose slave becomes the controlling terminal of a forked
// child in a new session: the child's /dev/tty is the slave, and the test
// plays the user on the master.
class PseudoTerminal {
public:
  PseudoTerminal() {
    m_master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(m_master >= 0);
    REQUIRE(::grantpt(m_master) == 0);
    REQUIRE(::unlockpt(m_master) == 0);
    m_slave_name = ::ptsname(m_master);
  }
  ~PseudoTerminal() { ::close(m_master); }
  PseudoTerminal(const PseudoTerminal&) = delete;
  PseudoTerminal& operator=(const PseudoTerminal&) = delete;

  int master() const { return m_master; }
  // In the child: new session, the slave as controlling terminal.
  void attach_in_child() const {
    if (::setsid() < 0) {
      ::_exit(90);
    }
    const int slave = ::open(m_slave_name.c_str(), O_RDWR); // no O_NOCTTY: becomes the controlling tty
    if (slave < 0) {
      ::_exit(91);
    }
  }
  // Reads what the terminal shows until `marker` appeared (or 10 s of
  // silence, so a broken build fails instead of hanging).
  std::string read_until(std::string_view marker) {
    while (m_screen.find(marker) == std::string::npos) {
      if (!read_some()) {
        break;
      }
    }
    return m_screen;
  }
  // Reads until the child closed its side.
  std::string read_all() {
    while (read_some()) {
    }
    return m_screen;
  }
  void type(std::string_view text) const {
    REQUIRE(::write(m_master, text.data(), text.size()) == ssize_t(text.size()));
  }
  bool echo_is_on() const {
    struct termios mode {};
    REQUIRE(::tcgetattr(m_master, &mode) == 0);
    return (mode.c_lflag & ECHO) != 0;
  }

private:
  bool read_some() {
    struct pollfd pfd {
      m_master, POLLIN, 0
    };
    if (::poll(&pfd, 1, 10000) <= 0) {
      return false;
    }
    char buffer[256];
    const ssize_t got = ::read(m_master, buffer, sizeof buffer);
    if (got <= 0) {
      return false; // EIO once the slave's last holder is gone
    }
    m_screen.append(buffer, static_cast<std::size_t>(got));
    return true;
  }
  int m_master = -1;
  std::string m_slave_name;
  std::string m_screen;
};

using pprotect::tests::wait_for;

} // namespace

TEST_CASE("Without a controlling terminal the prompter is not available") {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setsid(); // a new session has no controlling terminal
    TtyPrompter prompter;
    ::_exit(prompter.available() ? 1 : 0);
  }
  const int status = wait_for(pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("A secret is read from the terminal without echo, and stdin is left untouched") {
  PseudoTerminal terminal;
  int result_pipe[2];
  int stdin_pipe[2];
  REQUIRE(::pipe(result_pipe) == 0);
  REQUIRE(::pipe(stdin_pipe) == 0);
  REQUIRE(::write(stdin_pipe[1], "child-stdin\n", 12) == 12);
  ::close(stdin_pipe[1]);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    terminal.attach_in_child();
    ::dup2(stdin_pipe[0], 0);
    ::close(result_pipe[0]);
    TtyPrompter prompter;
    if (!prompter.available()) {
      ::_exit(2);
    }
    prompter.say("Verify credentials for /p");
    const auto user = prompter.ask_line("User email: ");
    const auto secret = prompter.ask_secret("Passphrase: ");
    if (!user || !secret) {
      ::_exit(3);
    }
    std::string report = *user + "|" + std::string(secret->view()) + "|";
    char buffer[64] = {};
    const ssize_t got = ::read(0, buffer, sizeof buffer - 1);
    report += std::string(buffer, got > 0 ? static_cast<std::size_t>(got) : 0U);
    (void)::write(result_pipe[1], report.data(), report.size());
    ::_exit(0);
  }
  ::close(result_pipe[1]);
  ::close(stdin_pipe[0]);
  terminal.read_until("User email: ");
  terminal.type("ci@example.com\n");
  terminal.read_until("Passphrase: ");
  terminal.type("hunter2\n");
  const std::string screen = terminal.read_all();
  const int status = wait_for(pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  char buffer[256] = {};
  const ssize_t got = ::read(result_pipe[0], buffer, sizeof buffer - 1);
  ::close(result_pipe[0]);
  REQUIRE(got > 0);
  CHECK(std::string(buffer, static_cast<std::size_t>(got)) == "ci@example.com|hunter2|child-stdin\n");
  CHECK(screen.find("Verify credentials for /p") != std::string::npos);
  CHECK(screen.find("ci@example.com") != std::string::npos); // the user's line is echoed
  CHECK(screen.find("hunter2") == std::string::npos);        // the passphrase is not
  CHECK(terminal.echo_is_on());
}

TEST_CASE("A terminating signal during a secret prompt restores echo before the process dies") {
  PseudoTerminal terminal;
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::signal(SIGTERM, SIG_DFL); // as a fresh process has it (Catch installs its own)
    terminal.attach_in_child();
    TtyPrompter prompter;
    (void)prompter.ask_secret("Passphrase: ");
    ::_exit(0);
  }
  terminal.read_until("Passphrase: ");
  CHECK_FALSE(terminal.echo_is_on()); // the prompt is waiting with echo off
  REQUIRE(::kill(pid, SIGTERM) == 0);
  const int status = wait_for(pid);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK(terminal.echo_is_on());
}

namespace {
extern "C" void exit_seven(int /*signal*/) {
  ::_exit(7);
}
} // namespace

TEST_CASE("A signal handler of the program's own still runs, after echo is restored") {
  PseudoTerminal terminal;
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::signal(SIGINT, exit_seven);
    terminal.attach_in_child();
    TtyPrompter prompter;
    (void)prompter.ask_secret("Passphrase: ");
    ::_exit(0);
  }
  terminal.read_until("Passphrase: ");
  REQUIRE(::kill(pid, SIGINT) == 0);
  const int status = wait_for(pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
  CHECK(terminal.echo_is_on());
}

TEST_CASE("End of input at a prompt gives nullopt") {
  PseudoTerminal terminal;
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    terminal.attach_in_child();
    TtyPrompter prompter;
    const auto answer = prompter.ask_line("Name: ");
    ::_exit(answer ? 1 : 0);
  }
  terminal.read_until("Name: ");
  terminal.type("\x04"); // VEOF at the start of a line
  const int status = wait_for(pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
