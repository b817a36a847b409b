#pragma once
// --watch: a file's changes, as inotify reports them on its directory.

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace pprotect::supervisor {

// Calls `changed` once the file has been written, replaced (a rename over
// it, as `git pull`, editors and pprotect's own writes do), created, removed
// or had its mode changed; events within k_settle of the first count once.
// The directory is watched, not the file: a watch on the file would follow
// the old inode after a rename. Kubernetes' volume updates (a `..data`
// symlink renamed over) count too.
class FileWatch {
public:
  static constexpr std::chrono::milliseconds k_settle{200};
  using Changed = std::function<void()>;

  // Throws std::system_error when inotify cannot watch the directory.
  FileWatch(boost::asio::io_context& io, const std::filesystem::path& file, Changed changed);
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

private:
  void read_events();
  void on_event(std::string_view name, std::uint32_t mask);

  boost::asio::posix::stream_descriptor m_inotify;
  boost::asio::steady_timer m_settle;
  std::string m_name;
  Changed m_changed;
  bool m_settling = false;
  bool m_lost = false;
  alignas(8) std::array<char, 4096> m_buffer{};
};

} // namespace pprotect::supervisor
