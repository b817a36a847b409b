#include "launcher/supervisor/file_watch.hpp"

#include "launcher/supervisor/diagnostics.hpp"

#include <algorithm>
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

// The most links followed, as the kernel's path lookup allows (ELOOP).
constexpr int k_max_links = 40;

int new_inotify() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "inotify_init1");
  }
  return fd;
}

std::filesystem::path directory_of(const std::filesystem::path& file) {
  std::filesystem::path directory = file.parent_path();
  return directory.empty() ? std::filesystem::path(".") : directory;
}

} // namespace

FileWatch::FileWatch(asio::io_context& io, const std::filesystem::path& file, Changed changed)
    : m_inotify(io, new_inotify()), m_settle(io), m_file(file), m_name(file.filename().string()),
      m_changed(std::move(changed)) {
  const std::filesystem::path directory = directory_of(file);
  m_own = ::inotify_add_watch(m_inotify.native_handle(), directory.c_str(), k_events | IN_ONLYDIR);
  if (m_own < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot watch " + directory.string());
  }
  follow_links();
  read_events();
}

// Watches the directory of each link the file leads through and of the file
// it ends at, each for its own name: a write through repo/p.yaml happens
// in repo/, not in the directory of a linkdir/p.yaml that points there.
// Watches no longer on the way are dropped.
void FileWatch::follow_links() {
  std::vector<Watch> targets;
  std::filesystem::path hop = m_file;
  for (int links = 0; links < k_max_links; ++links) {
    std::error_code error;
    if (!std::filesystem::is_symlink(hop, error)) {
      break;
    }
    const std::filesystem::path to = std::filesystem::read_symlink(hop, error);
    if (error || to.filename().empty()) {
      break;
    }
    // Relative to the link's directory, as the kernel resolves it; the
    // kernel resolves the directory's own path too (a `..data` link).
    hop = to.is_absolute() ? to : directory_of(hop) / to;
    const int descriptor =
        ::inotify_add_watch(m_inotify.native_handle(), directory_of(hop).c_str(), k_events | IN_ONLYDIR);
    if (descriptor < 0) {
      break; // a dangling link: the next change of the link resolves it again
    }
    // One directory is one watch, however many names in it are on the way.
    auto same = std::find_if(targets.begin(), targets.end(),
                             [&](const Watch& watch) { return watch.descriptor == descriptor; });
    if (same == targets.end()) {
      targets.push_back(Watch{descriptor, {}});
      same = targets.end() - 1;
    }
    same->names.push_back(hop.filename().string());
  }
  for (const Watch& old : m_targets) {
    const bool kept = old.descriptor == m_own ||
                      std::any_of(targets.begin(), targets.end(),
                                  [&](const Watch& watch) { return watch.descriptor == old.descriptor; });
    if (!kept) {
      ::inotify_rm_watch(m_inotify.native_handle(), old.descriptor);
    }
  }
  m_targets = std::move(targets);
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
        on_event(event.wd,
                 event.len > 0 ? std::string_view(name, ::strnlen(name, event.len)) : std::string_view(),
                 event.mask);
        at += sizeof event + event.len;
      }
    }
    if (!m_lost) {
      read_events();
    }
  });
}

void FileWatch::on_event(int descriptor, std::string_view name, std::uint32_t mask) {
  const auto target = std::find_if(m_targets.begin(), m_targets.end(),
                                   [&](const Watch& watch) { return watch.descriptor == descriptor; });
  bool ours = (mask & IN_Q_OVERFLOW) != 0; // a full queue lost events: one may have been ours
  if ((mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0) {
    if (descriptor == m_own) {
      if (!m_lost) {
        m_lost = true;
        print_launcher_error("--watch: the directory of " + m_name + " is gone; no longer watching it");
      }
      return;
    }
    // A target's directory gone or moved (the old data directory of a
    // `..data` swap, a checkout removed) is a change of the file; the end
    // of a watch we dropped ourselves (no such watch left) is none.
    if (target == m_targets.end()) {
      return;
    }
    if ((mask & IN_IGNORED) != 0) {
      m_targets.erase(target);
    }
    ours = true;
  } else if (descriptor == m_own && (name == m_name || name == "..data")) {
    ours = true;
  } else if (target != m_targets.end()) {
    ours = ours || std::find(target->names.begin(), target->names.end(), name) != target->names.end();
  }
  if (!ours || m_settling) {
    return;
  }
  m_settling = true;
  m_settle.expires_after(k_settle);
  m_settle.async_wait([this](const boost::system::error_code& ec) {
    m_settling = false;
    if (!ec) {
      // Before the file is read again: a write to a new target after this
      // is seen by the new watch, one before it by the read.
      follow_links();
      m_changed();
    }
  });
}

} // namespace pprotect::supervisor
