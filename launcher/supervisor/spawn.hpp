#pragma once
// Starting the child: what runs between fork and execve (or before execve in
// --exec mode), and the Boost.Process v2 spawn around it.

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <optional>
#include <signal.h>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/types.h>
#include <vector>

namespace pprotect::supervisor {

// What a child gets in place of the supervisor's descriptors 0-2 (--mask:
// output_relay.hpp).
struct ChildStdio {
  // Duplicated onto 0, 1 and 2 in the child; -1 leaves ours, inherited.
  std::array<int, 3> fds{-1, -1, -1};
  // A pseudo-terminal's slave, or -1: the child starts a session of its own
  // with it as controlling terminal.
  int controlling_terminal = -1;
};

// Everything the child needs, prepared in the parent so that the child only
// makes async-signal-safe calls.
struct ChildPlan {
  std::string executable;                  // resolved path of argv[0]
  std::vector<const char*> argv;           // NUL-terminated, argv[0] as the user gave it
  std::vector<const char*> envp;           // NUL-terminated; may point into listen_pid_entry
  std::vector<int> kept_fds;               // ascending, past the listen fds: inherited as they are
  std::array<char, 48> listen_pid_entry{}; // "LISTEN_PID=<child pid>", filled in the child
  std::size_t listen_pid_value = 0;        // offset of the digits in listen_pid_entry
  int listen_fds = 0;                      // systemd socket activation: fds 3..3+n-1 stay open
  int terminal_fd = -1;                    // one of 0-2 on our controlling terminal
  bool take_terminal = false;              // make the child's group the terminal's foreground
  ChildStdio stdio;                        // --mask: pipes or a pseudo-terminal instead of ours
  bool exec_in_place = false;              // --exec: no fork, no group, no death signal
  bool restore_sigchld_ignored = false;
  // What prepare_exec could not do, when it failed (the child writes it:
  // with vfork it shares our memory); a command that exec cannot run
  // leaves it null.
  const char* failed_step = nullptr;
  int parent_death_signal = SIGTERM;
  pid_t parent_pid = 0;
  sigset_t original_mask{};
  std::optional<rlimit> core_limit; // to restore: harden_launcher() changed it
};

// Resolves argv[0] in the launcher's own PATH and fills in what every start
// of the child shares. Returns 0, or the exit status (126/127/125) after
// printing the error.
int prepare_plan(ChildPlan& plan, const std::vector<std::string>& argv, int parent_death_signal,
                 const sigset_t& original_mask);

// What one start of the child gets: its environment (the entries stay
// envp's, which must outlive the start) and the descriptors it inherits
// besides 0-2 and the listen fds (ascending; any outside that list are
// closed). Returns 0, or 125 after printing the error (a descriptor among
// the listen fds).
int set_child_inputs(ChildPlan& plan, char** envp, const std::vector<int>& kept_fds);

// Child side, async-signal-safe: a new session keyring, process group,
// terminal, death signal, LISTEN_PID, descriptors (all but 0-2, the listen
// fds and the kept fds closed), dispositions and mask. Returns 0 or an errno
// value.
int prepare_exec(ChildPlan& plan, pid_t self);

// Forks and execs with Boost.Process v2 and detaches the handle: the
// supervisor reaps by itself. Returns the child's pid; sets ec when the
// command could not be started.
//
// WARNING: io must have no reactor yet (no descriptor, socket or timer was
// ever used on it): the vfork child calls notify_fork on it, which would
// rebuild an existing reactor in the memory it shares with us.
pid_t spawn(ChildPlan& plan, boost::asio::io_context& io, boost::system::error_code& ec);

} // namespace pprotect::supervisor
