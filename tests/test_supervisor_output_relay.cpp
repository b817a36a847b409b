// The relay of --mask on its own, with filters that are not masking: where
// the child's output goes, when held bytes come out, how it ends. Each case
// runs in a child process, whose descriptors 1 and 2 it points where the
// case needs; the "child" of the relay is the case itself, writing to the
// ends the relay would give one.
#include "launcher/supervisor/output_relay.hpp"
#include "support.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <pty.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <thread>
#include <unistd.h>

using namespace pprotect::supervisor;
using pprotect::tests::in_child;
using pprotect::tests::TempDir;

namespace {

// Upper-cases what it is fed; holds everything until idle when asked to.
class UpperFilter final : public OutputFilter {
public:
  explicit UpperFilter(bool hold) : m_hold(hold) {}
  void feed(std::string_view input, OutputSink& out) override {
    m_written.clear();
    m_held.append(input);
    if (!m_hold) {
      write_held(out);
    }
  }
  void flush_idle(OutputSink& out) override {
    m_written.clear();
    write_held(out);
  }
  void finish(OutputSink& out) override { flush_idle(out); }
  bool holding() const override { return !m_held.empty(); }

private:
  void write_held(OutputSink& out) {
    for (char c : m_held) {
      m_written += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    m_held.clear();
    out.write(m_written);
  }
  bool m_hold;
  std::string m_held;
  std::string m_written;
};

OutputFilterFactory upper(bool hold = false) {
  return [hold] { return std::make_unique<UpperFilter>(hold); };
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string read_some(int fd) {
  char buffer[4096];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

void point(int fd, const std::filesystem::path& file) {
  const int opened = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  ::dup2(opened, fd);
  ::close(opened);
}

// Writes to the child's stdout until both pipes are full: ours to the
// relay, and the relay's to a reader that never reads; its stream's thread
// is then blocked in a write.
void fill_until_blocked(OutputRelay& relay) {
  const int child_out = relay.child_stdio().fds[1];
  ::fcntl(child_out, F_SETFL, O_NONBLOCK);
  const std::string chunk(4096, 'x');
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::write(child_out, chunk.data(), chunk.size()) < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (::write(child_out, chunk.data(), chunk.size()) < 0) {
        break;
      }
    }
  }
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

} // namespace

TEST_CASE("What the child writes reaches our stdout through the filter, held bytes once idle") {
  const int status = in_child([] {
    int destination[2];
    if (::pipe(destination) != 0) {
      return 10;
    }
    ::dup2(destination[1], STDOUT_FILENO);
    ::fcntl(destination[0], F_SETFL, O_NONBLOCK);
    OutputRelay relay(upper(true), Quiet::yes);
    const int child_out = relay.child_stdio().fds[1];
    if (child_out < 0 || relay.child_stdio().controlling_terminal != -1 || relay.has_terminal()) {
      return 11;
    }
    relay.start();
    if (!write_all(child_out, "a prompt: ")) {
      return 12;
    }
    // Held by the filter, then let go after the idle time (10 ms).
    std::string got;
    for (int i = 0; i < 200 && got.size() < 10; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      got += read_some(destination[0]);
    }
    if (got != "A PROMPT: ") {
      return 13;
    }
    if (!write_all(child_out, "and the rest")) {
      return 14;
    }
    relay.finish(-1);
    got += read_some(destination[0]);
    return got == "A PROMPT: AND THE REST" ? 0 : 15;
  });
  CHECK(exit_code(status) == 0);
}

TEST_CASE("finish() writes every byte the child wrote, after the child's end is closed") {
  const TempDir dir;
  const auto out = dir.file("out");
  const int status = in_child([&] {
    point(STDOUT_FILENO, out);
    OutputRelay relay(upper(), Quiet::yes);
    relay.start();
    // More than the pipe holds: the relay must keep reading as we write.
    std::string chunk(4096, 'x');
    for (int i = 0; i < 256; ++i) {
      if (!write_all(relay.child_stdio().fds[1], chunk)) {
        return 10;
      }
    }
    if (!write_all(relay.child_stdio().fds[1], "end")) {
      return 11;
    }
    relay.finish(-1);
    return 0;
  });
  REQUIRE(exit_code(status) == 0);
  const std::string got = dir.read("out");
  CHECK(got.size() == 256 * 4096 + 3);
  CHECK(got.substr(got.size() - 4) == "XEND");
}

TEST_CASE("stdout and stderr on the same file share one pipe, so their order is kept") {
  const TempDir dir;
  const auto out = dir.file("out");
  const int status = in_child([&] {
    point(STDOUT_FILENO, out);
    ::dup2(STDOUT_FILENO, STDERR_FILENO);
    OutputRelay relay(upper(), Quiet::yes);
    const auto& fds = relay.child_stdio().fds;
    if (fds[1] < 0 || fds[1] != fds[2] || fds[0] != -1) {
      return 10;
    }
    relay.start();
    for (int i = 0; i < 100; ++i) {
      if (!write_all(fds[i % 2 + 1], i % 2 == 0 ? "o" : "e")) {
        return 11;
      }
    }
    relay.finish(-1);
    return 0;
  });
  REQUIRE(exit_code(status) == 0);
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    expected += i % 2 == 0 ? "O" : "E";
  }
  CHECK(dir.read("out") == expected);
}

TEST_CASE("stdout and stderr to different places get a pipe each") {
  const TempDir dir;
  const auto out = dir.file("out");
  const auto err = dir.file("err");
  const int status = in_child([&] {
    point(STDOUT_FILENO, out);
    point(STDERR_FILENO, err);
    OutputRelay relay(upper(), Quiet::yes);
    const auto& fds = relay.child_stdio().fds;
    if (fds[1] < 0 || fds[2] < 0 || fds[1] == fds[2]) {
      return 10;
    }
    relay.start();
    if (!write_all(fds[1], "to stdout") || !write_all(fds[2], "to stderr")) {
      return 11;
    }
    relay.finish(-1);
    return 0;
  });
  REQUIRE(exit_code(status) == 0);
  CHECK(dir.read("out") == "TO STDOUT");
  CHECK(dir.read("err") == "TO STDERR");
}

TEST_CASE("When our stdout's reader goes, the child's pipe has no reader either: EPIPE") {
  const int status = in_child([] {
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    ::sigprocmask(SIG_BLOCK, &pipe_signal, nullptr);
    int destination[2];
    if (::pipe(destination) != 0) {
      return 10;
    }
    ::dup2(destination[1], STDOUT_FILENO);
    ::close(destination[1]);
    ::close(destination[0]); // the reader is gone
    OutputRelay relay(upper(), Quiet::yes);
    relay.start();
    const int child_out = relay.child_stdio().fds[1];
    for (int i = 0; i < 500; ++i) {
      if (::write(child_out, "line\n", 5) < 0) {
        relay.finish(-1);
        return errno == EPIPE ? 0 : 11;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return 12;
  });
  CHECK(exit_code(status) == 0);
}

TEST_CASE("A descendant that keeps the pipe open holds finish() up for drain_limit at most") {
  const TempDir dir;
  const auto out = dir.file("out");
  const int status = in_child([&] {
    point(STDOUT_FILENO, out);
    RelayTimes times;
    times.drain_quiet = std::chrono::milliseconds(50);
    times.drain_limit = std::chrono::milliseconds(300);
    OutputRelay relay(upper(), Quiet::yes, times);
    relay.start();
    // The "descendant": a second writer the relay does not know of, which
    // keeps writing.
    const int descendant = ::dup(relay.child_stdio().fds[1]);
    if (!write_all(descendant, "before")) {
      return 10;
    }
    std::atomic<bool> stop{false};
    std::thread chatter([&] {
      while (!stop.load()) {
        (void)write_all(descendant, ".");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    const auto start = std::chrono::steady_clock::now();
    relay.finish(-1);
    const auto took = std::chrono::steady_clock::now() - start;
    stop.store(true);
    chatter.join();
    ::close(descendant);
    return took < std::chrono::seconds(3) ? 0 : 11;
  });
  REQUIRE(exit_code(status) == 0);
  CHECK(dir.read("out").rfind("BEFORE", 0) == 0);
}

TEST_CASE("A stop request ends the wait for a reader that never reads") {
  const int status = in_child([] {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &stop, nullptr);
    const int signal_fd = ::signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
    int destination[2];
    if (signal_fd < 0 || ::pipe(destination) != 0) {
      return 10;
    }
    ::dup2(destination[1], STDOUT_FILENO); // nobody reads destination[0]
    OutputRelay relay(upper(), Quiet::yes);
    relay.start();
    fill_until_blocked(relay);
    ::kill(::getpid(), SIGTERM);
    const auto start = std::chrono::steady_clock::now();
    relay.finish(signal_fd);
    const auto took = std::chrono::steady_clock::now() - start;
    return took < std::chrono::seconds(2) ? 0 : 11;
  });
  CHECK(exit_code(status) == 0);
}

TEST_CASE("A terminal output gets a pseudo-terminal with its size, stdin left alone when it is none") {
  const int status = in_child([] {
    ::setsid(); // no controlling terminal: no keys to relay
    int master = -1;
    int slave = -1;
    winsize size{};
    size.ws_row = 33;
    size.ws_col = 77;
    if (::openpty(&master, &slave, nullptr, nullptr, &size) != 0) {
      return 10;
    }
    ::dup2(slave, STDOUT_FILENO);
    ::dup2(slave, STDERR_FILENO);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, STDIN_FILENO);
    OutputRelay relay(upper(), Quiet::yes);
    const ChildStdio& stdio = relay.child_stdio();
    if (!relay.has_terminal() || stdio.controlling_terminal < 0 ||
        stdio.fds[1] != stdio.controlling_terminal || stdio.fds[2] != stdio.fds[1] || stdio.fds[0] != -1 ||
        ::isatty(stdio.fds[1]) != 1) {
      return 11;
    }
    winsize inner{};
    if (::ioctl(stdio.fds[1], TIOCGWINSZ, &inner) != 0 || inner.ws_row != 33 || inner.ws_col != 77) {
      return 12;
    }
    size.ws_row = 44;
    size.ws_col = 99;
    ::ioctl(master, TIOCSWINSZ, &size);
    relay.window_changed();
    if (::ioctl(stdio.fds[1], TIOCGWINSZ, &inner) != 0 || inner.ws_row != 44 || inner.ws_col != 99) {
      return 13;
    }
    if (!relay.resume_terminal()) {
      return 14; // no keys to relay: nothing keeps it from running
    }
    relay.start();
    if (!write_all(stdio.fds[1], "hello\n")) {
      return 15;
    }
    std::string got;
    for (int i = 0; i < 200 && got.find('\n') == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      ::fcntl(master, F_SETFL, O_NONBLOCK);
      got += read_some(master);
    }
    relay.finish(-1);
    // The child's terminal turned \n into \r\n; ours, raw or not, passed it.
    return got.rfind("HELLO\r", 0) == 0 ? 0 : 16;
  });
  CHECK(exit_code(status) == 0);
}

namespace {

// Times for a filter that holds everything: idle never comes in a test,
// so only child_ended() (or finish()) lets held bytes go.
RelayTimes never_idle() {
  RelayTimes times;
  times.idle = std::chrono::hours(1);
  times.child_end = std::chrono::seconds(10); // acknowledged long before, on a loaded machine too
  return times;
}

} // namespace

TEST_CASE("child_ended() writes what the filter held before it returns, and the next child's output after") {
  const int status = in_child([] {
    int destination[2];
    if (::pipe(destination) != 0) {
      return 10;
    }
    ::dup2(destination[1], STDOUT_FILENO);
    OutputRelay relay(upper(true), Quiet::yes, never_idle());
    relay.start();
    const int child_out = relay.child_stdio().fds[1];
    if (!write_all(child_out, "error: bad token tok-0")) {
      return 11;
    }
    if (!relay.child_ended()) {
      return 12;
    }
    ::fcntl(destination[0], F_SETFL, O_NONBLOCK);
    // Written by now: no wait.
    if (read_some(destination[0]) != "ERROR: BAD TOKEN TOK-0") {
      return 13;
    }
    // The next child's output, through the same pipe and filter.
    if (!write_all(child_out, "next") || !relay.child_ended() || read_some(destination[0]) != "NEXT") {
      return 14;
    }
    relay.finish(-1);
    return 0;
  });
  CHECK(exit_code(status) == 0);
}

TEST_CASE("child_ended() writes what a pseudo-terminal's filter held, bytes still on their way included") {
  const int status = in_child([] {
    ::setsid();
    int master = -1;
    int slave = -1;
    if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
      return 10;
    }
    ::dup2(slave, STDOUT_FILENO);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDERR_FILENO);
    OutputRelay relay(upper(true), Quiet::yes, never_idle());
    if (!relay.has_terminal() || !relay.resume_terminal()) {
      return 11;
    }
    relay.start();
    // At once after the write: the pseudo-terminal may still be moving it.
    if (!write_all(relay.child_stdio().fds[1], "error: bad token tok-0") || !relay.child_ended()) {
      return 12;
    }
    ::fcntl(master, F_SETFL, O_NONBLOCK);
    const std::string got = read_some(master);
    relay.finish(-1);
    return got == "ERROR: BAD TOKEN TOK-0" ? 0 : 13;
  });
  CHECK(exit_code(status) == 0);
}

TEST_CASE("child_ended() waits for a stream blocked on a reader that never reads for child_end at most") {
  const int status = in_child([] {
    int destination[2];
    if (::pipe(destination) != 0) {
      return 10;
    }
    ::dup2(destination[1], STDOUT_FILENO); // nobody reads destination[0]
    RelayTimes times;
    times.child_end = std::chrono::milliseconds(100);
    OutputRelay relay(upper(), Quiet::yes, times);
    relay.start();
    fill_until_blocked(relay);
    const auto start = std::chrono::steady_clock::now();
    const bool caught_up = relay.child_ended();
    const auto took = std::chrono::steady_clock::now() - start;
    // Not finished: the destructor leaves the blocked thread to our exit.
    return !caught_up && took < std::chrono::seconds(3) ? 0 : 11;
  });
  CHECK(exit_code(status) == 0);
}
