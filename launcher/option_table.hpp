#pragma once
// pprotect-run's command line as a table: each option's names, what it
// takes, its help, and what it does with its value. One table parses argv
// and writes --help.
//
// Not CLI11 (which pprotect's admin commands use): building a CLI11 app of
// forty options took about 50 us, a twentieth of pprotect-run's whole
// start-up, on every start; this parser does no work beyond a scan of argv.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::launcher {

struct OptionSpec {
  enum class Takes {
    nothing,        // a flag: --exec
    value,          // --file FILE, --file=FILE, -f FILE, -fFILE
    optional_value, // --exit-with-parent, or --exit-with-parent=SIGNAL (never the next argument)
  };
  std::string_view names; // "-f,--file", "--exec"
  Takes takes = Takes::nothing;
  std::string_view value_name; // FILE: shown in the help
  std::string_view help;
  // Called with the value ("" for a flag, or an optional value not given).
  std::function<void(std::string_view)> apply;
  bool repeatable = false; // otherwise a second value is a usage error (a flag may come twice)
  char delimiter = '\0';   // ',': the value is a list, apply is called for each item
  bool required = false;
};

struct ParsedOptions {
  std::vector<std::string> command; // after "--", or from the first argument that is no option
  bool help = false;                // -h or --help came (parsing stopped there)
  bool version = false;             // --version came
};

// Parses argv[1..] as specs say. Throws policy::UsageError naming the
// option: unknown, without its value, given twice, or required and missing.
ParsedOptions parse_options(int argc, char** argv, const std::vector<OptionSpec>& specs);

// "Options:" and one entry per spec (with -h,--help and --version), each
// help wrapped to `width` columns.
std::string options_help(const std::vector<OptionSpec>& specs, std::size_t width = 100);

} // namespace pprotect::launcher
