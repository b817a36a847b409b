#include "launcher/option_table.hpp"

#include "policy/usage_error.hpp"

#include <algorithm>
#include <optional>

namespace pprotect::launcher {

namespace {

// Whether text is one of the comma-separated names.
bool named(std::string_view names, std::string_view text) {
  while (!names.empty()) {
    const auto comma = names.find(',');
    if (names.substr(0, comma) == text) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    names.remove_prefix(comma + 1);
  }
  return false;
}

// The long name ("--file"), for messages.
std::string_view long_name(std::string_view names) {
  const auto at = names.find("--");
  return at == std::string_view::npos ? names : names.substr(at, names.find(',', at) - at);
}

void apply(const OptionSpec& spec, std::string_view value) {
  if (spec.delimiter == '\0' || spec.takes == OptionSpec::Takes::nothing) {
    spec.apply(value);
    return;
  }
  for (;;) {
    const auto at = value.find(spec.delimiter);
    spec.apply(value.substr(0, at));
    if (at == std::string_view::npos) {
      return;
    }
    value.remove_prefix(at + 1);
  }
}

[[noreturn]] void usage(const std::string& message) {
  throw policy::UsageError(message + " (pprotect-run --help lists the options)");
}

} // namespace

ParsedOptions parse_options(int argc, char** argv, const std::vector<OptionSpec>& specs) {
  ParsedOptions parsed;
  std::vector<int> seen(specs.size(), 0);
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      break; // the command: its own options are never ours
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      return parsed;
    }
    if (arg == "--version") {
      parsed.version = true;
      return parsed;
    }
    // --name=value, -fvalue, or the name alone.
    std::string_view name = arg;
    std::optional<std::string_view> attached;
    if (arg[1] == '-') {
      if (const auto equals = arg.find('='); equals != std::string_view::npos) {
        name = arg.substr(0, equals);
        attached = arg.substr(equals + 1);
      }
    } else if (arg.size() > 2) {
      name = arg.substr(0, 2);
      attached = arg.substr(arg[2] == '=' ? 3 : 2);
    }
    const auto found = std::find_if(specs.begin(), specs.end(),
                                    [&](const OptionSpec& spec) { return named(spec.names, name); });
    if (found == specs.end()) {
      usage("unknown option " + std::string(name));
    }
    const OptionSpec& spec = *found;
    auto& count = seen[static_cast<std::size_t>(found - specs.begin())];
    // A flag twice says what it said once; a value twice is a conflict.
    if (count++ > 0 && !spec.repeatable && spec.takes != OptionSpec::Takes::nothing) {
      usage(std::string(long_name(spec.names)) + " is given twice");
    }
    switch (spec.takes) {
    case OptionSpec::Takes::nothing:
      if (attached) {
        usage(std::string(long_name(spec.names)) + " takes no value");
      }
      apply(spec, "");
      break;
    case OptionSpec::Takes::optional_value:
      apply(spec, attached.value_or(""));
      break;
    case OptionSpec::Takes::value:
      if (!attached) {
        if (i + 1 >= argc || std::string_view(argv[i + 1]) == "--") {
          usage(std::string(long_name(spec.names)) + " needs a value (" + std::string(spec.value_name) + ")");
        }
        attached = argv[++i];
      }
      apply(spec, *attached);
      break;
    }
  }
  parsed.command.assign(argv + i, argv + argc);
  for (std::size_t k = 0; k < specs.size(); ++k) {
    if (specs[k].required && seen[k] == 0) {
      usage(std::string(long_name(specs[k].names)) + " is required");
    }
  }
  return parsed;
}

namespace {

// text wrapped to width, each line after the first indented by indent.
std::string wrapped(std::string_view text, std::size_t indent, std::size_t width) {
  std::string out;
  std::size_t column = indent;
  bool first = true;
  while (!text.empty()) {
    const auto space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    if (!first && column + 1 + word.size() > width) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
    } else if (!first) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    first = false;
    if (space == std::string_view::npos) {
      break;
    }
    text.remove_prefix(space + 1);
  }
  return out;
}

} // namespace

std::string options_help(const std::vector<OptionSpec>& specs, std::size_t width) {
  constexpr std::size_t k_column = 30;
  std::string out = "Options:\n";
  const auto entry = [&](const std::string& head, std::string_view help) {
    out.append("  ").append(head);
    if (head.size() + 2 >= k_column) {
      out += "\n";
      out.append(k_column, ' ');
    } else {
      out.append(k_column - 2 - head.size(), ' ');
    }
    out += wrapped(help, k_column, width) + "\n";
  };
  entry("-h,--help", "Print this help message and exit");
  for (const OptionSpec& spec : specs) {
    std::string head(spec.names);
    if (spec.takes == OptionSpec::Takes::value) {
      head.append(" ").append(spec.value_name);
    } else if (spec.takes == OptionSpec::Takes::optional_value) {
      head.append("[=").append(spec.value_name).append("]");
    }
    if (spec.repeatable) {
      head += " ...";
    }
    std::string help(spec.help);
    if (spec.required) {
      help += " (required)";
    }
    entry(head, help);
  }
  entry("--version", "Print the version and exit");
  return out;
}

} // namespace pprotect::launcher
