// pprotect-run's option table: parsing argv, and the help it writes.
#include "launcher/option_table.hpp"
#include "policy/usage_error.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using pprotect::launcher::options_help;
using pprotect::launcher::OptionSpec;
using pprotect::launcher::parse_options;
using pprotect::launcher::ParsedOptions;
using Takes = OptionSpec::Takes;

namespace {

struct Seen {
  std::string file;
  std::vector<std::string> domains;
  std::vector<std::string> only;
  bool exec = false;
  std::vector<std::string> parent; // each --exit-with-parent, with its value
};

std::vector<OptionSpec> table(Seen& seen) {
  return {
      {"-f,--file", Takes::value, "FILE", "The file", [&](std::string_view v) { seen.file = v; }},
      {"-d,--domain", Takes::value, "DOMAIN", "A domain",
       [&](std::string_view v) { seen.domains.emplace_back(v); }, true, '\0', true},
      {"--only", Takes::value, "NAME[,NAME...]", "Only these",
       [&](std::string_view v) { seen.only.emplace_back(v); }, true, ','},
      {"--exec", Takes::nothing, "", "Replace", [&](std::string_view) { seen.exec = true; }},
      {"--exit-with-parent", Takes::optional_value, "SIGNAL", "Parent",
       [&](std::string_view v) { seen.parent.emplace_back(v); }},
  };
}

ParsedOptions parse(std::vector<std::string> args, Seen& seen) {
  args.insert(args.begin(), "pprotect-run");
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  return parse_options(static_cast<int>(argv.size()), argv.data(), table(seen));
}

std::string error_of(std::vector<std::string> args) {
  Seen seen;
  try {
    (void)parse(std::move(args), seen);
  } catch (const pprotect::policy::UsageError& error) {
    return error.what();
  }
  return "";
}

} // namespace

TEST_CASE("Values come separate, after '=', or glued to a short name") {
  Seen seen;
  const auto parsed =
      parse({"--file", "a.yaml", "-d", "ci", "--domain=dev", "-dprod", "--", "env", "-i"}, seen);
  CHECK(seen.file == "a.yaml");
  CHECK(seen.domains == std::vector<std::string>{"ci", "dev", "prod"});
  CHECK(parsed.command == std::vector<std::string>{"env", "-i"});
  Seen again;
  (void)parse({"-f=b.yaml", "-d", "x", "true"}, again);
  CHECK(again.file == "b.yaml");
}

TEST_CASE("The command starts at '--' or at the first argument that is no option") {
  Seen seen;
  auto parsed = parse({"-d", "ci", "sh", "-c", "--file x"}, seen);
  CHECK(parsed.command == std::vector<std::string>{"sh", "-c", "--file x"});
  CHECK(seen.file.empty()); // the command's own options are never ours
  Seen other;
  parsed = parse({"-d", "ci", "--", "--exec"}, other);
  CHECK(parsed.command == std::vector<std::string>{"--exec"});
  CHECK_FALSE(other.exec);
  Seen none;
  parsed = parse({"-d", "ci"}, none);
  CHECK(parsed.command.empty());
}

TEST_CASE("A list value is split at its delimiter") {
  Seen seen;
  (void)parse({"-d", "ci", "--only", "A,B", "--only=C", "x"}, seen);
  CHECK(seen.only == std::vector<std::string>{"A", "B", "C"});
}

TEST_CASE("An optional value is taken only after '='") {
  Seen seen;
  auto parsed = parse({"-d", "ci", "--exit-with-parent", "USR1", "--exit-with-parent=HUP"}, seen);
  CHECK(seen.parent == std::vector<std::string>{""});
  // USR1 is no option: the command starts there, with what follows.
  CHECK(parsed.command == std::vector<std::string>{"USR1", "--exit-with-parent=HUP"});
  Seen with_value;
  parsed = parse({"-d", "ci", "--exit-with-parent=HUP", "true"}, with_value);
  CHECK(with_value.parent == std::vector<std::string>{"HUP"});
  CHECK(parsed.command == std::vector<std::string>{"true"});
}

TEST_CASE("Usage errors name the option") {
  CHECK(error_of({"-d", "ci", "--nope"}).rfind("unknown option --nope", 0) == 0);
  CHECK(error_of({"-d", "ci", "-x"}).rfind("unknown option -x", 0) == 0);
  CHECK(error_of({"-d", "ci", "--file"}).rfind("--file needs a value (FILE)", 0) == 0);
  CHECK(error_of({"-d", "ci", "--file", "--", "x"}).rfind("--file needs a value", 0) == 0);
  CHECK(error_of({"-d", "ci", "-f", "a", "-f", "b"}).rfind("--file is given twice", 0) == 0);
  CHECK(error_of({"-d", "ci", "--exec=yes"}).rfind("--exec takes no value", 0) == 0);
  CHECK(error_of({"--file", "a", "true"}).rfind("--domain is required", 0) == 0);
  CHECK(error_of({"-d", "ci", "--exit-with-parent", "--exit-with-parent=HUP"})
            .rfind("--exit-with-parent is given twice", 0) == 0);
  CHECK(error_of({"-d", "ci"}).empty());
  CHECK(error_of({"-d", "ci", "--exec", "--exec"}).empty()); // a flag twice is the flag
}

TEST_CASE("--help and --version stop the parse, wherever they stand") {
  Seen seen;
  CHECK(parse({"--help", "--nope"}, seen).help);
  CHECK(parse({"-d", "ci", "-h"}, seen).help);
  CHECK(parse({"--version"}, seen).version);
  Seen after;
  CHECK_FALSE(parse({"-d", "ci", "--", "--help"}, after).help); // the command's
}

TEST_CASE("The help lists every option with its value, wrapped") {
  Seen seen;
  auto specs = table(seen);
  // Help of short words, and one word longer than a line.
  std::string words;
  for (int i = 0; i < 40; ++i) {
    words += "word ";
  }
  words += std::string(120, 'w');
  specs.push_back({"--long", Takes::value, "X", words, [](std::string_view) {}});
  const std::string help = options_help(specs, 100);
  CHECK(help.find("  -f,--file FILE              The file\n") != std::string::npos);
  CHECK(help.find("  -d,--domain DOMAIN ...      A domain (required)\n") != std::string::npos);
  CHECK(help.find("--exit-with-parent[=SIGNAL]") != std::string::npos);
  CHECK(help.find("-h,--help") != std::string::npos);
  CHECK(help.find("--version") != std::string::npos);
  for (std::size_t start = 0, end; (end = help.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = help.substr(start, end - start);
    // A word longer than the line stands alone; no other line is longer.
    CHECK((line.size() <= 100 || line.find(' ', 31) == std::string::npos));
  }
}
