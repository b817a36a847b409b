#include "launcher/supervisor/file_watch.hpp"

#include "launcher/supervisor/diagnostics.hpp"

#include <cerrno>
#include <cstring>
#include <sys/inotify.h>
#include <system_error>
#include <unistd.h>

namespace pprotect::supervisor {

namespace asio = boost::asio;

namespace {

constexpr std::uint32_t k_events = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                                   IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

int watched_inotify(const std::filesystem::path& file) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "inotify_init1");
  }
  std::filesystem::path directory = file.parent_path();
  if (directory.empty()) {
    directory = ".";
  }
  if (::inotify_add_watch(fd, directory.c_str(), k_events | IN_ONLYDIR) < 0) {
    const int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "cannot watch " + directory.string());
  }
  return fd;
}

} // namespace

FileWatch::FileWatch(asio::io_context& io, const std::filesystem::path& file, Changed changed)
    : m_inotify(io, watched_inotify(file)), m_settle(io), m_name(file.filename().string()),
      m_changed(std::move(changed)) {
  read_events();
}

void FileWatch::read_events() {
  m_inotify.async_read_some(asio::buffer(m_buffer), [this](const boost::system::error_code& ec,
                                                           std::size_t size) {
    if (ec == asio::error::operation_aborted) {
      return;
    }
    if (ec) {
      if (ec != asio::error::would_block && ec != asio::error::try_again && ec != asio::error::interrupted) {
        print_launcher_error("--watch: cannot read file events: " + ec.message());
        return;
      }
    } else {
      for (std::size_t at = 0; at + sizeof(inotify_event) <= size;) {
        inotify_event event{};
        std::memcpy(&event, m_buffer.data() + at, sizeof event);
        const char* name = m_buffer.data() + at + sizeof event;
        on_event(event.len > 0 ? std::string_view(name, ::strnlen(name, event.len)) : std::string_view(),
                 event.mask);
        at += sizeof event + event.len;
      }
    }
    if (!m_lost) {
      read_events();
    }
  });
}

void FileWatch::on_event(std::string_view name, std::uint32_t mask) {
  if ((mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0) {
    if (!m_lost) {
      m_lost = true;
      print_launcher_error("--watch: the directory of " + m_name + " is gone; no longer watching it");
    }
    return;
  }
  // A full queue lost events: one of them may have been ours.
  const bool ours = (mask & IN_Q_OVERFLOW) != 0 || name == m_name || name == "..data";
  if (!ours || m_settling) {
    return;
  }
  m_settling = true;
  m_settle.expires_after(k_settle);
  m_settle.async_wait([this](const boost::system::error_code& ec) {
    m_settling = false;
    if (!ec) {
      m_changed();
    }
  });
}

} // namespace pprotect::supervisor
