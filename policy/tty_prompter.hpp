#pragma once
// A Prompter on the controlling terminal, for pprotect-run: stdin and stdout
// belong to the child (an MCP client speaks JSON-RPC over them), so prompts
// and answers go through /dev/tty only.

#include "policy/credentials.hpp"
#include "sys/file_descriptor.hpp"
#include "sys/secure_buffer.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace pprotect::policy {

class TtyPrompter : public Prompter {
public:
  // Opens /dev/tty close-on-exec; without a controlling terminal the
  // prompter is simply unavailable (never an error).
  TtyPrompter();
  TtyPrompter(const TtyPrompter&) = delete;
  TtyPrompter& operator=(const TtyPrompter&) = delete;

  // True when /dev/tty opened and is a terminal.
  bool available() const override;
  // Writes the message and a newline to the terminal.
  void say(std::string_view message) override;
  // Reads one line (without its newline); nullopt on end of input or when
  // unavailable.
  std::optional<std::string> ask_line(std::string_view label) override;
  // Reads one line with echo off; the terminal's mode is restored on every
  // way out, including a terminating signal while waiting.
  std::optional<sys::SecureBuffer> ask_secret(std::string_view label) override;
  // "/dev/tty": what the credential error names as the source.
  std::string source_name() const override { return "/dev/tty"; }

private:
  void write_all(std::string_view text);
  sys::FileDescriptor m_tty;
};

} // namespace pprotect::policy
