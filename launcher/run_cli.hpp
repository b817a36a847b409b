#pragma once
// pprotect-run's command line (CLI11): parses, runs, maps failures to the
// documented exit codes.

#include "launcher/supervisor.hpp"

namespace pprotect::launcher {

// Returns the status pprotect-run exits with (see supervisor.hpp for the
// codes). Call with every signal blocked (StartupSignals::block_all).
int run_cli(int argc, char** argv, const StartupSignals& signals);

} // namespace pprotect::launcher
