#include "launcher/decrypt_output.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <sstream>

#include "policy/credentials.hpp"
#include "store/errors.hpp"

namespace pprotect::launcher {

namespace {

constexpr std::array<char, 16> k_hex_digits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

// Decodes one code point starting at text[pos] (strict UTF-8, as Python's
// decoder: no overlongs, no surrogates, nothing above U+10FFFF) and
// advances pos; nullopt on invalid input.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if (lead < 0x80) {
    ++pos;
    return lead;
  } else if ((lead & 0xE0U) == 0xC0U) {
    length = 2;
    value = lead & 0x1FU;
    minimum = 0x80;
  } else if ((lead & 0xF0U) == 0xE0U) {
    length = 3;
    value = lead & 0x0FU;
    minimum = 0x800;
  } else if ((lead & 0xF8U) == 0xF0U) {
    length = 4;
    value = lead & 0x07U;
    minimum = 0x10000;
  } else {
    return std::nullopt;
  }
  if (pos + length > text.size()) {
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

void write_u_escape(std::ostream& out, char32_t unit) {
  out << "\\u" << k_hex_digits[(unit >> 12U) & 0xFU] << k_hex_digits[(unit >> 8U) & 0xFU]
      << k_hex_digits[(unit >> 4U) & 0xFU] << k_hex_digits[unit & 0xFU];
}

bool is_shell_safe(char c) {
  const auto u = static_cast<unsigned char>(c);
  if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9')) {
    return true;
  }
  return std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
}

} // namespace

OutputFormat parse_output_format(std::string_view name) {
  if (name == "json") {
    return OutputFormat::json;
  }
  if (name == "env") {
    return OutputFormat::env;
  }
  if (name == "shell") {
    return OutputFormat::shell;
  }
  throw policy::UsageError("--output-format must be one of: json, env, shell");
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    if (!next_code_point(text, pos)) {
      return false;
    }
  }
  return true;
}

void write_json_string(std::ostream& out, std::string_view text) {
  // Validate first so a bad value never produces half a literal.
  if (!is_valid_utf8(text)) {
    throw store::StoreError("a secret value is not valid UTF-8");
  }
  out << '"';
  for (std::size_t pos = 0; pos < text.size();) {
    const char32_t cp = *next_code_point(text, pos);
    switch (cp) {
    case U'"':
      out << "\\\"";
      continue;
    case U'\\':
      out << "\\\\";
      continue;
    case U'\n':
      out << "\\n";
      continue;
    case U'\r':
      out << "\\r";
      continue;
    case U'\t':
      out << "\\t";
      continue;
    case U'\b':
      out << "\\b";
      continue;
    case U'\f':
      out << "\\f";
      continue;
    default:
      break;
    }
    if (cp >= 0x20 && cp <= 0x7E) {
      out << static_cast<char>(cp);
    } else if (cp > 0xFFFF) {
      const char32_t offset = cp - 0x10000;
      write_u_escape(out, 0xD800 + (offset >> 10U));
      write_u_escape(out, 0xDC00 + (offset & 0x3FFU));
    } else {
      write_u_escape(out, cp);
    }
  }
  out << '"';
}

void write_json(std::ostream& out, const store::SecretValues& secrets) {
  // Every value is checked before the first byte goes out: a script writing
  // `> secrets.json` must never be left with half a document.
  for (const auto& [name, value] : secrets) {
    if (!is_valid_utf8(value.view())) {
      throw store::StoreError("secret " + python_repr(name) + " is not valid UTF-8, which JSON cannot carry; use "
                              "--secret " + name + " for its raw bytes");
    }
  }
  if (secrets.empty()) {
    out << "{}\n";
    return;
  }
  out << "{\n";
  bool first = true;
  for (const auto& [name, value] : secrets) {
    if (!first) {
      out << ",\n";
    }
    first = false;
    out << "  ";
    write_json_string(out, name);
    out << ": ";
    write_json_string(out, value.view());
  }
  out << "\n}\n";
}

void write_shell_quoted(std::ostream& out, std::string_view text) {
  if (text.empty()) {
    out << "''";
    return;
  }
  bool safe = true;
  for (const char c : text) {
    safe = safe && is_shell_safe(c);
  }
  if (safe) {
    out << text;
    return;
  }
  // Streamed piece by piece: no copy of the secret is built on the heap.
  out << '\'';
  std::size_t start = 0;
  for (std::size_t quote = text.find('\''); quote != std::string_view::npos; quote = text.find('\'', start)) {
    out << text.substr(start, quote - start) << "'\"'\"'";
    start = quote + 1;
  }
  out << text.substr(start) << '\'';
}

std::string shell_quote(std::string_view text) {
  std::ostringstream quoted;
  write_shell_quoted(quoted, text);
  return quoted.str();
}

bool is_shell_identifier(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto u = static_cast<unsigned char>(name[i]);
    const bool alpha = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || u == '_';
    const bool digit = u >= '0' && u <= '9';
    if (!(alpha || (i > 0 && digit))) {
      return false;
    }
  }
  return true;
}

void write_assignments(std::ostream& out, const store::SecretValues& secrets, OutputFormat format) {
  for (const auto& [name, value] : secrets) {
    if (!is_shell_identifier(name)) {
      throw store::StoreError(python_repr(name) +
                              " is not a valid shell identifier; cannot safely represent in env/shell format");
    }
    if (value.view().find('\0') != std::string_view::npos) {
      throw store::StoreError("secret " + python_repr(name) +
                              " holds a NUL byte; cannot represent it in env/shell format");
    }
  }
  const std::string_view prefix = format == OutputFormat::shell ? "export " : "";
  for (const auto& [name, value] : secrets) {
    out << prefix << name << '=';
    write_shell_quoted(out, value.view());
    out << '\n';
  }
}

std::string python_repr(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t start = pos;
    const auto cp = next_code_point(text, pos);
    if (!cp) {
      // Python would have failed to decode; show the byte escaped.
      const auto u = static_cast<unsigned char>(text[start]);
      out += "\\x";
      out += k_hex_digits[u >> 4U];
      out += k_hex_digits[u & 0xFU];
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
      out += "\\x";
      out += k_hex_digits[(c >> 4U) & 0xFU];
      out += k_hex_digits[c & 0xFU];
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  out += quote;
  return out;
}

} // namespace pprotect::launcher
