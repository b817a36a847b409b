#include "launcher/admin/decrypt_output.hpp"

#include "policy/credentials.hpp"
#include "store/errors.hpp"
#include "store/reference_wording.hpp"
#include "sys/hex.hpp"
#include "sys/utf8.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <sstream>

namespace pprotect::admin {

namespace {

void write_u_escape(std::ostream& out, char32_t unit) {
  out << "\\u" << sys::hex_digit(unit >> 12U) << sys::hex_digit(unit >> 8U) << sys::hex_digit(unit >> 4U)
      << sys::hex_digit(unit);
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

void write_json_string(std::ostream& out, std::string_view text) {
  // Validate first so a bad value never produces half a literal.
  if (!sys::is_valid_utf8(text)) {
    throw store::StoreError("a secret value is not valid UTF-8");
  }
  out << '"';
  for (std::size_t pos = 0; pos < text.size();) {
    const char32_t cp = *sys::next_code_point(text, pos);
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
    if (!sys::is_valid_utf8(value.view())) {
      throw store::StoreError("secret " + store::python_repr(name) +
                              " is not valid UTF-8, which JSON cannot carry; use "
                              "--secret " +
                              name + " for its raw bytes");
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
      throw store::StoreError(
          store::python_repr(name) +
          " is not a valid shell identifier; cannot safely represent in env/shell format");
    }
    if (value.view().find('\0') != std::string_view::npos) {
      throw store::StoreError("secret " + store::python_repr(name) +
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

} // namespace pprotect::admin
