#include "launcher/admin/stdin_prompter.hpp"
#include "store/errors.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <unistd.h>

using pprotect::admin::StdinPrompter;

namespace {

// Replaces standard input with a pipe holding text for the test's lifetime.
class StdinFrom {
public:
  explicit StdinFrom(const std::string& text) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    REQUIRE(::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fds[1]);
    m_saved = ::dup(STDIN_FILENO);
    ::dup2(fds[0], STDIN_FILENO);
    ::close(fds[0]);
  }
  ~StdinFrom() {
    ::dup2(m_saved, STDIN_FILENO);
    ::close(m_saved);
  }
  StdinFrom(const StdinFrom&) = delete;
  StdinFrom& operator=(const StdinFrom&) = delete;

private:
  int m_saved = -1;
};

// Sends standard error to a temp file for the test's lifetime; text() is
// what was written to it.
class StderrCaptured {
public:
  StderrCaptured() : m_file(std::tmpfile()) {
    REQUIRE(m_file != nullptr);
    std::cerr.flush();
    m_saved = ::dup(STDERR_FILENO);
    ::dup2(::fileno(m_file), STDERR_FILENO);
  }
  ~StderrCaptured() {
    std::cerr.flush();
    ::dup2(m_saved, STDERR_FILENO);
    ::close(m_saved);
    std::fclose(m_file);
  }
  StderrCaptured(const StderrCaptured&) = delete;
  StderrCaptured& operator=(const StderrCaptured&) = delete;

  std::string text() const {
    std::cerr.flush();
    std::string out;
    char buffer[256];
    const off_t size = ::lseek(::fileno(m_file), 0, SEEK_END);
    for (off_t at = 0; at < size;) {
      const ssize_t n = ::pread(::fileno(m_file), buffer, sizeof buffer, at);
      if (n <= 0) {
        break;
      }
      out.append(buffer, static_cast<std::size_t>(n));
      at += n;
    }
    return out;
  }

private:
  std::FILE* m_file;
  int m_saved = -1;
};

} // namespace

TEST_CASE("A hidden prompt writes a line break to stderr once its piped answer is read, as getpass does") {
  const StdinFrom input("one\none\nvisible\n");
  StdinPrompter prompter;
  std::string written;
  {
    const StderrCaptured err;
    const auto passphrase = prompter.ask_new_secret("Passphrase: ");
    REQUIRE(passphrase.has_value());
    CHECK(prompter.ask_line("Domain name: ") == "visible");
    written = err.text();
  }
  // Visible prompts go to stdout and get no line break after the answer.
  CHECK(written == "Passphrase: \nRetype passphrase: \n");
}

TEST_CASE("A hidden prompt whose input ended writes its line break too") {
  const StdinFrom input("");
  StdinPrompter prompter;
  std::string written;
  {
    const StderrCaptured err;
    CHECK_FALSE(prompter.ask_secret("Passphrase: ").has_value());
    written = err.text();
  }
  CHECK(written == "Passphrase: \n");
}

TEST_CASE("Piped answers are read one line per prompt, nothing more") {
  const StdinFrom input("dev\nsecret name\r\nrest of input");
  StdinPrompter prompter;
  CHECK(prompter.ask_line("Domain name: ") == "dev");
  CHECK(prompter.ask_line("Secret name: ") == "secret name");
  // Whatever follows is still there for --value-file -.
  CHECK(pprotect::admin::read_all_stdin().view() == "rest of input");
}

TEST_CASE("End of input at a prompt is reported, a last line without newline is kept") {
  const StdinFrom input("last");
  StdinPrompter prompter;
  CHECK(prompter.ask_line("User email: ") == "last");
  CHECK_FALSE(prompter.ask_line("User email: ").has_value());
  CHECK_FALSE(prompter.ask_secret("Passphrase: ").has_value());
}

TEST_CASE("A new passphrase must be typed the same twice") {
  {
    const StdinFrom input("one\none\n");
    StdinPrompter prompter;
    const auto passphrase = prompter.ask_new_secret("Passphrase: ");
    REQUIRE(passphrase.has_value());
    CHECK(passphrase->view() == "one");
  }
  {
    const StdinFrom input("one\ntwo\n");
    StdinPrompter prompter;
    CHECK_THROWS_WITH(prompter.ask_new_secret("Passphrase: "), "Sorry, inputs did not match.");
  }
}

TEST_CASE("Secret values keep their bytes, spaces and all") {
  const StdinFrom input("  padded value  \n");
  StdinPrompter prompter;
  const auto value = prompter.ask_line_secure("Secret value: ");
  REQUIRE(value.has_value());
  CHECK(value->view() == "  padded value  ");
}
