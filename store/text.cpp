#include "store/text.hpp"

namespace pprotect::store {

std::string quoted_name(std::string_view name, std::size_t max_characters) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out = "'";
  std::size_t shown = 0;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    const bool continuation = (byte & 0xC0) == 0x80;
    if (!continuation && shown == max_characters) {
      out += "...";
      break;
    }
    if (byte < 0x20 || byte == 0x7F) {
      out += "\\x";
      out += k_hex[byte >> 4];
      out += k_hex[byte & 0x0F];
    } else {
      out += c;
    }
    shown += continuation ? 0 : 1;
  }
  return out + "'";
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
