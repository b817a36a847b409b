#pragma once
// --watch: a file's changes, as inotify reports them on its directory (and,
// when it is a symlink, on the directories of what it points to).

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::supervisor {

// Calls `changed` once the file has been written, replaced (a rename over
// it, as `git pull`, editors and pprotect's own writes do), created, removed
// or had its mode changed; events within k_settle of the first count once.
// The directory is watched, not the file: a watch on the file would follow
// the old inode after a rename. A symlink is followed: each link on the way
// and the file it ends at are watched in their own directories, so a write
// through the target's path counts, and so does the link pointed elsewhere
// (what it points to is resolved again after each change). Kubernetes'
// volume updates (a `..data` symlink renamed over) count too.
class FileWatch {
public:
  static constexpr std::chrono::milliseconds k_settle{200};
  using Changed = std::function<void()>;

  // Throws std::system_error when inotify cannot watch the file's own
  // directory (those of a symlink's targets are watched as they can be).
  FileWatch(boost::asio::io_context& io, const std::filesystem::path& file, Changed changed);
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

private:
  // A watched directory and the names in it that are the file or a link to it.
  struct Watch {
    int descriptor;
    std::vector<std::string> names;
  };

  void read_events();
  void on_event(int descriptor, std::string_view name, std::uint32_t mask);
  void follow_links();

  boost::asio::posix::stream_descriptor m_inotify;
  boost::asio::steady_timer m_settle;
  std::filesystem::path m_file;
  std::string m_name;
  Changed m_changed;
  int m_own = -1;               // the watch on the file's own directory
  std::vector<Watch> m_targets; // the directories a symlink leads through
  bool m_settling = false;
  bool m_lost = false;
  alignas(8) std::array<char, 4096> m_buffer{};
};

} // namespace pprotect::supervisor
