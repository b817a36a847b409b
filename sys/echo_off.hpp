#pragma once
// Terminal echo off while a passphrase is typed.

namespace pprotect::sys {

// Turns echo off on fd for its lifetime when fd is a terminal (nothing
// otherwise), Enter included: the prompt writes its own line break, as
// getpass does. Typed-ahead input is discarded first, as getpass does. The
// previous mode comes back on every way out: return, exception, and a
// signal that would end the process (INT, TERM, HUP, QUIT, PIPE, ALRM,
// USR1, USR2), whose handler restores the terminal, then does what the
// signal's previous disposition would have done. One at a time per process.
class EchoOff {
public:
  explicit EchoOff(int fd);
  ~EchoOff();
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

  // True when fd is a terminal and echo is off.
  bool active() const { return m_fd >= 0; }

private:
  int m_fd = -1;
};

} // namespace pprotect::sys
