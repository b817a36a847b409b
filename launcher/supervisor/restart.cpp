#include "launcher/supervisor/restart.hpp"

#include <algorithm>
#include <sys/wait.h>

namespace pprotect::supervisor {

std::optional<RestartWhen> parse_restart_when(std::string_view text) {
  if (text == "no") {
    return RestartWhen::no;
  }
  if (text == "on-failure") {
    return RestartWhen::on_failure;
  }
  if (text == "always") {
    return RestartWhen::always;
  }
  return std::nullopt;
}

RestartSchedule::RestartSchedule(const RestartOptions& options)
    : m_when(options.when), m_limit(options.max_restarts),
      m_first(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(options.delay))) {
  if (!m_limit && m_when == RestartWhen::on_failure) {
    m_limit = k_default_on_failure_restarts;
  }
}

std::optional<RestartSchedule::Duration> RestartSchedule::next(int status, Duration ran) {
  m_refusal.clear();
  if (m_when == RestartWhen::no) {
    return std::nullopt;
  }
  const bool failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  if (m_when == RestartWhen::on_failure && !failed) {
    return std::nullopt;
  }
  if (m_limit && m_restarts >= *m_limit) {
    m_refusal = "--max-restarts " + std::to_string(*m_limit) + " reached";
    return std::nullopt;
  }
  if (m_restarts == 0 || ran >= k_reset_after) {
    m_current = m_first;
  } else {
    // A first delay over the cap is the user's choice: it stays the cap.
    m_current = std::min<Duration>(m_current * 2, std::max<Duration>(k_max_delay, m_first));
  }
  ++m_restarts;
  return m_current;
}

} // namespace pprotect::supervisor
