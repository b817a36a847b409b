// Runs a command in a session keyring of its own, or where the kernel
// refuses keyrings, for the keyring black-box tests:
//   with_keyring private CMD [ARGS...]   a new, empty session keyring (keys
//       the test caches reach neither the user's shared default session
//       keyring nor other test runs, and go with the test); exits 77, the
//       tests' "skip", where the kernel refuses keyrings
//   with_keyring refused CMD [ARGS...]   add_key, keyctl and request_key
//       fail with EPERM, as under Docker's or podman's default seccomp
//       profile (tests/keyring_refusal.hpp)
//   with_keyring denied CMD [ARGS...]    the same calls fail with EACCES, as
//       a security module that denies them would make them
#include "tests/keyring_refusal.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <linux/keyctl.h>
#include <string_view>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

constexpr int k_skip = 77;
constexpr int k_usage = 2;

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: with_keyring private|refused|denied CMD [ARGS...]\n");
    return k_usage;
  }
  const std::string_view mode = argv[1];
  if (mode == "private") {
    if (::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, nullptr) < 0) {
      const int error = errno;
      std::fprintf(stderr, "with_keyring: no session keyring of our own: %s\n", std::strerror(error));
      return error == EPERM || error == ENOSYS ? k_skip : k_usage;
    }
  } else if (mode == "refused" || mode == "denied") {
    if (!refuse_keyrings(mode == "refused" ? EPERM : EACCES)) {
      std::fprintf(stderr, "with_keyring: cannot install a seccomp filter here\n");
      return k_skip;
    }
  } else {
    std::fprintf(stderr, "with_keyring: unknown mode %s (private, refused or denied)\n", argv[1]);
    return k_usage;
  }
  ::execvp(argv[2], argv + 2);
  std::fprintf(stderr, "with_keyring: cannot run %s: %s\n", argv[2], std::strerror(errno));
  return 127;
}
