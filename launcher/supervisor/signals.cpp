#include "launcher/supervisor/signals.hpp"

#include "launcher/supervisor/diagnostics.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <unistd.h>

namespace pprotect::supervisor {

namespace {

// A stop request before the child exists: nothing to clean up that the
// kernel does not (secrets live in memory only), nothing to hand it to.
// A prompt with echo off restores the terminal first (its own handler runs
// before this one, see policy::TtyPrompter).
extern "C" void exit_for_stop_request(int signal_number) {
  _exit(128 + signal_number);
}

} // namespace

StartupSignals StartupSignals::block_all() {
  StartupSignals signals;
  signals.m_parent = getppid();
  sigset_t all;
  sigfillset(&all);
  // glibc leaves out its two internal real-time signals by itself.
  sigprocmask(SIG_SETMASK, &all, &signals.m_original);
  sigemptyset(&signals.m_stop_requests);
  for (std::size_t i = 0; i < k_stop_requests.size(); ++i) {
    const int signal_number = k_stop_requests[i];
    struct sigaction& original = signals.m_original_actions[i];
    if (sigaction(signal_number, nullptr, &original) != 0 ||
        ((original.sa_flags & SA_SIGINFO) == 0 && original.sa_handler == SIG_IGN)) {
      continue; // ignored by whoever started us (nohup, a background job): keep it so
    }
    struct sigaction stop {};
    stop.sa_handler = exit_for_stop_request;
    sigfillset(&stop.sa_mask);
    if (sigaction(signal_number, &stop, nullptr) == 0) {
      sigaddset(&signals.m_stop_requests, signal_number);
    }
  }
  // One that came before this point is pending: it is delivered here.
  sigprocmask(SIG_UNBLOCK, &signals.m_stop_requests, nullptr);
  return signals;
}

void StartupSignals::hold_stop_requests() const {
  sigprocmask(SIG_BLOCK, &m_stop_requests, nullptr);
}

void StartupSignals::restore() const {
  hold_stop_requests();
  for (std::size_t i = 0; i < k_stop_requests.size(); ++i) {
    if (sigismember(&m_stop_requests, k_stop_requests[i]) == 1) {
      sigaction(k_stop_requests[i], &m_original_actions[i], nullptr);
    }
  }
  sigprocmask(SIG_SETMASK, &m_original, nullptr);
}

namespace {

struct SignalName {
  const char* name;
  int number;
};

constexpr std::array<SignalName, 31> k_signal_names{{
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},     {"BUS", SIGBUS},   {"FPE", SIGFPE},     {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV},     {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
}};

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return std::nullopt;
  }
  return value;
}

} // namespace

std::optional<int> parse_signal(std::string_view text) {
  if (auto number = parse_int(text)) {
    if (*number >= 1 && *number <= SIGRTMAX) {
      return number;
    }
    return std::nullopt;
  }
  std::string upper;
  for (char c : text) {
    upper.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  std::string_view name = upper;
  if (name.substr(0, 3) == "SIG") {
    name.remove_prefix(3);
  }
  for (const auto& entry : k_signal_names) {
    if (name == entry.name) {
      return entry.number;
    }
  }
  auto realtime = [&](std::string_view base, int origin, int sign) -> std::optional<int> {
    if (name.substr(0, base.size()) != base) {
      return std::nullopt;
    }
    std::string_view rest = name.substr(base.size());
    int offset = 0;
    if (!rest.empty()) {
      if (rest[0] != (sign > 0 ? '+' : '-')) {
        return std::nullopt;
      }
      auto parsed = parse_int(rest.substr(1));
      if (!parsed) {
        return std::nullopt;
      }
      offset = *parsed;
    }
    int number = origin + sign * offset;
    if (number < SIGRTMIN || number > SIGRTMAX) {
      return std::nullopt;
    }
    return number;
  };
  if (auto number = realtime("RTMIN", SIGRTMIN, +1)) {
    return number;
  }
  return realtime("RTMAX", SIGRTMAX, -1);
}

std::string signal_name(int signal_number) {
  for (const auto& entry : k_signal_names) {
    if (entry.number == signal_number) {
      return std::string("SIG") + entry.name;
    }
  }
  if (signal_number >= SIGRTMIN && signal_number <= SIGRTMAX) {
    return "SIGRTMIN+" + std::to_string(signal_number - SIGRTMIN);
  }
  return "signal " + std::to_string(signal_number);
}

bool is_stop_request(int signal_number) {
  return signal_number == SIGTERM || signal_number == SIGINT || signal_number == SIGQUIT ||
         signal_number == SIGHUP;
}

bool is_job_control_stop(int signal_number) {
  return signal_number == SIGTSTP || signal_number == SIGTTIN || signal_number == SIGTTOU;
}

namespace {

void warn_unsent(int error, pid_t target, int signal_number) {
  if (error != ESRCH) {
    print_warning(
        "cannot send signal " + std::to_string(signal_number) + " to " +
        (target < 0 ? "process group " + std::to_string(-target) : "process " + std::to_string(target)) +
        ": " + std::strerror(error));
  }
}

} // namespace

void send_signal(pid_t target, int signal_number) {
  if (kill(target, signal_number) != 0) {
    warn_unsent(errno, target, signal_number);
  }
}

void queue_signal(pid_t pid, int signal_number, const union sigval& value) {
  if (sigqueue(pid, signal_number, value) != 0) {
    warn_unsent(errno, pid, signal_number);
  }
}

} // namespace pprotect::supervisor
