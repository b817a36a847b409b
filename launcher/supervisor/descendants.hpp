#pragma once
// The processes below the launcher, for --reap-descendants.

#include <sys/types.h>
#include <vector>

namespace pprotect::supervisor {

// Pids of every live (not zombie) process below the calling one, from /proc.
[[nodiscard]] std::vector<pid_t> live_descendants();

// --reap-descendants: SIGTERM (and SIGCONT) to everything left below us,
// up to `seconds` for them to go, then SIGKILL; reaps all of them. Signals
// that come meanwhile are read from signal_fd and dropped: the main child
// is gone, there is nobody to forward them to.
void reap_descendants(double seconds, int signal_fd);

} // namespace pprotect::supervisor
