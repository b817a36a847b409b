#include "launcher/supervisor/spawn.hpp"

#include "launcher/supervisor/diagnostics.hpp"
#include "launcher/supervisor/hardening.hpp"
#include "sys/exit_status.hpp"
#include "sys/keyring.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/process/v2/posix/vfork_launcher.hpp>
#include <boost/process/v2/process.hpp>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pprotect::supervisor {

namespace {

bool has_name(const char* entry, std::string_view name) {
  return std::strncmp(entry, name.data(), name.size()) == 0 && entry[name.size()] == '=';
}

bool is_executable_file(const std::string& path, int& error) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    error = errno;
    return false;
  }
  if (!S_ISREG(info.st_mode) || access(path.c_str(), X_OK) != 0) {
    error = EACCES;
    return false;
  }
  return true;
}

// execvp's search, done up front so that "not found" (127) and "found but
// not runnable" (126) are told apart as env(1) does. With the launcher's own
// PATH, never the child's: a secret named PATH (allowed or not) must not
// choose which program runs.
int resolve_executable(ChildPlan& plan, const std::string& name) {
  if (name.empty()) {
    print_launcher_error("command not found: (empty)");
    return sys::exit_not_found;
  }
  int error = 0;
  if (name.find('/') != std::string::npos) {
    if (is_executable_file(name, error)) {
      plan.executable = name;
      return 0;
    }
  } else {
    const char* own = std::getenv("PATH");
    std::string_view path = own != nullptr ? own : "/usr/local/bin:/usr/bin:/bin";
    bool denied = false;
    for (;;) {
      const auto colon = path.find(':');
      std::string_view dir = path.substr(0, colon);
      std::string candidate(dir.empty() ? "." : dir);
      candidate.append("/").append(name);
      int candidate_error = 0;
      if (is_executable_file(candidate, candidate_error)) {
        plan.executable = std::move(candidate);
        return 0;
      }
      denied = denied || candidate_error == EACCES;
      if (colon == std::string_view::npos) {
        break;
      }
      path.remove_prefix(colon + 1);
    }
    error = denied ? EACCES : ENOENT;
  }
  if (error == ENOENT || error == ENOTDIR) {
    print_launcher_error("command not found: " + name);
    return sys::exit_not_found;
  }
  print_launcher_error("command not executable: " + name + " (" + std::strerror(error) + ")");
  return sys::exit_not_executable;
}

// systemd socket activation: the fds are ours when LISTEN_PID is our pid.
int inherited_listen_fds() {
  const char* listen_pid = std::getenv("LISTEN_PID");
  const char* listen_fds = std::getenv("LISTEN_FDS");
  if (listen_pid == nullptr || listen_fds == nullptr) {
    return 0;
  }
  long pid = 0;
  int fds = 0;
  std::string_view pid_text(listen_pid);
  std::string_view fds_text(listen_fds);
  auto [pid_end, pid_error] = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
  auto [fds_end, fds_error] = std::from_chars(fds_text.data(), fds_text.data() + fds_text.size(), fds);
  if (pid_error != std::errc() || fds_error != std::errc() || pid != getpid() || fds <= 0 || fds > 4096) {
    return 0;
  }
  return fds;
}

} // namespace

int prepare_plan(ChildPlan& plan, const std::vector<std::string>& argv, int parent_death_signal,
                 const sigset_t& original_mask) {
  if (argv.empty()) {
    print_launcher_error("no command given");
    return sys::exit_launcher_error;
  }
  if (int code = resolve_executable(plan, argv.front()); code != 0) {
    return code;
  }
  plan.argv.clear();
  for (const auto& arg : argv) {
    plan.argv.push_back(arg.c_str());
  }
  plan.argv.push_back(nullptr);
  plan.parent_death_signal = parent_death_signal;
  plan.parent_pid = getpid();
  plan.original_mask = original_mask;
  plan.listen_fds = inherited_listen_fds();
  plan.core_limit = core_limit_before_hardening();
  return 0;
}

