// Building what to mask from named secrets: which names are left out, which
// patterns each value gives, and the labels.
#include "launcher/masking/encodings.hpp"
#include "launcher/masking/masker.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

using namespace pprotect::masking;

namespace {

std::set<std::string> patterns_of(const Masker& masker, std::string_view name) {
  std::set<std::string> out;
  for (std::uint32_t i = 0; i < masker.matcher().size(); ++i) {
    if (masker.name(i) == name) {
      out.emplace(masker.matcher().pattern(i));
    }
  }
  return out;
}

std::string form_of(Form form, std::string_view value) {
  std::string out(max_encoded_size(value.size()), '\0');
  out.resize(encode(form, value, reinterpret_cast<unsigned char*>(out.data())));
  return out;
}

} // namespace

TEST_CASE("Values shorter than the minimum length are left out and named, never shown") {
  const std::vector<NamedSecret> secrets{
      {"PIN", "123"}, {"TOKEN", "tok-4567"}, {"EMPTY", ""}, {"FOUR", "abcd"}};
  const Masker masker(secrets);
  CHECK(masker.too_short() == std::vector<std::string>{"PIN", "EMPTY"});
  CHECK(patterns_of(masker, "PIN").empty());
  CHECK(patterns_of(masker, "TOKEN").count("tok-4567") == 1);
  CHECK(patterns_of(masker, "FOUR").count("abcd") == 1);

  MaskOptions options;
  options.min_length = 2;
  const Masker shorter(secrets, options);
  CHECK(shorter.too_short() == std::vector<std::string>{"EMPTY"});
  CHECK(patterns_of(shorter, "PIN").count("123") == 1);
  options.min_length = 0; // an empty value still masks nothing
  CHECK(Masker(secrets, options).too_short() == std::vector<std::string>{"EMPTY"});
}

TEST_CASE("Whitespace around a value does not count toward its length") {
  const std::vector<NamedSecret> secrets{{"SPACES", "    "}, {"PIN", " 123\n"}, {"TOKEN", " tok-4567\n"}};
  const Masker masker(secrets);
  CHECK(masker.too_short() == std::vector<std::string>{"SPACES", "PIN"});
  CHECK(patterns_of(masker, "TOKEN").count(" tok-4567\n") == 1);
  CHECK(patterns_of(masker, "TOKEN").count("tok-4567") == 1);
}

TEST_CASE("Forms shorter than the minimum length are skipped, the value's others kept") {
  const std::vector<NamedSecret> secrets{{"K", "abcd"}};
  const Masker masker(secrets);
  const auto patterns = patterns_of(masker, "K");
  CHECK(patterns.count("FiY2") == 1); // base64_inner1: four characters
  MaskOptions options;
  options.min_length = 5;
  const std::vector<NamedSecret> longer{{"K", "abcde"}};
  const auto kept = patterns_of(Masker(longer, options), "K");
  CHECK(kept.count("abcde") == 1);
  for (const std::string& p : kept) {
    CHECK(p.size() >= 5);
  }
}

TEST_CASE("Every form of a value is a pattern of its name, each once") {
  const std::string value = "it's a \"p\\w\"\x01 clé\xff";
  const std::vector<NamedSecret> secrets{{"DB_PASSWORD", value}};
  const Masker masker(secrets);
  const auto patterns = patterns_of(masker, "DB_PASSWORD");
  std::set<std::string> expected;
  for (const Form form : k_all_forms) {
    const std::string f = form_of(form, value);
    if (f.size() >= 4) {
      expected.insert(f);
    }
  }
  CHECK(patterns == expected);
  CHECK(masker.matcher().size() == expected.size());
}

TEST_CASE("A long value's wrapped base64 forms are patterns, and a short value's base64 is one") {
  const std::string long_value(100, 'k'); // 136 characters of base64: a break in each
  const std::vector<NamedSecret> secrets{{"LONG", long_value}, {"SHORT", "short-value"}};
  const Masker masker(secrets);
  const auto long_patterns = patterns_of(masker, "LONG");
  CHECK(long_patterns.count(form_of(Form::base64_wrap76, long_value)) == 1);
  CHECK(long_patterns.count(form_of(Form::base64_wrap64, long_value)) == 1);
  CHECK(form_of(Form::base64_wrap76, long_value).find('\n') == 76);
  // Equal bytes are one pattern, whichever forms made them.
  std::vector<std::string> all;
  for (std::uint32_t i = 0; i < masker.matcher().size(); ++i) {
    all.emplace_back(masker.matcher().pattern(i));
  }
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  const std::string short_base64 = form_of(Form::base64, "short-value");
  CHECK(form_of(Form::base64_wrap76, "short-value") == short_base64);
  CHECK(std::count(all.begin(), all.end(), short_base64) == 1);
}

