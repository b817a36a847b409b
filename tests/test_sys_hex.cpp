#include "sys/hex.hpp"

#include <catch2/catch.hpp>

using pprotect::sys::hex_digit;
using pprotect::sys::hex_value;
using pprotect::sys::HexCase;

TEST_CASE("Hex digits of the low four bits, in either case") {
  CHECK(hex_digit(0) == '0');
  CHECK(hex_digit(9) == '9');
  CHECK(hex_digit(10) == 'a');
  CHECK(hex_digit(0xF, HexCase::upper) == 'F');
  CHECK(hex_digit(0x1B, HexCase::upper) == 'B'); // the high bits are not looked at
}

TEST_CASE("A hex digit's value, only in the case asked for") {
  for (unsigned v = 0; v < 16; ++v) {
    CHECK(hex_value(hex_digit(v), HexCase::lower) == static_cast<int>(v));
    CHECK(hex_value(hex_digit(v, HexCase::upper), HexCase::upper) == static_cast<int>(v));
  }
  CHECK(hex_value('A', HexCase::lower) == -1);
  CHECK(hex_value('a', HexCase::upper) == -1);
  CHECK(hex_value('g') == -1);
  CHECK(hex_value('G', HexCase::upper) == -1);
  CHECK(hex_value('/') == -1);
  CHECK(hex_value(':') == -1);
}
