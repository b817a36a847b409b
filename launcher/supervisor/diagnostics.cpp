#include "launcher/supervisor/diagnostics.hpp"

#include "sys/full_io.hpp"

#include <cerrno>
#include <string>
#include <unistd.h>

namespace pprotect::supervisor {

namespace {

void print_line(std::string_view infix, std::string_view message) {
  std::string line;
  line.reserve(message.size() + 32);
  line.append(program_invocation_short_name).append(infix).append(message).push_back('\n');
  // Nowhere left to report a failure to write to stderr.
  (void)sys::write_all(STDERR_FILENO, line);
}

} // namespace

void print_launcher_error(std::string_view message) {
  print_line(": error: ", message);
}

void print_warning(std::string_view message) {
  print_line(": warning: ", message);
}

void print_notice(Quiet quiet, std::string_view message) {
  if (quiet == Quiet::no) {
    print_line(": ", message);
  }
}

} // namespace pprotect::supervisor
