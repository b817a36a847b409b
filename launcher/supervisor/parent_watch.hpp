#pragma once
// --exit-with-parent: noticing that the process that started us is gone.

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <sys/types.h>

namespace pprotect::supervisor {

// Calls `gone` once when `parent` (our parent when the process started)
// exits, however it dies: a pidfd becomes readable (Linux 5.3), or, where
// pidfds are missing, getppid() is polled every k_poll. When the parent is
// gone already, `gone` runs from the event loop's first turn. A parent of
// 0 (PID 1 in a container has none) is never gone.
// Whether parent (as for ParentWatch) is gone now: we were handed to
// another process. A parent of 0 is never gone.
[[nodiscard]] bool parent_is_gone(pid_t parent);

class ParentWatch {
public:
  static constexpr std::chrono::milliseconds k_poll{250};
  using Gone = std::function<void()>;

  ParentWatch(boost::asio::io_context& io, pid_t parent, Gone gone);
  ParentWatch(const ParentWatch&) = delete;
  ParentWatch& operator=(const ParentWatch&) = delete;

private:
  void poll();
  void report();

  boost::asio::io_context& m_io;
  std::optional<boost::asio::posix::stream_descriptor> m_pidfd;
  boost::asio::steady_timer m_timer;
  pid_t m_parent;
  Gone m_gone;
  bool m_reported = false;
};

} // namespace pprotect::supervisor
