#pragma once
// The forms in which a secret value can reach a child's output: the bytes
// themselves and what common encoders make of them. Bytes in, bytes out:
// nothing here knows of names, streams or processes.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pprotect::masking {

// One form of a value. What each form is, and whose output it reproduces,
// is said at its enumerator; encodings.cpp cites the sources.
enum class Form : std::uint8_t {
  raw, // the bytes as they are

  // Base64, RFC 4648 section 4 (`+/`). The GitHub Actions runner masks
  // base64(value) and base64 of the value without its first one or two
  // bytes (ValueEncoders.Base64StringEscape, ...Shift1, ...Shift2): the last
  // two, because a value that follows a prefix of unknown length starts at
  // one of three offsets in a 3-byte group and encodes differently at each.
  // Those three forms end with the encoder's padding, so they are found only
  // where the value ends the encoded data; the `inner` forms are what the
  // value alone decides wherever it stands: the value is put at offset
  // 0, 1 or 2 of a group and every character that holds a bit of a
  // neighbouring byte is trimmed, at both ends. The `end` forms are a value
  // at offset 1 or 2 that ends the encoded data, with and without padding.
  base64,            // Python base64.b64encode, .NET Convert.ToBase64String, base64(1)
  base64_unpadded,   // the same without `=`
  base64_from_byte1, // base64(value[1:]), the runner's Base64StringEscapeShift1
  base64_from_byte2, // base64(value[2:]), the runner's Base64StringEscapeShift2
  base64_inner0,
  base64_inner1,
  base64_inner2,
  base64_end1,
  base64_end1_unpadded,
  base64_end2,
  base64_end2_unpadded,
  // base64 with a line break after every 76 characters, as coreutils
  // base64(1) and Python base64.encodebytes wrap it, and after every 64, as
  // `openssl base64` and PEM (RFC 7468) do: the value encoded alone, whose
  // base64 spans lines once it is over 57 or 48 bytes, and which the
  // unwrapped forms then never match. No break after the last character, which may or may
  // not be a line's end. A value in the middle of a wrapped blob is not
  // covered: where the breaks fall in its characters depends on how many
  // bytes precede it, one form for each of 57 (48) byte offsets; where its
  // characters fall within one line, an inner form still finds them. For
  // a value that fits on one line these are the base64 form again (the
  // masker keeps one pattern of the same bytes).
  base64_wrap76,
  base64_wrap64,
  // The same with the URL-safe alphabet, RFC 4648 section 5 (`-_`): Python
  // base64.urlsafe_b64encode, and JWTs and Go's RawURLEncoding unpadded.
  base64url,
  base64url_unpadded,
  base64url_from_byte1,
  base64url_from_byte2,
  base64url_inner0,
  base64url_inner1,
  base64url_inner2,
  base64url_end1,
  base64url_end1_unpadded,
  base64url_end2,
  base64url_end2_unpadded,

  // Percent-encoding of each byte as %XX (upper-case hex), all but a safe set.
  percent_rfc3986,       // safe: the RFC 3986 unreserved A-Z a-z 0-9 - . _ ~, as Python's
                         // urllib.parse.quote(value, safe='') and .NET's Uri.EscapeDataString
  percent_rfc3986_slash, // safe: those and /, as Python's urllib.parse.quote(value), whose
                         // default is safe='/'
  percent_uri_component, // safe: those and ! ' ( ) *, as JavaScript's encodeURIComponent
  percent_form,          // the RFC 3986 set with space as +, as Python's quote_plus(value,
                         // safe='') and Go's url.QueryEscape (form encoding)

  // The inside of a JSON string (without the quotes).
  json_ascii,           // Python json.dumps (ensure_ascii=True): " \ as \" \\, \b \f \n \r \t,
                        // other controls, DEL and every non-ASCII character as \uxxxx (UTF-16,
                        // lower-case hex); a byte that is not UTF-8 as Python's surrogateescape
                        // reads it from the environment, \udcXX
  json_ascii_upper_hex, // the same with upper-case hex digits, as other encoders write it
  json_utf8,            // Python json.dumps(ensure_ascii=False) and JavaScript's JSON.stringify:
                        // " \ and controls escaped as above, everything else as it is
  json_go,              // Go's encoding/json Marshal: as json_utf8, and < > & U+2028 U+2029 as
                        // \u003c \u003e \u0026 \u2028 \u2029, a byte that is not UTF-8 as \ufffd

  // Shell quoting.
  shell_python, // Python shlex.quote: unchanged when every byte is in [A-Za-z0-9_@%+=:,./-],
                // else in single quotes with ' as '"'"'
  shell_bash,   // bash's xtrace (set -x) and ${var@Q}: single quotes with ' as '\''
};

inline constexpr std::array k_all_forms{
    Form::raw,
    Form::base64,
    Form::base64_unpadded,
    Form::base64_from_byte1,
    Form::base64_from_byte2,
    Form::base64_inner0,
    Form::base64_inner1,
    Form::base64_inner2,
    Form::base64_end1,
    Form::base64_end1_unpadded,
    Form::base64_end2,
    Form::base64_end2_unpadded,
    Form::base64_wrap76,
    Form::base64_wrap64,
    Form::base64url,
    Form::base64url_unpadded,
    Form::base64url_from_byte1,
    Form::base64url_from_byte2,
    Form::base64url_inner0,
    Form::base64url_inner1,
    Form::base64url_inner2,
    Form::base64url_end1,
    Form::base64url_end1_unpadded,
    Form::base64url_end2,
    Form::base64url_end2_unpadded,
    Form::percent_rfc3986,
    Form::percent_rfc3986_slash,
    Form::percent_uri_component,
    Form::percent_form,
    Form::json_ascii,
    Form::json_ascii_upper_hex,
    Form::json_utf8,
    Form::json_go,
    Form::shell_python,
    Form::shell_bash,
};

// The enumerator's name, for messages and test names.
std::string_view form_name(Form form);

// The most bytes encode() writes for a value of value_size bytes, any form.
constexpr std::size_t max_encoded_size(std::size_t value_size) {
  return 6 * value_size + 8;
}

// Writes the form of value to out, which has room for
// max_encoded_size(value.size()) bytes, and returns how many it wrote (0
// when the form of this value is empty, as the trimmed base64 of a byte).
// WARNING: out receives secret material: give it locked memory
// (sys::SecureBuffer), never a std::string.
[[nodiscard]] std::size_t encode(Form form, std::string_view value, unsigned char* out);

} // namespace pprotect::masking
