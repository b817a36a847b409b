#include "sys/utf8.hpp"

#include <catch2/catch.hpp>
#include <string>

using pprotect::sys::append_utf8;
using pprotect::sys::decode_utf8;
using pprotect::sys::is_valid_utf8;
using pprotect::sys::next_code_point;

TEST_CASE("Code points of every length decode, and advance past themselves") {
  const std::string text = "a\xc3\xa9\xe6\xbc\xa2\xf0\x9f\x94\x91";
  std::size_t pos = 0;
  CHECK(next_code_point(text, pos) == U'a');
  CHECK(pos == 1);
  CHECK(next_code_point(text, pos) == U'\u00e9');
  CHECK(next_code_point(text, pos) == U'\u6f22');
  CHECK(next_code_point(text, pos) == U'\U0001F511');
  CHECK(pos == text.size());
  CHECK_FALSE(next_code_point(text, pos));
}

TEST_CASE("Strict UTF-8: overlongs, surrogates, past U+10FFFF and cut sequences are invalid") {
  for (const char* bad : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "\xe6\xbc",
                          "\xff", "\x80", "a\xc3(b"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_utf8(bad));
    CHECK_FALSE(decode_utf8(bad));
    std::size_t pos = 0;
    while (next_code_point(bad, pos)) {
    }
    CHECK(pos < std::string(bad).size());
  }
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("\xef\xbf\xbd"));
}

TEST_CASE("decode_utf8 and append_utf8 round-trip") {
  const std::string text = "x\xc2\x85\xe2\x80\xa8\xf0\x90\x80\x80\x7f";
  const auto decoded = decode_utf8(text);
  REQUIRE(decoded);
  CHECK(decoded->size() == 5);
  std::string again;
  for (const char32_t c : *decoded) {
    append_utf8(again, c);
  }
  CHECK(again == text);
}

TEST_CASE("A lead byte says how long its character is, and no character starts with the others") {
  using pprotect::sys::utf8_sequence_length;
  CHECK(utf8_sequence_length('a') == 1);
  CHECK(utf8_sequence_length(0x7F) == 1);
  CHECK(utf8_sequence_length(0x80) == 0); // a continuation byte
  CHECK(utf8_sequence_length(0xBF) == 0);
  CHECK(utf8_sequence_length(0xC0) == 0); // only overlong forms
  CHECK(utf8_sequence_length(0xC1) == 0);
  CHECK(utf8_sequence_length(0xC2) == 2);
  CHECK(utf8_sequence_length(0xDF) == 2);
  CHECK(utf8_sequence_length(0xE0) == 3);
  CHECK(utf8_sequence_length(0xEF) == 3);
  CHECK(utf8_sequence_length(0xF0) == 4);
  CHECK(utf8_sequence_length(0xF4) == 4);
  CHECK(utf8_sequence_length(0xF5) == 0); // past U+10FFFF
  CHECK(utf8_sequence_length(0xFF) == 0);
}
