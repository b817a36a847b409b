#pragma once
// pprotect's prompts, as the reference asks them: labels on stdout,
// passphrase labels on stderr, answers read from standard input (so they
// can be piped), passphrases without echo when standard input is a
// terminal.

#include "policy/credentials.hpp"
#include "sys/input_file.hpp"
#include "sys/secure_buffer.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace pprotect::admin {

// Ctrl-C at a prompt: the terminal mode is restored, the caller exits 130.
struct PromptInterrupted {};

class StdinPrompter : public policy::Prompter {
public:
  // Always true: the reference prompts on stdin even when it is a pipe.
  bool available() const override { return true; }
  // Writes message and a newline to stderr.
  void say(std::string_view message) override;
  // Writes label to stdout, reads one line; nullopt on end of input.
  std::optional<std::string> ask_line(std::string_view label) override;
  // Writes label to stderr, reads one line with echo off on a terminal,
  // then writes a line break to stderr (terminal or pipe), as getpass does.
  std::optional<sys::SecureBuffer> ask_secret(std::string_view label) override;

  // Like ask_line (label on stdout, echoed) but keeps the answer in secure
  // memory: the reference's "Secret value: " prompt.
  std::optional<sys::SecureBuffer> ask_line_secure(std::string_view label);

  // ask_secret, then "Retype <label lowercased>"; throws store::StoreError
  // "Sorry, inputs did not match." on a mismatch.
  std::optional<sys::SecureBuffer> ask_new_secret(std::string_view label);
};

// Reads standard input to its end into secure memory, byte for byte.
// Throws store::StoreError when it cannot be read.
sys::SecureBuffer read_all_stdin();

// Reads a whole file of the given kind into secure memory, byte for byte.
// Throws store::StoreError naming the path, also when it is not of that kind
// (a FIFO is never waited on).
sys::SecureBuffer read_secret_file(const std::string& path, sys::InputKind kind);

} // namespace pprotect::admin
