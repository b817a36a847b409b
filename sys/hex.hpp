#pragma once
// Hexadecimal digits, for escapes and keys written as text, and back.

namespace pprotect::sys {

enum class HexCase { lower, upper };

// The hex digit of the low four bits of value.
constexpr char hex_digit(unsigned value, HexCase letters = HexCase::lower) {
  constexpr char lower[] = "0123456789abcdef";
  constexpr char upper[] = "0123456789ABCDEF";
  return (letters == HexCase::lower ? lower : upper)[value & 0xFU];
}

// The value of a hex digit written in `letters` ('7' is 7, 'C' 12 in
// upper case), or -1 for anything else (a letter of the other case too).
constexpr int hex_value(char c, HexCase letters = HexCase::lower) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  const char a = letters == HexCase::lower ? 'a' : 'A';
  if (c >= a && c <= a + 5) {
    return c - a + 10;
  }
  return -1;
}

} // namespace pprotect::sys
