#pragma once
// Strict UTF-8, as Python decodes it: no overlong forms, no surrogates,
// nothing above U+10FFFF.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pprotect::sys {

// How many bytes a character that starts with `lead` takes: 1 (ASCII),
// 2, 3 or 4; 0 for a byte no character starts with (a continuation byte,
// or one only an overlong form or a code point past U+10FFFF begins).
constexpr std::size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    return 4;
  }
  return 0;
}

// Decodes the code point starting at text[pos] and moves pos past it;
// nullopt (pos unchanged) when the bytes there are no valid UTF-8 or pos is
// at the end.
[[nodiscard]] std::optional<char32_t> next_code_point(std::string_view text, std::size_t& pos);

[[nodiscard]] bool is_valid_utf8(std::string_view text);

// The code points of text; nullopt when it is not valid UTF-8.
[[nodiscard]] std::optional<std::u32string> decode_utf8(std::string_view text);

// Appends the UTF-8 encoding of a code point (below U+110000, no surrogate).
void append_utf8(std::string& out, char32_t code_point);

} // namespace pprotect::sys
