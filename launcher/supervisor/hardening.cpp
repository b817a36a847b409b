#include "launcher/supervisor/hardening.hpp"

#include <sys/prctl.h>

namespace pprotect::supervisor {

namespace {

// The core limit before harden_launcher(), for the child.
bool g_core_limit_saved = false;
rlimit g_core_limit{};

} // namespace

void harden_launcher() {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (!g_core_limit_saved && getrlimit(RLIMIT_CORE, &g_core_limit) == 0) {
    g_core_limit_saved = true;
  }
  // Soft limit only: a lowered hard limit could not be raised again for the
  // child by an unprivileged launcher.
  rlimit no_core{0, g_core_limit_saved ? g_core_limit.rlim_max : 0};
  setrlimit(RLIMIT_CORE, &no_core);
}

std::optional<rlimit> core_limit_before_hardening() {
  if (!g_core_limit_saved) {
    return std::nullopt;
  }
  return g_core_limit;
}

} // namespace pprotect::supervisor
