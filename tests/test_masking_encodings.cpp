// The forms of a value, against what the encoders they copy write. The
// expected strings were printed by Python 3.11 (base64, urllib.parse.quote,
// quote_plus, json.dumps, shlex.quote) and Node 18 (encodeURIComponent,
// JSON.stringify); the Go forms follow encoding/json's appendString.
#include "launcher/masking/encodings.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

using namespace pprotect::masking;

namespace {

// Test values are not secrets: a std::string is fine here.
std::string form_of(Form form, std::string_view value) {
  std::string out(max_encoded_size(value.size()), '\0');
  out.resize(encode(form, value, reinterpret_cast<unsigned char*>(out.data())));
  return out;
}

const std::string k_quotes = "p@ss\"w\\ord'";
const std::string k_controls = "ab\x01\n\tcd\x7fZ";
const std::string k_unicode = "cl\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80"; // clé-€-😀
const std::string k_not_utf8 = "\xff\xfe"
                               "ab\x80"
                               "cd";
const std::string k_punctuation = "a b+c&d<e>f=g/h?i!j*k(l)m~n";

} // namespace

TEST_CASE("The raw form is the value") {
  CHECK(form_of(Form::raw, k_not_utf8) == k_not_utf8);
  CHECK(form_of(Form::raw, "") == "");
}

TEST_CASE("Base64 forms are what base64.b64encode and the runner's shifted encoders write") {
  CHECK(form_of(Form::base64, k_quotes) == "cEBzcyJ3XG9yZCc=");
  CHECK(form_of(Form::base64_unpadded, k_quotes) == "cEBzcyJ3XG9yZCc");
  CHECK(form_of(Form::base64_from_byte1, k_quotes) == "QHNzIndcb3JkJw==");
  CHECK(form_of(Form::base64_from_byte2, k_quotes) == "c3Mid1xvcmQn");
  CHECK(form_of(Form::base64, k_controls) == "YWIBCgljZH9a");
  CHECK(form_of(Form::base64_from_byte1, k_controls) == "YgEKCWNkf1o=");
  CHECK(form_of(Form::base64_from_byte2, k_controls) == "AQoJY2R/Wg==");
  CHECK(form_of(Form::base64url_from_byte2, k_controls) == "AQoJY2R_Wg==");
  CHECK(form_of(Form::base64, k_unicode) == "Y2zDqS3igqwt8J+YgA==");
  CHECK(form_of(Form::base64url, k_unicode) == "Y2zDqS3igqwt8J-YgA==");
  CHECK(form_of(Form::base64url_unpadded, k_unicode) == "Y2zDqS3igqwt8J-YgA");
  CHECK(form_of(Form::base64_from_byte1, k_unicode) == "bMOpLeKCrC3wn5iA");
  CHECK(form_of(Form::base64_from_byte2, k_unicode) == "w6kt4oKsLfCfmIA=");
  CHECK(form_of(Form::base64, k_not_utf8) == "//5hYoBjZA==");
  CHECK(form_of(Form::base64url, k_not_utf8) == "__5hYoBjZA==");
  CHECK(form_of(Form::base64_from_byte1, k_not_utf8) == "/mFigGNk");
  CHECK(form_of(Form::base64_from_byte2, k_not_utf8) == "YWKAY2Q=");
  CHECK(form_of(Form::base64_from_byte1, k_punctuation) == "IGIrYyZkPGU+Zj1nL2g/aSFqKmsobCltfm4=");
  CHECK(form_of(Form::base64url_from_byte1, k_punctuation) == "IGIrYyZkPGU-Zj1nL2g_aSFqKmsobCltfm4=");
  // The runner encodes the whole value when it is no longer than the shift.
  CHECK(form_of(Form::base64_from_byte2, "ab") == "YWI=");
}

TEST_CASE("Trimmed base64 forms keep the characters the value alone decides, at each offset") {
  // base64("abcd") = YWJjZA==, base64("\0abcd") = AGFiY2Q=, base64("\0\0abcd") = AABhYmNk
  CHECK(form_of(Form::base64_inner0, "abcd") == "YWJjZ");
  CHECK(form_of(Form::base64_inner1, "abcd") == "FiY2");
  CHECK(form_of(Form::base64_inner2, "abcd") == "hYmNk");
  CHECK(form_of(Form::base64_end1, "abcd") == "FiY2Q=");
  CHECK(form_of(Form::base64_end1_unpadded, "abcd") == "FiY2Q");
  CHECK(form_of(Form::base64_end2, "abcd") == "hYmNk");
  CHECK(form_of(Form::base64_end2_unpadded, "abcd") == "hYmNk");
  CHECK(form_of(Form::base64_inner2, "a").empty() == false); // 'a' at offset 2: its low 6 bits
  CHECK(form_of(Form::base64_inner1, "a").empty());          // no character is 'a' alone
}

