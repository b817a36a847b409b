#include "store/text.hpp"

#include "sys/hex.hpp"
#include "sys/utf8.hpp"

namespace pprotect::store {

namespace {

void append_escaped_byte(std::string& out, unsigned char byte) {
  out += "\\x";
  out += sys::hex_digit(byte >> 4U);
  out += sys::hex_digit(byte);
}

bool is_c0_control(unsigned char byte) {
  return byte < 0x20 || byte == 0x7F;
}

} // namespace

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
    if (is_c0_control(byte)) {
      append_escaped_byte(out, byte);
    } else {
      out += c;
    }
    shown += continuation ? 0 : 1;
  }
  return out + "'";
}

std::string reference_name(std::string_view name) {
  for (const char c : name) {
    if (is_c0_control(static_cast<unsigned char>(c))) {
      return quoted_name(name);
    }
  }
  return std::string(name);
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const unsigned char next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0U;
    if (is_c0_control(byte)) {
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

std::string python_repr(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t start = pos;
    const auto cp = sys::next_code_point(text, pos);
    if (!cp) {
      // Python would have failed to decode; show the byte escaped.
      const auto u = static_cast<unsigned char>(text[start]);
      append_escaped_byte(out, u);
      pos = start + 1;
      continue;
    }
    const char32_t c = *cp;
    if (c == static_cast<char32_t>(quote) || c == U'\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == U'\n') {
      out += "\\n";
    } else if (c == U'\r') {
      out += "\\r";
    } else if (c == U'\t') {
      out += "\\t";
    } else if (c < 0x20 || (c >= 0x7F && c <= 0xA0)) {
      append_escaped_byte(out, static_cast<unsigned char>(c));
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  out += quote;
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

} // namespace pprotect::store
