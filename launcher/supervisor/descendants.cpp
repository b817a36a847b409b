#include "launcher/supervisor/descendants.hpp"

#include "launcher/supervisor/signals.hpp"
#include "sys/directory.hpp"
#include "sys/file_descriptor.hpp"
#include "sys/full_io.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

namespace pprotect::supervisor {

namespace {

template <typename Number> bool parse_decimal(std::string_view text, Number& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// The parent of a live process, from "pid (comm) S ppid ..." in its stat
// file; comm may hold anything, so the fields are read after the last ')'.
bool live_parent_of(pid_t pid, pid_t& parent) {
  const sys::FileDescriptor fd(
      ::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC));
  std::string stat;
  if (!fd.valid() || sys::read_all(fd.get(), stat, 4096) != 0) {
    return false;
  }
  const auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos || close_paren + 4 >= stat.size()) {
    return false;
  }
  const char state = stat[close_paren + 2];
  if (state == 'Z' || state == 'X') {
    return false;
  }
  const std::string_view rest = std::string_view(stat).substr(close_paren + 4);
  return parse_decimal(rest.substr(0, rest.find(' ')), parent);
}

void reap_nohang() {
  int status = 0;
  while (waitpid(-1, &status, WNOHANG) > 0) {
  }
}

} // namespace

std::vector<pid_t> live_descendants() {
  std::vector<std::pair<pid_t, pid_t>> parents; // pid, ppid
  const sys::FileDescriptor proc(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc.valid()) {
    return {};
  }
  for (const std::string& name : sys::directory_entries(proc.get())) {
    pid_t pid = 0;
    pid_t parent = 0;
    if (parse_decimal(name, pid) && live_parent_of(pid, parent)) {
      parents.emplace_back(pid, parent);
    }
  }
  std::vector<pid_t> found{getpid()};
  for (std::size_t i = 0; i < found.size(); ++i) {
    for (const auto& [pid, ppid] : parents) {
      if (ppid == found[i]) {
        found.push_back(pid);
      }
    }
  }
  found.erase(found.begin());
  return found;
}

void reap_descendants(double seconds, int signal_fd) {
  std::vector<pid_t> left;
  // Reaps what has died; true when no descendant is left (reaping once more
  // for those that died since: they are zombies now).
  const auto all_gone = [&left] {
    reap_nohang();
    left = live_descendants();
    if (!left.empty()) {
      return false;
    }
    reap_nohang();
    return true;
  };
  if (all_gone()) {
    return;
  }
  for (pid_t pid : left) {
    send_signal(pid, SIGTERM);
    send_signal(pid, SIGCONT);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd poll_fd{signal_fd, POLLIN, 0};
    poll(&poll_fd, 1, 20);
    std::array<signalfd_siginfo, 16> drained{};
    while (read(signal_fd, drained.data(), sizeof drained) > 0) {
    }
    if (all_gone()) {
      return;
    }
  }
  // Our own children die and are reaped here; deeper ones are re-parented
  // to us as their parents go, and reaped by the same loop.
  for (int round = 0; round < 100 && !all_gone(); ++round) {
    for (pid_t pid : left) {
      send_signal(pid, SIGKILL);
    }
    usleep(10000);
  }
}

} // namespace pprotect::supervisor