TEST_CASE(
    "A value between any neighbours shows its trimmed base64 form, and only neighbours' bits outside it") {
  std::mt19937 random(7);
  const Form inner[] = {Form::base64_inner0, Form::base64_inner1, Form::base64_inner2};
  const Form inner_url[] = {Form::base64url_inner0, Form::base64url_inner1, Form::base64url_inner2};
  const Form end[] = {Form::base64, Form::base64_end1, Form::base64_end2};
  for (int round = 0; round < 200; ++round) {
    std::string value(1 + random() % 20, '\0');
    for (char& c : value) {
      c = static_cast<char>(random());
    }
    for (std::size_t before = 0; before < 6; ++before) {
      for (std::size_t after = 0; after < 6; ++after) {
        std::string data(before + value.size() + after, '\0');
        for (char& c : data) {
          c = static_cast<char>(random());
        }
        data.replace(before, value.size(), value);
        const std::string encoded = form_of(Form::base64, data);
        const std::string encoded_url = form_of(Form::base64url, data);
        const std::size_t first = (8 * before + 5) / 6;
        const std::size_t last = 8 * (before + value.size()) / 6;
        const std::string trimmed = form_of(inner[before % 3], value);
        INFO("value of " << value.size() << " bytes, " << before << " before, " << after << " after");
        REQUIRE(trimmed.size() == (last > first ? last - first : 0));
        CHECK(encoded.substr(first, trimmed.size()) == trimmed);
        CHECK(encoded_url.substr(first, trimmed.size()) == form_of(inner_url[before % 3], value));
        if (after == 0) {
          CHECK(encoded.substr(first) == form_of(end[before % 3], value));
        }
      }
    }
  }
}

TEST_CASE("Wrapped base64 forms are base64(1) and encodebytes at 76 columns, openssl base64 at 64") {
  // 74 bytes: 100 characters, so one break in each.
  const std::string value = "tok-0123456789012345678901234567890123456789012345678901234567890123456789";
  // base64.encodebytes(value), less its final line break.
  CHECK(form_of(Form::base64_wrap76, value) ==
        "dG9rLTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEy\n"
        "MzQ1Njc4OTAxMjM0NTY3ODk=");
  // The body of ssl.DER_cert_to_PEM_cert(value), as openssl base64 writes it.
  CHECK(form_of(Form::base64_wrap64, value) ==
        "dG9rLTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIz\n"
        "NDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODk=");
  // A value whose base64 fits on one line is its base64 form; one that
  // fills lines exactly has no break after the last.
  CHECK(form_of(Form::base64_wrap76, k_quotes) == form_of(Form::base64, k_quotes));
  CHECK(form_of(Form::base64_wrap76, std::string(57, 'x')) == form_of(Form::base64, std::string(57, 'x')));
  CHECK(form_of(Form::base64_wrap64, std::string(96, 'x')).find('\n') == 64);
  CHECK(form_of(Form::base64_wrap64, std::string(96, 'x')).size() == 129);
  CHECK(form_of(Form::base64_wrap76, "").empty());
}

TEST_CASE("A wrapped form is the base64 form with a break after every line but the last") {
  std::mt19937 random(5);
  for (std::size_t size = 0; size < 400; ++size) {
    std::string value(size, '\0');
    for (char& c : value) {
      c = static_cast<char>(random());
    }
    const std::string plain = form_of(Form::base64, value);
    for (const auto& [form, width] :
         {std::pair{Form::base64_wrap76, 76U}, std::pair{Form::base64_wrap64, 64U}}) {
      std::string expected;
      for (std::size_t at = 0; at < plain.size(); at += width) {
        if (at > 0) {
          expected += '\n';
        }
        expected += plain.substr(at, width);
      }
      INFO(form_name(form) << ", " << size << " bytes");
      CHECK(form_of(form, value) == expected);
    }
  }
}

TEST_CASE("Percent forms are quote(safe=''), quote(), encodeURIComponent and quote_plus") {
  CHECK(form_of(Form::percent_rfc3986, k_quotes) == "p%40ss%22w%5Cord%27");
  CHECK(form_of(Form::percent_rfc3986_slash, k_quotes) == "p%40ss%22w%5Cord%27");
  CHECK(form_of(Form::percent_rfc3986_slash, "pass word/+&=") == "pass%20word/%2B%26%3D");
  CHECK(form_of(Form::percent_rfc3986_slash, k_punctuation) ==
        "a%20b%2Bc%26d%3Ce%3Ef%3Dg/h%3Fi%21j%2Ak%28l%29m~n");
  CHECK(form_of(Form::percent_uri_component, k_quotes) == "p%40ss%22w%5Cord'");
  CHECK(form_of(Form::percent_rfc3986, k_controls) == "ab%01%0A%09cd%7FZ");
  CHECK(form_of(Form::percent_rfc3986, k_unicode) == "cl%C3%A9-%E2%82%AC-%F0%9F%98%80");
  CHECK(form_of(Form::percent_rfc3986, k_not_utf8) == "%FF%FEab%80cd");
  CHECK(form_of(Form::percent_rfc3986, k_punctuation) ==
        "a%20b%2Bc%26d%3Ce%3Ef%3Dg%2Fh%3Fi%21j%2Ak%28l%29m~n");
  CHECK(form_of(Form::percent_uri_component, k_punctuation) == "a%20b%2Bc%26d%3Ce%3Ef%3Dg%2Fh%3Fi!j*k(l)m~n");
  CHECK(form_of(Form::percent_form, k_punctuation) == "a+b%2Bc%26d%3Ce%3Ef%3Dg%2Fh%3Fi%21j%2Ak%28l%29m~n");
}

