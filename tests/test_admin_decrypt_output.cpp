#include "launcher/admin/decrypt_output.hpp"
#include "policy/credentials.hpp"
#include "store/errors.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

using namespace pprotect;
using admin::OutputFormat;

namespace {

store::SecretValues values(std::initializer_list<std::pair<std::string, std::string>> items) {
  store::SecretValues out;
  for (const auto& [name, value] : items) {
    out.emplace(name, sys::SecureBuffer::copy_of(value));
  }
  return out;
}

std::string json_of(const store::SecretValues& secrets) {
  std::ostringstream out;
  admin::write_json(out, secrets);
  return out.str();
}

} // namespace

TEST_CASE("JSON output matches json.dumps(indent=2, sort_keys=True) byte for byte") {
  // Expected text produced by Python 3.11's json.dumps for the same dict.
  const auto secrets = values({{"b", "caf\xc3\xa9 \xf0\x9f\x98\x80"},
                               {"a", std::string("line1\nline2\t\"q\" \\ \0 \x7f \x1b", 23)},
                               {"empty", ""}});
  CHECK(json_of(secrets) == "{\n  \"a\": \"line1\\nline2\\t\\\"q\\\" \\\\ \\u0000 \\u007f \\u001b\",\n"
                            "  \"b\": \"caf\\u00e9 \\ud83d\\ude00\",\n  \"empty\": \"\"\n}\n");
}

TEST_CASE("An empty domain prints {}") {
  CHECK(json_of({}) == "{}\n");
}

TEST_CASE("A value that is not UTF-8 is an error, not mangled output") {
  std::ostringstream out;
  CHECK_THROWS_AS(admin::write_json_string(out, "\xff"), store::StoreError);
  CHECK_THROWS_AS(admin::write_json_string(out, "\xed\xa0\x80"), store::StoreError); // a lone surrogate
  CHECK_THROWS_AS(admin::write_json_string(out, "\xc0\xaf"), store::StoreError);     // overlong
  CHECK(out.str().empty());
}

TEST_CASE("shell_quote quotes as Python's shlex.quote") {
  CHECK(admin::shell_quote("") == "''");
  CHECK(admin::shell_quote("abc") == "abc");
  CHECK(admin::shell_quote("x=y,z:@%+./-_") == "x=y,z:@%+./-_");
  CHECK(admin::shell_quote("a b") == "'a b'");
  CHECK(admin::shell_quote("it's") == "'it'\"'\"'s'");
  CHECK(admin::shell_quote("$HOME") == "'$HOME'");
  CHECK(admin::shell_quote("caf\xc3\xa9") == "'caf\xc3\xa9'");
}

TEST_CASE("env and shell formats print sorted assignments") {
  const auto secrets = values({{"B", "two words"}, {"A", "plain"}, {"C", ""}});
  std::ostringstream env;
  admin::write_assignments(env, secrets, OutputFormat::env);
  CHECK(env.str() == "A=plain\nB='two words'\nC=''\n");
  std::ostringstream shell;
  admin::write_assignments(shell, secrets, OutputFormat::shell);
  CHECK(shell.str() == "export A=plain\nexport B='two words'\nexport C=''\n");
}

TEST_CASE("A name that is not a shell identifier fails before anything is printed") {
  const auto secrets = values({{"a", "1"}, {"db-url", "x"}});
  std::ostringstream out;
  REQUIRE_THROWS_WITH(
      admin::write_assignments(out, secrets, OutputFormat::env),
      "'db-url' is not a valid shell identifier; cannot safely represent in env/shell format");
  CHECK(out.str().empty());
}

TEST_CASE("A NUL byte in a value is reported in env format, never cut") {
  const auto secrets = values({{"a", std::string("x\0y", 3)}});
  std::ostringstream out;
  CHECK_THROWS_AS(admin::write_assignments(out, secrets, OutputFormat::shell), store::StoreError);
  CHECK(out.str().empty());
}

TEST_CASE("Output formats parse by name and reject others as usage errors") {
  CHECK(admin::parse_output_format("json") == OutputFormat::json);
  CHECK(admin::parse_output_format("env") == OutputFormat::env);
  CHECK(admin::parse_output_format("shell") == OutputFormat::shell);
  CHECK_THROWS_AS(admin::parse_output_format("yaml"), policy::UsageError);
}

TEST_CASE("A value JSON cannot carry fails before anything is written, naming the secret") {
  pprotect::store::SecretValues secrets;
  secrets.emplace("A1", pprotect::sys::SecureBuffer::copy_of("fine"));
  secrets.emplace("B2", pprotect::sys::SecureBuffer::copy_of("bad \xff byte"));
  std::ostringstream out;
  CHECK_THROWS_WITH(admin::write_json(out, secrets), Catch::Contains("'B2'") && !Catch::Contains("bad"));
  CHECK(out.str().empty());
}

TEST_CASE("Streamed shell quoting writes what shell_quote returns") {
  for (const std::string text : {"", "abc", "a b", "it's", "''", "x'y'z", "$(id)"}) {
    std::ostringstream out;
    admin::write_shell_quoted(out, text);
    CHECK(out.str() == admin::shell_quote(text));
  }
  CHECK(admin::shell_quote("it's") == "'it'\"'\"'s'");
}
