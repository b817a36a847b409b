#pragma once
// What the launcher does to itself before it reads a secret.

#include <optional>
#include <sys/resource.h>

namespace pprotect::supervisor {

// Marks the launcher non-dumpable (PR_SET_DUMPABLE 0: no core, no ptrace or
// /proc/<pid>/environ for other users) and sets its core limit to 0; the
// child gets the original limit back. Call before any secret is read.
void harden_launcher();

// The core-file limit the launcher had before harden_launcher(), which the
// child gets back; nullopt when harden_launcher() did not change it.
[[nodiscard]] std::optional<rlimit> core_limit_before_hardening();

} // namespace pprotect::supervisor
