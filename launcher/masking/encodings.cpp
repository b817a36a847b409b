#include "launcher/masking/encodings.hpp"

#include "sys/hex.hpp"
#include "sys/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <utility>

// Sources of the rules reproduced here:
// - base64 and the runner's shifted forms: actions/runner,
//   src/Sdk/DTLogging/Logging/ValueEncoders.cs (Base64StringEscape,
//   Base64StringEscapeShift1/2, which encode value[shift:] when the value is
//   longer than shift and the whole value otherwise), registered in
//   src/Runner.Common/HostContext.cs. Its docs/adrs/0297 proposed trimming
//   the padding and the last character; that change (#284) was reverted
//   (#330), so the runner masks the padded forms only. We mask those too,
//   and the trimmed forms at every offset besides (Form::base64_inner*).
// - wrapped base64: coreutils src/basenc.c (base64(1): `-w, --wrap=COLS`,
//   76 by default); CPython Lib/base64.py (encodebytes: MAXLINESIZE 76,
//   MAXBINSIZE 57); OpenSSL crypto/evp/encode.c (EVP_EncodeUpdate writes
//   lines of 64, as `openssl base64` and PEM_write do); RFC 7468 section 2
//   (PEM lines of exactly 64 characters but the last).
// - percent-encoding: RFC 3986 section 2.3 (unreserved characters);
//   CPython Lib/urllib/parse.py (quote(string, safe='/'): the unreserved
//   set `_ALWAYS_SAFE` plus what safe adds);
//   ECMA-262 encodeURIComponent (its uriUnescaped set adds ! ' ( ) *); the
//   WHATWG application/x-www-form-urlencoded rule as Python's quote_plus
//   and Go's QueryEscape write it.
// - JSON: Python's json.encoder (ESCAPE_ASCII `[^\ -~]` and ESCAPE
//   `[\x00-\x1f\\"\b\f\n\r\t]`, \u%04x); ECMA-262 QuoteJSONString; Go's
//   encoding/json appendString (Go 1.22 writes \b and \f short).
// - shlex.quote: CPython Lib/shlex.py, `_find_unsafe = re.compile(r'[^\w@%+=:,./-]', re.ASCII)`.

