#pragma once
// Hexadecimal digits, for escapes and keys written as text.

namespace pprotect::sys {

enum class HexCase { lower, upper };

// The hex digit of the low four bits of value.
constexpr char hex_digit(unsigned value, HexCase letters = HexCase::lower) {
  constexpr char lower[] = "0123456789abcdef";
  constexpr char upper[] = "0123456789ABCDEF";
  return (letters == HexCase::lower ? lower : upper)[value & 0xFU];
}

} // namespace pprotect::sys
