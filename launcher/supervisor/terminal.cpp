#include "launcher/supervisor/terminal.hpp"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace pprotect::supervisor {

namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// The terminal device fd is open on. TIOCGDEV, not fstat: a descriptor of
// /dev/tty is the device (5, 0) to fstat, whichever terminal it stands for.
bool device_of(int fd, unsigned& device) {
  if (ioctl(fd, TIOCGDEV, &device) == 0) {
    return true;
  }
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISCHR(info.st_mode)) {
    return false;
  }
  device = static_cast<unsigned>(info.st_rdev);
  return true;
}

// The mode a new terminal starts in, with like's keys and settings: like
// may be in the raw mode of the shell that edits its command line (a job
// started with &), which the child's terminal must not inherit.
termios sane_mode(termios mode) {
  mode.c_iflag |= ICRNL;
  mode.c_iflag &= ~static_cast<tcflag_t>(INLCR | IGNCR);
  mode.c_oflag |= OPOST | ONLCR;
  mode.c_lflag |= ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE;
  mode.c_lflag &= ~static_cast<tcflag_t>(ECHONL | NOFLSH | TOSTOP);
  return mode;
}

} // namespace

int above_stdio(int fd) {
  if (fd > STDERR_FILENO) {
    return fd;
  }
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  const int error = errno;
  close(fd);
  if (moved < 0) {
    errno = error;
    throw_errno("cannot move a descriptor above 2");
  }
  return moved;
}

PseudoTerminal::PseudoTerminal(int like) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) {
    throw_errno("cannot open a pseudo-terminal");
  }
  m_master = sys::FileDescriptor(above_stdio(master));
  if (grantpt(m_master.get()) != 0 || unlockpt(m_master.get()) != 0) {
    throw_errno("cannot unlock a pseudo-terminal");
  }
  // The peer by descriptor (Linux 4.13): no path to look up, so it works
  // where /dev/pts is not the instance /dev/ptmx belongs to.
  int slave = ioctl(m_master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) {
    char name[128];
    if (ptsname_r(m_master.get(), name, sizeof name) != 0) {
      throw_errno("cannot name a pseudo-terminal");
    }
    slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
      throw_errno("cannot open a pseudo-terminal");
    }
  }
  m_slave = sys::FileDescriptor(above_stdio(slave));
  termios mode{};
  if (tcgetattr(like, &mode) == 0) {
    mode = sane_mode(mode);
    (void)tcsetattr(m_slave.get(), TCSANOW, &mode);
  }
  copy_window_size(like);
  const int flags = fcntl(m_master.get(), F_GETFL);
  if (flags < 0 || fcntl(m_master.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    throw_errno("cannot make a pseudo-terminal non-blocking");
  }
}

void PseudoTerminal::copy_window_size(int from) const {
  winsize size{};
  if (ioctl(from, TIOCGWINSZ, &size) == 0) {
    (void)ioctl(m_master.get(), TIOCSWINSZ, &size);
  }
}

bool RawMode::enter() {
  if (m_active) {
    return true;
  }
  if (m_fd < 0 || tcgetattr(m_fd, &m_saved) != 0) {
    return false;
  }
  termios raw = m_saved;
  cfmakeraw(&raw);
  if (tcsetattr(m_fd, TCSANOW, &raw) != 0) {
    return false;
  }
  m_active = true;
  return true;
}

void RawMode::leave() {
  if (!m_active) {
    return;
  }
  m_active = false;
  (void)tcsetattr(m_fd, TCSADRAIN, &m_saved);
}

bool same_terminal(int a, int b) {
  unsigned first = 0;
  unsigned second = 0;
  return isatty(a) == 1 && isatty(b) == 1 && device_of(a, first) && device_of(b, second) && first == second;
}

sys::FileDescriptor own_terminal_descriptor(int fd, Reopen how) {
  if (isatty(fd) != 1) {
    return {};
  }
  constexpr int k_flags = O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK;
  sys::FileDescriptor tty(open("/dev/tty", k_flags));
  if (tty.valid() && same_terminal(tty.get(), fd)) {
    return sys::FileDescriptor(above_stdio(tty.release()));
  }
  if (how == Reopen::controlling_only) {
    return {};
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  sys::FileDescriptor reopened(open(path.c_str(), k_flags));
  if (reopened.valid() && same_terminal(reopened.get(), fd)) {
    return sys::FileDescriptor(above_stdio(reopened.release()));
  }
  return {};
}

bool in_foreground(int fd) {
  const pid_t foreground = tcgetpgrp(fd);
  return foreground < 0 || foreground == getpgrp();
}

} // namespace pprotect::supervisor