namespace pprotect::masking {

namespace {

class Writer {
public:
  explicit Writer(unsigned char* out) : m_start(out), m_at(out) {}
  void byte(unsigned char b) { *m_at++ = b; }
  void text(std::string_view s) {
    std::memcpy(m_at, s.data(), s.size());
    m_at += s.size();
  }
  void bytes(const unsigned char* data, std::size_t size) {
    std::memcpy(m_at, data, size);
    m_at += size;
  }
  std::size_t size() const { return static_cast<std::size_t>(m_at - m_start); }

private:
  unsigned char* m_start;
  unsigned char* m_at;
};

const unsigned char* bytes_of(std::string_view value) {
  return reinterpret_cast<const unsigned char*>(value.data());
}

// ---- base64

enum class Alphabet : std::uint8_t { standard, url_safe };
enum class Ending : std::uint8_t { trimmed, unpadded, padded };

char base64_digit(Alphabet alphabet, unsigned v) {
  static constexpr std::string_view standard =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static constexpr std::string_view url_safe =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  return alphabet == Alphabet::standard ? standard[v] : url_safe[v];
}

// The base64 characters of value placed at byte offset `offset` (0-2) of a
// 3-byte group, without the leading characters that hold bits of the bytes
// before it; the end either trimmed of every character that holds a bit of
// the bytes after it, or encoded as the end of the data.
std::size_t base64_at(std::string_view value, Alphabet alphabet, std::size_t offset, Ending ending,
                      unsigned char* out) {
  const std::size_t total = offset + value.size(); // bytes, the zero bytes of the offset included
  const auto byte_at = [&](std::size_t i) -> unsigned {
    return i < offset || i >= total ? 0U : static_cast<unsigned char>(value[i - offset]);
  };
  const std::size_t total_bits = 8 * total;
  const std::size_t first = (8 * offset + 5) / 6; // first character with no bit of the bytes before
  std::size_t last = 0;
  switch (ending) {
  case Ending::trimmed:
    last = total_bits / 6;
    break;
  case Ending::unpadded:
  case Ending::padded:
    last = (total_bits + 5) / 6;
    break;
  }
  Writer w(out);
  for (std::size_t c = first; c < last; ++c) {
    const std::size_t bit = 6 * c;
    const std::size_t byte = bit / 8;
    const unsigned pair = (byte_at(byte) << 8) | byte_at(byte + 1);
    const unsigned shift = static_cast<unsigned>(10 - bit % 8);
    w.byte(static_cast<unsigned char>(base64_digit(alphabet, (pair >> shift) & 0x3F)));
  }
  if (ending == Ending::padded) {
    for (std::size_t c = last; c % 4 != 0; ++c) {
      w.byte('=');
    }
  }
  return w.size();
}

std::size_t base64_from_byte(std::string_view value, Alphabet alphabet, std::size_t shift,
                             unsigned char* out) {
  // As the runner: the value without its first `shift` bytes, or the whole
  // value when it is no longer than that.
  const std::string_view rest = value.size() > shift ? value.substr(shift) : value;
  return base64_at(rest, alphabet, 0, Ending::padded, out);
}

// The padded base64 of value with a line break after every `width`
// characters but the last: encoded, then spread from the back, in place.
std::size_t base64_wrapped(std::string_view value, std::size_t width, unsigned char* out) {
  const std::size_t size = base64_at(value, Alphabet::standard, 0, Ending::padded, out);
  if (size == 0) {
    return 0;
  }
  const std::size_t breaks = (size - 1) / width;
  for (std::size_t i = size; i-- > 0;) {
    out[i + i / width] = out[i];
    if (i % width == 0 && i > 0) {
      out[i + i / width - 1] = '\n';
    }
  }
  return size + breaks;
}

// ---- percent-encoding

enum class PercentStyle : std::uint8_t { rfc3986, rfc3986_slash, uri_component, form };

bool is_alnum(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

std::size_t percent_encode(std::string_view value, PercentStyle style, unsigned char* out) {
  Writer w(out);
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    bool safe = is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
    if (style == PercentStyle::uri_component) {
      safe = safe || c == '!' || c == '\'' || c == '(' || c == ')' || c == '*';
    } else if (style == PercentStyle::rfc3986_slash) {
      safe = safe || c == '/';
    }
    if (safe) {
      w.byte(c);
    } else if (style == PercentStyle::form && c == ' ') {
      w.byte('+');
    } else {
      w.byte('%');
      w.byte(static_cast<unsigned char>(sys::hex_digit(c >> 4U, sys::HexCase::upper)));
      w.byte(static_cast<unsigned char>(sys::hex_digit(c, sys::HexCase::upper)));
    }
  }
  return w.size();
}

// ---- JSON

void json_u_escape(Writer& w, unsigned unit, sys::HexCase hex) {
  w.text("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) {
    w.byte(static_cast<unsigned char>(sys::hex_digit(unit >> shift, hex)));
  }
}

// The escapes every JSON encoder here shares: \" \\ and the short forms of
// five controls. False for any other character.
bool json_short_escape(Writer& w, char32_t cp) {
  static constexpr std::pair<char32_t, std::string_view> k_short[] = {
      {'"', "\\\""}, {'\\', "\\\\"}, {'\b', "\\b"}, {'\f', "\\f"},
      {'\n', "\\n"}, {'\r', "\\r"},  {'\t', "\\t"}};
  for (const auto& [c, escape] : k_short) {
    if (c == cp) {
      w.text(escape);
      return true;
    }
  }
  return false;
}

std::size_t json_ascii(std::string_view value, sys::HexCase hex, unsigned char* out) {
  Writer w(out);
  const unsigned char* bytes = bytes_of(value);
  for (std::size_t i = 0; i < value.size();) {
    const std::optional<char32_t> code_point = sys::next_code_point(value, i);
    if (!code_point) {
      // What Python makes of an undecodable byte in os.environ.
      json_u_escape(w, 0xDC00U | bytes[i], hex);
      ++i;
      continue;
    }
    if (json_short_escape(w, *code_point)) {
      continue;
    }
    if (*code_point >= 0x20 && *code_point <= 0x7E) {
      w.byte(static_cast<unsigned char>(*code_point));
    } else if (*code_point > 0xFFFF) {
      const char32_t v = *code_point - 0x10000;
      json_u_escape(w, static_cast<unsigned>(0xD800 + (v >> 10)), hex);
      json_u_escape(w, static_cast<unsigned>(0xDC00 + (v & 0x3FF)), hex);
    } else {
      json_u_escape(w, static_cast<unsigned>(*code_point), hex);
    }
  }
  return w.size();
}

std::size_t json_utf8(std::string_view value, unsigned char* out) {
  Writer w(out);
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (json_short_escape(w, c)) {
      continue;
    }
    if (c < 0x20) {
      json_u_escape(w, c, sys::HexCase::lower);
    } else {
      w.byte(c);
    }
  }
  return w.size();
}

std::size_t json_go(std::string_view value, unsigned char* out) {
  Writer w(out);
  const unsigned char* bytes = bytes_of(value);
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t start = i;
    const std::optional<char32_t> code_point = sys::next_code_point(value, i);
    if (!code_point) {
      w.text("\\ufffd");
      ++i;
      continue;
    }
    const char32_t cp = *code_point;
    if (json_short_escape(w, cp)) {
      // written
    } else if (cp < 0x20 || cp == '<' || cp == '>' || cp == '&' || cp == 0x2028 || cp == 0x2029) {
      json_u_escape(w, static_cast<unsigned>(cp), sys::HexCase::lower);
    } else {
      w.bytes(bytes + start, i - start);
    }
  }
  return w.size();
}