int set_child_inputs(ChildPlan& plan, char** envp, const std::vector<int>& kept_fds) {
  for (std::size_t i = 0; i < kept_fds.size(); ++i) {
    if (kept_fds[i] < 3 + plan.listen_fds || (i > 0 && kept_fds[i] <= kept_fds[i - 1])) {
      print_launcher_error("descriptor " + std::to_string(kept_fds[i]) +
                           " cannot be handed to the command (0-2 and the LISTEN_FDS sockets are taken)");
      return sys::exit_launcher_error;
    }
  }
  plan.kept_fds = kept_fds;
  plan.envp.clear();
  bool has_fds = false;
  bool has_names = false;
  for (char** entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    if (plan.listen_fds > 0 && has_name(*entry, "LISTEN_PID")) {
      continue; // replaced by the child's own pid below
    }
    has_fds = has_fds || has_name(*entry, "LISTEN_FDS");
    has_names = has_names || has_name(*entry, "LISTEN_FDNAMES");
    plan.envp.push_back(*entry);
  }
  if (plan.listen_fds > 0) {
    // Even with --no-passthrough the sockets are the child's: keep their
    // description with them.
    if (!has_fds) {
      plan.envp.push_back(std::getenv("LISTEN_FDS") - std::strlen("LISTEN_FDS="));
    }
    if (const char* names = std::getenv("LISTEN_FDNAMES"); names != nullptr && !has_names) {
      plan.envp.push_back(names - std::strlen("LISTEN_FDNAMES="));
    }
    constexpr std::string_view k_prefix = "LISTEN_PID=";
    std::copy(k_prefix.begin(), k_prefix.end(), plan.listen_pid_entry.begin());
    plan.listen_pid_value = k_prefix.size();
    plan.envp.push_back(plan.listen_pid_entry.data());
  }
  plan.envp.push_back(nullptr);
  return 0;
}

int prepare_exec(ChildPlan& plan, pid_t self) {
  // The custodian keys `pprotect unlock` cached live in our session keyring,
  // and a key's possessor is whoever has that keyring: the child gets a new,
  // empty one instead, so it can neither find nor read them, whether this
  // launch used the keyring or not (it was given one domain's secrets, not
  // the custodian's key to all of them). Where the kernel refuses keyrings
  // (EPERM, ENOSYS: a seccomp profile, no CONFIG_KEYS) there is nothing to
  // leave; any other failure stops the start rather than hand the keys
  // over, EACCES too (a security module that refuses the join alone would
  // leave the child ours).
  if (const int error = sys::join_new_session_keyring(); error != 0 && error != EPERM && error != ENOSYS) {
    plan.failed_step = "cannot give the command a session keyring of its own";
    return error;
  }
  if (!plan.exec_in_place) {
    if (plan.stdio.controlling_terminal >= 0) {
      // --mask with a terminal: a session of our own (so a group too, whose
      // id is our pid) with the pseudo-terminal as controlling terminal,
      // whose line discipline turns the keys the supervisor relays into
      // signals for our group. setsid fails for a group leader, which we
      // are not: the parent's setpgid runs only after execve (vfork).
      setsid();
      ioctl(plan.stdio.controlling_terminal, TIOCSCTTY, 0);
    } else {
      // Our own group, set from this side too: whatever the parent does,
      // the group exists before the command runs, so a group signal finds
      // it.
      setpgid(0, 0);
    }
    if (plan.take_terminal) {
      // Every signal is still blocked here, so no SIGTTOU stops us.
      tcsetpgrp(plan.terminal_fd, self);
    }
    if (plan.parent_death_signal > 0) {
      prctl(PR_SET_PDEATHSIG, plan.parent_death_signal, 0, 0, 0);
      // The launcher may have died before prctl: then no signal would come.
      if (getppid() != plan.parent_pid) {
        _exit(128 + plan.parent_death_signal);
      }
    }
  }
  if (plan.listen_fds > 0) {
    // "LISTEN_PID=" then the decimal pid, without snprintf (not
    // async-signal-safe).
    char digits[24];
    int count = 0;
    for (auto value = static_cast<unsigned long>(self); count == 0 || value != 0; value /= 10) {
      digits[count++] = static_cast<char>('0' + value % 10);
    }
    std::size_t at = plan.listen_pid_value;
    while (count > 0) {
      plan.listen_pid_entry[at++] = digits[--count];
    }
    plan.listen_pid_entry[at] = '\0';
    for (int fd = 3; fd < 3 + plan.listen_fds; ++fd) {
      const int flags = fcntl(fd, F_GETFD);
      if (flags >= 0) {
        fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
      }
    }
  }
  // --mask: the relay's pipes or pseudo-terminal in place of ours.
  for (int fd = 0; fd < 3; ++fd) {
    const int replacement = plan.stdio.fds[static_cast<std::size_t>(fd)];
    if (replacement >= 0 && dup2(replacement, fd) < 0) {
      plan.failed_step = "cannot give the command the relay's output";
      return errno;
    }
  }
  // Close everything but 0-2, the sockets and the kept fds (secret files).
  // Boost 1.81's Linux close_all() skips the gaps between whitelisted fds
  // (it compares each entry with itself), so we do not rely on it. The vfork
  // launcher has no exec-error pipe to keep open: its error comes back
  // through the memory the child shares with us until execve.
  auto from = 3U + static_cast<unsigned>(plan.listen_fds);
  for (const int fd : plan.kept_fds) {
    if (static_cast<unsigned>(fd) > from) {
      close_range(from, static_cast<unsigned>(fd) - 1, 0);
    }
    const int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) {
      fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    from = static_cast<unsigned>(fd) + 1;
  }
  close_range(from, ~0U, 0);
  if (plan.core_limit) {
    setrlimit(RLIMIT_CORE, &*plan.core_limit);
  }
  if (plan.restore_sigchld_ignored) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGCHLD, &ignore, nullptr);
  }
  // Last: the mask the launcher was started with (systemd's, a shell's).
  sigprocmask(SIG_SETMASK, &plan.original_mask, nullptr);
  return 0;
}

