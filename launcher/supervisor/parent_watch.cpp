#include "launcher/supervisor/parent_watch.hpp"

#include <boost/asio/post.hpp>
#include <sys/syscall.h>
#include <unistd.h>

namespace pprotect::supervisor {

namespace asio = boost::asio;

bool parent_is_gone(pid_t parent) {
  return parent > 0 && ::getppid() != parent;
}

ParentWatch::ParentWatch(asio::io_context& io, pid_t parent, Gone gone)
    : m_io(io), m_timer(io), m_parent(parent), m_gone(std::move(gone)) {
  if (m_parent <= 0) {
    return;
  }
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, m_parent, 0));
  // Checked after the open: a parent that died before it may have had its
  // pid reused, by then, by a process we must not wait for.
  if (::getppid() != m_parent) {
    if (pidfd >= 0) {
      ::close(pidfd);
    }
    asio::post(m_io, [this] { report(); });
    return;
  }
  if (pidfd < 0) {
    poll();
    return;
  }
  m_pidfd.emplace(m_io, pidfd);
  m_pidfd->async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    if (!ec) {
      report();
    }
  });
}

void ParentWatch::poll() {
  m_timer.expires_after(k_poll);
  m_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    if (::getppid() != m_parent) {
      report();
    } else {
      poll();
    }
  });
}

void ParentWatch::report() {
  if (!m_reported) {
    m_reported = true;
    m_gone();
  }
}

} // namespace pprotect::supervisor