// ---- shell

bool shlex_safe(unsigned char c) {
  return is_alnum(c) || c == '_' || c == '@' || c == '%' || c == '+' || c == '=' || c == ':' || c == ',' ||
         c == '.' || c == '/' || c == '-';
}

std::size_t single_quoted(std::string_view value, std::string_view quote_escape, unsigned char* out) {
  Writer w(out);
  w.byte('\'');
  for (const char ch : value) {
    if (ch == '\'') {
      w.text(quote_escape);
    } else {
      w.byte(static_cast<unsigned char>(ch));
    }
  }
  w.byte('\'');
  return w.size();
}

std::size_t shell_python(std::string_view value, unsigned char* out) {
  if (value.empty()) {
    Writer w(out);
    w.text("''");
    return w.size();
  }
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return shlex_safe(static_cast<unsigned char>(c)); })) {
    Writer w(out);
    w.bytes(bytes_of(value), value.size());
    return w.size();
  }
  return single_quoted(value, "'\"'\"'", out);
}

// How each Form is made: a family of encoders and its parameters.
enum class Family : std::uint8_t { raw, base64, base64_from_byte, base64_wrapped, percent, json, shell };

struct Rule {
  Form form;
  std::string_view name;
  Family family;
  Alphabet alphabet = Alphabet::standard;
  std::uint8_t offset = 0; // base64: the value's offset in a 3-byte group; from_byte: bytes dropped
  Ending ending = Ending::padded;
  std::uint8_t style = 0; // percent: PercentStyle; json: JsonStyle; shell: ShellStyle
  std::uint8_t width = 0; // base64_wrapped: the characters of a line
};

enum class JsonStyle : std::uint8_t { ascii, ascii_upper_hex, utf8, go };
enum class ShellStyle : std::uint8_t { python, bash };

constexpr auto k_std = Alphabet::standard;
constexpr auto k_url = Alphabet::url_safe;
constexpr auto k_trimmed = Ending::trimmed;
constexpr auto k_unpadded = Ending::unpadded;
constexpr auto k_padded = Ending::padded;

template <class Style> constexpr std::uint8_t style(Style s) {
  return static_cast<std::uint8_t>(s);
}

