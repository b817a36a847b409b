#include "sys/printable.hpp"

#include "sys/hex.hpp"

namespace pprotect::sys {

void append_escaped_byte(std::string& out, unsigned char byte) {
  out += "\\x";
  out += sys::hex_digit(byte >> 4U);
  out += sys::hex_digit(byte);
}

bool is_control_byte(unsigned char byte) {
  return byte < 0x20 || byte == 0x7F;
}

std::string quoted_name(std::string_view name, std::size_t max_characters) {
  std::string out = "'";
  std::size_t shown = 0;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    const bool continuation = (byte & 0xC0) == 0x80;
    if (!continuation && shown == max_characters) {
      out += "...";
      break;
    }
    if (is_control_byte(byte)) {
      append_escaped_byte(out, byte);
    } else {
      out += c;
    }
    shown += continuation ? 0 : 1;
  }
  return out + "'";
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const unsigned char next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0U;
    if (is_control_byte(byte)) {
      append_escaped_byte(out, byte);
    } else if (byte == 0xC2 && next >= 0x80 && next <= 0x9F) {
      // U+0080..U+009F, the C1 controls: U+009B is a CSI for some terminals.
      append_escaped_byte(out, byte);
      append_escaped_byte(out, next);
      ++i;
    } else {
      out += static_cast<char>(byte);
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += separator;
    }
    out += parts[i];
  }
  return out;
}

} // namespace pprotect::sys