namespace {

// A Boost.Process v2 initializer: its hooks run in the parent before vfork
// (on_setup), in the child before execve (on_exec_setup), in the child when
// execve failed (on_exec_error) and in the parent once the child has exec'd
// (on_success).
//
// WARNING: with vfork the child borrows the parent's memory and stack until
// execve: everything it does must be a plain system call (prepare_exec), no
// allocation, no exit handlers.
struct ChildSetup {
  ChildPlan* plan;

  template <typename Launcher, typename Path, typename CommandLine>
  boost::system::error_code on_setup(Launcher& launcher, const Path&, CommandLine&) {
    for (int fd = 3; fd < 3 + plan->listen_fds; ++fd) {
      launcher.fd_whitelist.push_back(fd);
    }
    for (const int fd : plan->kept_fds) {
      launcher.fd_whitelist.push_back(fd);
    }
    return {};
  }

  template <typename Launcher, typename Path, typename CommandLine>
  boost::system::error_code on_exec_setup(Launcher&, const Path&, CommandLine&) {
    const int error = prepare_exec(*plan, getpid());
    if (error != 0) {
      errno = error; // the launcher reports errno, not the code we return
      return {error, boost::system::system_category()};
    }
    return {};
  }

  // Boost 1.81 detects this hook with five arguments and calls it with four;
  // a variadic template answers both. The launcher would call exit(), which
  // runs the parent's exit handlers in its borrowed memory: _exit instead.
  template <typename... Arguments> void on_exec_error(Arguments&&...) {
    _exit(errno == ENOENT ? sys::exit_not_found : sys::exit_not_executable);
  }

  template <typename Launcher, typename Path, typename CommandLine>
  void on_success(Launcher& launcher, const Path&, CommandLine&) {
    // The parent's side of setpgid; EACCES once the child has exec'd, which
    // is fine: it did it itself before.
    setpgid(launcher.pid, launcher.pid);
  }
};

} // namespace

pid_t spawn(ChildPlan& plan, boost::asio::io_context& io, boost::system::error_code& ec) {
  // vfork, not fork: the launcher's address space is a few hundred mappings
  // (libsodium's guarded pages among them), and copying then tearing down
  // its page tables was a measurable part of the start-up time; the parent
  // is suspended only until the child's execve.
  boost::process::v2::posix::vfork_launcher launcher;
  launcher.env = plan.envp.data();
  const char** argv = plan.argv.data();
  auto process =
      launcher(io.get_executor(), ec, boost::filesystem::path(plan.executable), argv, ChildSetup{&plan});
  if (ec) {
    return -1;
  }
  const pid_t pid = process.id();
  // Detached: the supervisor waits by itself (see Supervisor in
  // supervisor.cpp), and basic_process would otherwise kill the child when
  // it goes out of scope.
  process.detach();
  return pid;
}

} // namespace pprotect::supervisor