TEST_CASE("JSON forms are json.dumps with and without ensure_ascii, JSON.stringify and Go's Marshal") {
  CHECK(form_of(Form::json_ascii, k_quotes) == "p@ss\\\"w\\\\ord'");
  CHECK(form_of(Form::json_utf8, k_quotes) == "p@ss\\\"w\\\\ord'");
  CHECK(form_of(Form::json_ascii, k_controls) == "ab\\u0001\\n\\tcd\\u007fZ");
  CHECK(form_of(Form::json_ascii_upper_hex, k_controls) == "ab\\u0001\\n\\tcd\\u007FZ");
  CHECK(form_of(Form::json_utf8, k_controls) == "ab\\u0001\\n\\tcd\x7fZ");
  CHECK(form_of(Form::json_go, k_controls) == "ab\\u0001\\n\\tcd\x7fZ");
  CHECK(form_of(Form::json_utf8, "\b\f\r\x1f") == "\\b\\f\\r\\u001f");
  CHECK(form_of(Form::json_ascii, k_unicode) == "cl\\u00e9-\\u20ac-\\ud83d\\ude00");
  CHECK(form_of(Form::json_ascii_upper_hex, k_unicode) == "cl\\u00E9-\\u20AC-\\uD83D\\uDE00");
  CHECK(form_of(Form::json_utf8, k_unicode) == k_unicode);
  CHECK(form_of(Form::json_ascii, k_not_utf8) == "\\udcff\\udcfeab\\udc80cd");
  CHECK(form_of(Form::json_utf8, k_not_utf8) == k_not_utf8);
  CHECK(form_of(Form::json_go, k_not_utf8) == "\\ufffd\\ufffdab\\ufffdcd");
  CHECK(form_of(Form::json_go, k_punctuation) == "a b+c\\u0026d\\u003ce\\u003ef=g/h?i!j*k(l)m~n");
  CHECK(form_of(Form::json_go, "a\xe2\x80\xa8"
                               "b\xe2\x80\xa9") == "a\\u2028b\\u2029");
  // An overlong '/' and an encoded surrogate are not UTF-8.
  CHECK(form_of(Form::json_ascii, "\xc0\xaf\xed\xa0\x80") == "\\udcc0\\udcaf\\udced\\udca0\\udc80");
}

TEST_CASE("Shell forms are shlex.quote and bash's single quoting") {
  CHECK(form_of(Form::shell_python, "user@host:8080/a,b=c+d%e.f-g_h") == "user@host:8080/a,b=c+d%e.f-g_h");
  CHECK(form_of(Form::shell_python, k_quotes) == "'p@ss\"w\\ord'\"'\"''");
  CHECK(form_of(Form::shell_bash, k_quotes) == "'p@ss\"w\\ord'\\'''");
  CHECK(form_of(Form::shell_python, k_controls) == "'" + k_controls + "'");
  CHECK(form_of(Form::shell_python, k_unicode) == "'" + k_unicode + "'");
  CHECK(form_of(Form::shell_python, k_punctuation) == "'" + k_punctuation + "'");
  CHECK(form_of(Form::shell_python, "") == "''");
}

TEST_CASE("No form writes more than max_encoded_size") {
  std::mt19937 random(11);
  for (int round = 0; round < 300; ++round) {
    // Up to 120 bytes: the wrapped base64 forms break lines past 48.
    std::string value(random() % 120, '\0');
    for (char& c : value) {
      // Mostly the bytes that expand most: controls, quotes, non-ASCII.
      const char worst[] = {'\x01', '\'', '"', '<', '\xe2', '\x80', '\xa8', '\xff', '\xf0', '\x9f'};
      c = random() % 2 != 0 ? worst[random() % sizeof worst] : static_cast<char>(random());
    }
    for (const Form form : k_all_forms) {
      std::string out(max_encoded_size(value.size()) + 64, '\x55');
      const std::size_t size = encode(form, value, reinterpret_cast<unsigned char*>(out.data()));
      INFO(form_name(form));
      CHECK(size <= max_encoded_size(value.size()));
      CHECK(out.substr(max_encoded_size(value.size())) == std::string(64, '\x55'));
    }
  }
}
