#pragma once
// What the launcher itself says, on stderr only: stdout belongs to the child.

#include <string_view>

namespace pprotect::supervisor {

// Prints "<program>: error: <message>" as one line on stderr.
void print_launcher_error(std::string_view message);

// Prints "<program>: warning: <message>" as one line on stderr (even with
// --quiet: it is something that went wrong).
void print_warning(std::string_view message);

// Prints "<program>: <message>" as one line on stderr, unless quiet.
enum class Quiet { no, yes };
void print_notice(Quiet quiet, std::string_view message);

} // namespace pprotect::supervisor
