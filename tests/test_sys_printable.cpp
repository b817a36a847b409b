#include "sys/printable.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using pprotect::sys::join;
using pprotect::sys::quoted_name;
using pprotect::sys::terminal_safe;

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

TEST_CASE("terminal_safe escapes C0, DEL and C1 controls and keeps everything else") {
  CHECK(terminal_safe("prod") == "prod");
  CHECK(terminal_safe("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07");
  CHECK(terminal_safe("a\nb\rc\x7f") == "a\\x0ab\\x0dc\\x7f");
  // U+009B (CSI) as UTF-8 is escaped; U+00A0 and CJK are not.
  CHECK(terminal_safe("x\xc2\x9b"
                      "2J") == "x\\xc2\\x9b"
                               "2J");
  CHECK(terminal_safe("\xc2\xa0\xe6\xbc\xa2") == "\xc2\xa0\xe6\xbc\xa2");
  // A lone 0xC2 at the end, or before a non-C1 byte, stays.
  CHECK(terminal_safe("\xc2") == "\xc2");
  CHECK(terminal_safe(std::string("a\0b", 3)) == "a\\x00b");
}
