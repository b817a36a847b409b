#include "sys/utf8.hpp"

namespace pprotect::sys {

std::optional<char32_t> next_code_point(std::string_view text, std::size_t& pos) {
  if (pos >= text.size()) {
    return std::nullopt;
  }
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  const std::size_t length = utf8_sequence_length(lead);
  if (length == 1) {
    ++pos;
    return lead;
  }
  // The lead's own bits, and the least code point of that length (below it
  // only an overlong form: E0 80, F0 80).
  char32_t value = 0;
  char32_t minimum = 0;
  switch (length) {
  case 2:
    value = lead & 0x1FU;
    minimum = 0x80;
    break;
  case 3:
    value = lead & 0x0FU;
    minimum = 0x800;
    break;
  case 4:
    value = lead & 0x07U;
    minimum = 0x10000;
    break;
  default:
    return std::nullopt;
  }
  if (length > text.size() - pos) {
    return std::nullopt;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char continuation = byte(pos + i);
    if ((continuation & 0xC0U) != 0x80U) {
      return std::nullopt;
    }
    value = (value << 6U) | (continuation & 0x3FU);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    return std::nullopt;
  }
  pos += length;
  return value;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    if (!next_code_point(text, pos)) {
      return false;
    }
  }
  return true;
}

std::optional<std::u32string> decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const auto code_point = next_code_point(text, pos);
    if (!code_point) {
      return std::nullopt;
    }
    out += *code_point;
  }
  return out;
}

void append_utf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

} // namespace pprotect::sys
