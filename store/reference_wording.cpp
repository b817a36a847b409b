#include "store/reference_wording.hpp"

#include "sys/printable.hpp"
#include "sys/utf8.hpp"

namespace pprotect::store {

std::string reference_name(std::string_view name) {
  for (const char c : name) {
    if (sys::is_control_byte(static_cast<unsigned char>(c))) {
      return sys::quoted_name(name);
    }
  }
  return std::string(name);
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
      sys::append_escaped_byte(out, u);
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
      sys::append_escaped_byte(out, static_cast<unsigned char>(c));
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  out += quote;
  return out;
}

} // namespace pprotect::store
