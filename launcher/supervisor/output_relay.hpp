#pragma once
// --mask's plumbing: the child's stdout and stderr go to pipes (or a
// pseudo-terminal, for those that are a terminal) that the supervisor
// reads, passes through a filter, and writes to its own stdout and stderr.
// It knows nothing of what the filter does (output_filter.hpp).
//
// One relay serves every child the supervisor starts in turn: the pipes
// and the pseudo-terminal are made once, each child gets the same ends,
// and the streams end (drained, the filters finished) only in finish(),
// when the supervisor is done with children.
//
// Threads. Each output stream has a thread of its own that reads, filters
// and writes (blocking, on our descriptors 1 and 2, whose flags are shared
// with whoever started us and stay as they are); with a pseudo-terminal a
// further one relays the user's keys to it. The supervisor's event loop
// never waits on a write: a slow reader of our stdout holds up that
// stream's thread, and through the pipe the child, as it would hold up the
// child without --mask, while signals are still forwarded and children
// reaped.

#include "launcher/supervisor/diagnostics.hpp"
#include "launcher/supervisor/output_filter.hpp"
#include "launcher/supervisor/spawn.hpp"
#include "sys/file_descriptor.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace pprotect::supervisor {

// How long the relay waits, and why.
struct RelayTimes {
  // Held bytes are let go after this long without input (the idle rule of
  // masking/mask_stream.hpp: a prompt shows, a reply is not delayed).
  std::chrono::milliseconds idle{10};
  // At the end, what was in a pipe when the child had gone is always read
  // and written. After that, descendants that still hold the pipe (a daemon
  // started with `&`) may write for as long as bytes keep coming, at most
  // drain_quiet apart and until drain_limit after the end began: enough for
  // what a pipeline's last stage or a shell's background job says as the
  // command ends, not a wait on a daemon that never closes its output
  // (which without --mask would go on writing to our stdout after we exit,
  // and now gets EPIPE).
  std::chrono::milliseconds drain_quiet{50};
  std::chrono::milliseconds drain_limit{500};
  // child_ended() waits this long at most for the streams to have written
  // what the child wrote: enough for a stream that is free, and no longer,
  // as a stream blocked on a reader of our stdout that does not read would
  // otherwise hold up supervision (signals, the next start, the timeout).
  std::chrono::milliseconds child_end{150};
};

class OutputRelay {
public:
  // Sets up the relay for our descriptors 1 and 2 as they are now: a pipe
  // for each that is open and not a terminal (one for both when they are
  // the same file or pipe, so that their order is kept), and one
  // pseudo-terminal for those that are a terminal (stdin too when it is the
  // same terminal). With a pseudo-terminal and a way to read the user's
  // keys (stdin, or our controlling terminal), the keys are relayed and the
  // terminal goes raw in resume_terminal(). When no pseudo-terminal can be
  // had, pipes are used and a notice says so. Throws std::system_error
  // when a pipe cannot be made, and what make_filter throws.
  OutputRelay(const OutputFilterFactory& make_filter, Quiet quiet, RelayTimes times = {});
  // Restores the terminal; ends the threads (finish() first, or the held
  // bytes are lost).
  ~OutputRelay();
  OutputRelay(const OutputRelay&) = delete;
  OutputRelay& operator=(const OutputRelay&) = delete;

  // The descriptors each child gets, valid until finish().
  const ChildStdio& child_stdio() const { return m_child_stdio; }
  // True when the child gets a pseudo-terminal: it is then in a session of
  // its own, and our terminal is not handed to it.
  bool has_terminal() const;

  // Starts relaying. Call once, after the first child has started (and
  // resume_terminal(), so that no output reaches a terminal not yet raw).
  void start();

  // Job control, called on the supervisor's thread; each is a no-op
  // without a pseudo-terminal whose keys we relay.
  // We are about to stop: the user's terminal gets its mode back and no
  // keys are read.
  void suspend_terminal();
  // We run (at start, or continued): in the terminal's foreground, raw mode
  // again, the window size copied, keys relayed, and true. In the
  // background false: a relay of the terminal cannot run there (reading it
  // would stop us), so the caller stops us, as `ssh -t` and script(1)
  // are stopped, until `fg`.
  [[nodiscard]] bool resume_terminal();
  // SIGWINCH: the user's window size goes to the pseudo-terminal (whose
  // foreground group the kernel signals when it changed).
  void window_changed();
  // Called, on the thread that relays the keys, when the user typed the
  // pseudo-terminal's suspend key (Ctrl-Z) while the child's own group is
  // its foreground. The kernel ignores a job-control stop there: that group
  // leads a session whose parent (the supervisor) is outside it, an
  // orphaned group, so the caller stops the child (SIGSTOP) and itself.
  // The key still goes to the pseudo-terminal, which echoes it and stops a
  // job of the child's own (an inner shell's) as it always does. May be
  // set or cleared (an empty handler) at any time: whoever set it clears it
  // before it goes.
  void on_suspend_key(std::function<void()> handler);

  // A child has ended (reaped: everything it wrote is in the pipes or the
  // pseudo-terminal) and another is about to start. Each stream reads what
  // is there now, finishes its filter (which starts afresh) and writes it
  // all, so that no byte the filter held (the start of what might have been
  // a secret) waits for the next child's output, glued to it. Waits for
  // that, for RelayTimes::child_end at most; true when every stream did.
  bool child_ended();

  // The end, once no child is left to start: our ends of the child's pipes
  // and pseudo-terminal are closed, each stream is read to its end (as
  // RelayTimes says), its filter finished and everything written. Waits for
  // that; a stop request (TERM, INT, HUP, QUIT) read from signal_fd in the
  // meantime ends the wait at once (a reader that never reads must not keep
  // us forever), and SIGCHLD reaps what has ended. The terminal gets its
  // mode back either way.
  void finish(int signal_fd);

  class Stream;
  class Keys;

private:
  class Terminal;
  static void abandon(std::vector<std::unique_ptr<Stream>>& streams);

  std::unique_ptr<Terminal> m_terminal;
  std::vector<std::unique_ptr<Stream>> m_streams;
  std::unique_ptr<Keys> m_keys;
  std::mutex m_suspend_mutex; // the keys' thread calls the handler, others set it
  std::function<void()> m_on_suspend_key;
  std::vector<sys::FileDescriptor> m_child_ends; // the pipes' write ends, for every child in turn
  sys::FileDescriptor m_ended;                   // an eventfd: a stream's thread has ended
  sys::FileDescriptor m_caught_up;               // an eventfd: a stream has done child_ended()'s work
  RelayTimes m_times;
  std::uint64_t m_child_ends_seen = 0; // child_ended()'s requests, counted
  ChildStdio m_child_stdio;
  Quiet m_quiet;
  bool m_started = false;
  bool m_finished = false;
};

} // namespace pprotect::supervisor
