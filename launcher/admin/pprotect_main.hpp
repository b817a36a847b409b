#pragma once
// pprotect, the whole program.

namespace pprotect::admin {

// Parses, runs the command, prints every failure as one line on stderr;
// returns the exit status (sys/exit_status.hpp): 0, 1 for a failure, 2 for
// a usage error or a missing (for init: existing) protected file, 130 when
// interrupted at a prompt.
int pprotect_main(int argc, char** argv);

} // namespace pprotect::admin