// In the order of the enumerators.
constexpr Rule k_rules[] = {
    {Form::raw, "raw", Family::raw},
    {Form::base64, "base64", Family::base64, k_std, 0, k_padded},
    {Form::base64_unpadded, "base64_unpadded", Family::base64, k_std, 0, k_unpadded},
    {Form::base64_from_byte1, "base64_from_byte1", Family::base64_from_byte, k_std, 1},
    {Form::base64_from_byte2, "base64_from_byte2", Family::base64_from_byte, k_std, 2},
    {Form::base64_inner0, "base64_inner0", Family::base64, k_std, 0, k_trimmed},
    {Form::base64_inner1, "base64_inner1", Family::base64, k_std, 1, k_trimmed},
    {Form::base64_inner2, "base64_inner2", Family::base64, k_std, 2, k_trimmed},
    {Form::base64_end1, "base64_end1", Family::base64, k_std, 1, k_padded},
    {Form::base64_end1_unpadded, "base64_end1_unpadded", Family::base64, k_std, 1, k_unpadded},
    {Form::base64_end2, "base64_end2", Family::base64, k_std, 2, k_padded},
    {Form::base64_end2_unpadded, "base64_end2_unpadded", Family::base64, k_std, 2, k_unpadded},
    {.form = Form::base64_wrap76, .name = "base64_wrap76", .family = Family::base64_wrapped, .width = 76},
    {.form = Form::base64_wrap64, .name = "base64_wrap64", .family = Family::base64_wrapped, .width = 64},
    {Form::base64url, "base64url", Family::base64, k_url, 0, k_padded},
    {Form::base64url_unpadded, "base64url_unpadded", Family::base64, k_url, 0, k_unpadded},
    {Form::base64url_from_byte1, "base64url_from_byte1", Family::base64_from_byte, k_url, 1},
    {Form::base64url_from_byte2, "base64url_from_byte2", Family::base64_from_byte, k_url, 2},
    {Form::base64url_inner0, "base64url_inner0", Family::base64, k_url, 0, k_trimmed},
    {Form::base64url_inner1, "base64url_inner1", Family::base64, k_url, 1, k_trimmed},
    {Form::base64url_inner2, "base64url_inner2", Family::base64, k_url, 2, k_trimmed},
    {Form::base64url_end1, "base64url_end1", Family::base64, k_url, 1, k_padded},
    {Form::base64url_end1_unpadded, "base64url_end1_unpadded", Family::base64, k_url, 1, k_unpadded},
    {Form::base64url_end2, "base64url_end2", Family::base64, k_url, 2, k_padded},
    {Form::base64url_end2_unpadded, "base64url_end2_unpadded", Family::base64, k_url, 2, k_unpadded},
    {.form = Form::percent_rfc3986,
     .name = "percent_rfc3986",
     .family = Family::percent,
     .style = style(PercentStyle::rfc3986)},
    {.form = Form::percent_rfc3986_slash,
     .name = "percent_rfc3986_slash",
     .family = Family::percent,
     .style = style(PercentStyle::rfc3986_slash)},
    {.form = Form::percent_uri_component,
     .name = "percent_uri_component",
     .family = Family::percent,
     .style = style(PercentStyle::uri_component)},
    {.form = Form::percent_form,
     .name = "percent_form",
     .family = Family::percent,
     .style = style(PercentStyle::form)},
    {.form = Form::json_ascii,
     .name = "json_ascii",
     .family = Family::json,
     .style = style(JsonStyle::ascii)},
    {.form = Form::json_ascii_upper_hex,
     .name = "json_ascii_upper_hex",
     .family = Family::json,
     .style = style(JsonStyle::ascii_upper_hex)},
    {.form = Form::json_utf8, .name = "json_utf8", .family = Family::json, .style = style(JsonStyle::utf8)},
    {.form = Form::json_go, .name = "json_go", .family = Family::json, .style = style(JsonStyle::go)},
    {.form = Form::shell_python,
     .name = "shell_python",
     .family = Family::shell,
     .style = style(ShellStyle::python)},
    {.form = Form::shell_bash,
     .name = "shell_bash",
     .family = Family::shell,
     .style = style(ShellStyle::bash)},
};
static_assert(std::size(k_rules) == k_all_forms.size());

constexpr bool rules_in_order() {
  for (std::size_t i = 0; i < std::size(k_rules); ++i) {
    if (static_cast<std::size_t>(k_rules[i].form) != i || k_all_forms[i] != k_rules[i].form) {
      return false;
    }
  }
  return true;
}
static_assert(rules_in_order());

const Rule& rule_of(Form form) {
  return k_rules[static_cast<std::size_t>(form)];
}

std::size_t json_escaped(std::string_view value, JsonStyle json_style, unsigned char* out) {
  switch (json_style) {
  case JsonStyle::ascii:
    return json_ascii(value, sys::HexCase::lower, out);
  case JsonStyle::ascii_upper_hex:
    return json_ascii(value, sys::HexCase::upper, out);
  case JsonStyle::utf8:
    return json_utf8(value, out);
  case JsonStyle::go:
    return json_go(value, out);
  }
  return 0;
}

} // namespace

std::string_view form_name(Form form) {
  return rule_of(form).name;
}

std::size_t encode(Form form, std::string_view value, unsigned char* out) {
  const Rule& rule = rule_of(form);
  switch (rule.family) {
  case Family::raw:
    std::memcpy(out, value.data(), value.size());
    return value.size();
  case Family::base64:
    return base64_at(value, rule.alphabet, rule.offset, rule.ending, out);
  case Family::base64_from_byte:
    return base64_from_byte(value, rule.alphabet, rule.offset, out);
  case Family::base64_wrapped:
    return base64_wrapped(value, rule.width, out);
  case Family::percent:
    return percent_encode(value, static_cast<PercentStyle>(rule.style), out);
  case Family::json:
    return json_escaped(value, static_cast<JsonStyle>(rule.style), out);
  case Family::shell:
    return static_cast<ShellStyle>(rule.style) == ShellStyle::python ? shell_python(value, out)
                                                                     : single_quoted(value, "'\\''", out);
  }
  return 0;
}

} // namespace pprotect::masking
