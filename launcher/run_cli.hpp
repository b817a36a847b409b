#pragma once
// pprotect-run's command line (CLI11): parses, runs, maps failures to the
// documented exit codes.

#include "launcher/supervisor/signals.hpp"

namespace pprotect::launcher {

// Returns the status pprotect-run exits with (sys/exit_status.hpp, or the
// child's). Call with every signal blocked (StartupSignals::block_all).
int run_cli(int argc, char** argv, const supervisor::StartupSignals& signals);

} // namespace pprotect::launcher