TEST_CASE("A value's trimmed form and each line of a multi-line value are masked too") {
  const std::string key =
      "-----BEGIN KEY-----\r\n  MIIEvQIBADANBgkq  \nhkiG9w0BAQEFAASC\n-----END KEY-----\n";
  const std::vector<NamedSecret> secrets{{"TLS_KEY", key}};
  const auto patterns = patterns_of(Masker(secrets), "TLS_KEY");
  CHECK(patterns.count(key) == 1);
  CHECK(patterns.count(key.substr(0, key.size() - 1)) == 1); // trimmed
  CHECK(patterns.count("MIIEvQIBADANBgkq") == 1);
  CHECK(patterns.count("hkiG9w0BAQEFAASC") == 1);
  CHECK(patterns.count("-----END KEY-----") == 1);
  CHECK(patterns.count(form_of(Form::base64, "MIIEvQIBADANBgkq")) == 1);
  CHECK(patterns.count("  MIIEvQIBADANBgkq  ") == 0);
}

TEST_CASE("A pattern two secrets share reads as the secret given first") {
  const std::vector<NamedSecret> secrets{
      {"FIRST", "same-value"}, {"SECOND", "same-value"}, {"THIRD", "c2FtZS12YWx1ZQ=="}};
  const Masker masker(secrets);
  CHECK(patterns_of(masker, "FIRST").count("same-value") == 1);
  CHECK(patterns_of(masker, "SECOND").empty());
  // THIRD's value is FIRST's base64: FIRST was given first.
  CHECK(patterns_of(masker, "FIRST").count("c2FtZS12YWx1ZQ==") == 1);
  CHECK(patterns_of(masker, "THIRD").count("c2FtZS12YWx1ZQ==") == 0);
  CHECK(patterns_of(masker, "THIRD").count(form_of(Form::base64, "c2FtZS12YWx1ZQ==")) == 1);
}

TEST_CASE("Names given as unmasked are not masked, and unknown ones are reported") {
  MaskOptions options;
  options.unmasked_names = {"PUBLIC_URL", "NO_SUCH"};
  const std::vector<NamedSecret> secrets{{"PUBLIC_URL", "https://example.com"}, {"TOKEN", "tok-4567"}};
  const Masker masker(secrets, options);
  CHECK(patterns_of(masker, "PUBLIC_URL").empty());
  CHECK_FALSE(patterns_of(masker, "TOKEN").empty());
  CHECK(masker.unknown_unmasked_names() == std::vector<std::string>{"NO_SUCH"});
  CHECK(masker.too_short().empty());
}

TEST_CASE("Labels name the secret, or are the fixed label") {
  const std::vector<NamedSecret> secrets{{"TOKEN", "tok-4567"}, {"BAD\x1b[2Jname\n", "value-2"}};
  const Masker masker(secrets);
  CHECK(masker.label(0) == "[REDACTED:TOKEN]");
  std::set<std::string> labels;
  for (std::uint32_t i = 0; i < masker.matcher().size(); ++i) {
    labels.emplace(masker.label(i));
  }
  CHECK(labels == std::set<std::string>{"[REDACTED:TOKEN]", "[REDACTED:BAD?[2Jname?]"});
  MaskOptions options;
  options.fixed_label = "***";
  const Masker fixed(secrets, options);
  for (std::uint32_t i = 0; i < fixed.matcher().size(); ++i) {
    CHECK(fixed.label(i) == "***");
  }
}

TEST_CASE("No secret, or only unmasked ones, leaves nothing to mask") {
  CHECK(Masker({}).empty());
  MaskOptions options;
  options.unmasked_names = {"A"};
  const std::vector<NamedSecret> secrets{{"A", "value-a"}};
  CHECK(Masker(secrets, options).empty());
}
