#pragma once
// --restart: when the child is started again, and after how long.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pprotect::supervisor {

enum class RestartWhen { no, on_failure, always };

struct RestartOptions {
  RestartWhen when = RestartWhen::no;
  std::optional<unsigned> max_restarts; // unset: unlimited for always, 5 for on-failure
  double delay = 1.0;                   // --restart-delay: the first back-off, in seconds
};

// "no", "on-failure", "always"; nullopt otherwise.
std::optional<RestartWhen> parse_restart_when(std::string_view text);

// The back-off of one supervisor run: the first restart waits the delay,
// each one after it twice as long as the one before, at most a minute; a
// child that ran a minute or more starts the series again.
class RestartSchedule {
public:
  using Duration = std::chrono::steady_clock::duration;
  static constexpr std::chrono::seconds k_max_delay{60};
  static constexpr std::chrono::seconds k_reset_after{60};
  static constexpr unsigned k_default_on_failure_restarts = 5;

  explicit RestartSchedule(const RestartOptions& options);

  // Whether the child that ended with wait status `status` after running
  // for `ran` is started again, and after how long. Counts the restart.
  std::optional<Duration> next(int status, Duration ran);

  // Restarts done so far, and the limit (nullopt: none).
  unsigned restarts() const { return m_restarts; }
  std::optional<unsigned> limit() const { return m_limit; }
  // Why next() said no when a restart was due, for the closing line: ""
  // when none was (no policy, or on-failure after a success).
  const std::string& refusal() const { return m_refusal; }

private:
  RestartWhen m_when;
  std::optional<unsigned> m_limit;
  Duration m_first;
  Duration m_current{};
  unsigned m_restarts = 0;
  std::string m_refusal;
};

} // namespace pprotect::supervisor
