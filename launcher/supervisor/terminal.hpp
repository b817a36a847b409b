#pragma once
// Terminals for --mask: the pseudo-terminal the child gets in place of the
// user's terminal, the user's terminal in raw mode while the child runs in
// it, and the window size copied from one to the other.

#include "sys/file_descriptor.hpp"

#include <termios.h>

namespace pprotect::supervisor {

// A pseudo-terminal pair. Both ends are ours (close-on-exec, above 2); the
// master is non-blocking. The child gets the slave as its controlling
// terminal (ChildPlan::controlling_terminal).
class PseudoTerminal {
public:
  // A new pair whose window size and settings are those of the terminal
  // `like` (as script(1) does: the same erase and interrupt keys, the same
  // size), in a new terminal's cooked mode whatever like's is.
  // Throws std::system_error when no pseudo-terminal can be had (no
  // /dev/ptmx, no devpts, the limit reached).
  explicit PseudoTerminal(int like);

  int master() const { return m_master.get(); }
  int slave() const { return m_slave.get(); }
  // Our copy of the slave goes: once no child holds it either, reading the
  // master ends (EIO) after what is left.
  void close_slave() { m_slave.reset(); }
  // Copies the window size of terminal `from`; the kernel sends SIGWINCH to
  // the pseudo-terminal's foreground group when it changed.
  void copy_window_size(int from) const;

private:
  sys::FileDescriptor m_master;
  sys::FileDescriptor m_slave;
};

// The user's terminal in raw mode (cfmakeraw: no echo, no line editing, no
// signals from keys, no output processing) between enter() and leave(): the
// keys go to the child's pseudo-terminal as bytes, and its line discipline
// turns Ctrl-C or Ctrl-Z into signals for the child. The mode found by
// enter() comes back on leave() and when the object goes.
class RawMode {
public:
  RawMode() = default;
  explicit RawMode(int fd) : m_fd(fd) {}
  ~RawMode() { leave(); }
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

  // Saves the terminal's mode and makes it raw; nothing when it is raw by
  // our hand already. False when the terminal refuses.
  bool enter();
  // The saved mode again, once the output written so far has gone out
  // (TCSADRAIN, so nothing typed ahead is lost). Nothing when not raw.
  void leave();
  bool active() const { return m_active; }

private:
  int m_fd = -1;
  bool m_active = false;
  termios m_saved{};
};

// True when a and b are open on the same terminal device.
[[nodiscard]] bool same_terminal(int a, int b);

// Which ways own_terminal_descriptor may open the terminal.
enum class Reopen { any_way, controlling_only };

// A descriptor of our own on the terminal that fd is open on, non-blocking:
// fd's open file description is shared with the shell that started us, so
// its flags are not ours to change. /dev/tty when that is the terminal
// (our controlling terminal), else (Reopen::any_way) /proc/self/fd/<fd>;
// invalid when fd is no terminal or none of these opens.
sys::FileDescriptor own_terminal_descriptor(int fd, Reopen how);

// True unless fd is a terminal whose foreground process group is not ours
// (we are a background job there). A terminal that is not our controlling
// terminal has no foreground for us: true.
[[nodiscard]] bool in_foreground(int fd);

// fd itself when it is 3 or more; otherwise a close-on-exec duplicate
// above 2, fd closed: a descriptor the relay keeps must not sit where the
// child's stdin, stdout or stderr go. Throws std::system_error.
int above_stdio(int fd);

} // namespace pprotect::supervisor
