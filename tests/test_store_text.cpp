#include "store/text.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using pprotect::store::join;
using pprotect::store::quoted_name;

TEST_CASE("join puts the separator between every two parts, empty ones included, as str.join") {
  CHECK(join({}, ", ").empty());
  CHECK(join({"a"}, ", ") == "a");
  CHECK(join({"a", "b", "c"}, ", ") == "a, b, c");
  CHECK(join({"", "x", ""}, "\n") == "\nx\n");
  CHECK(join({"", ""}, ", ") == ", ");
}

TEST_CASE("quoted_name quotes, escapes control characters, and cuts only when asked") {
  CHECK(quoted_name("prod") == "'prod'");
  CHECK(quoted_name("a\tb\x7f") == "'a\\x09b\\x7f'");
  const std::string long_name(200, 'k');
  CHECK(quoted_name(long_name) == "'" + long_name + "'");
  CHECK(quoted_name("abcdef", 3) == "'abc...'");
  CHECK(quoted_name("abc", 3) == "'abc'");
  // Characters, not bytes: a cut never splits "é" (two bytes).
  CHECK(quoted_name("\xc3\xa9\xc3\xa9\xc3\xa9", 2) == "'\xc3\xa9\xc3\xa9...'");
}
