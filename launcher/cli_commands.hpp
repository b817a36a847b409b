#pragma once
// The bodies of pprotect's subcommands: prompts, store calls, output.

#include "launcher/cli.hpp"

namespace pprotect::launcher {

// Runs options.subcommand and returns the exit status; every failure is
// printed here as "error: <message>" on stderr with the reference's exit
// code (2: usage error, missing or existing file; 1: anything else;
// 130: interrupted).
int run_subcommand(const CliOptions& options);

} // namespace pprotect::launcher
