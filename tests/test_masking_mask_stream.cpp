// The streaming filter: values across reads, the idle rule both ways,
// overlaps, binary data against a naive reference, UTF-8, finish.
#include "launcher/masking/encodings.hpp"
#include "launcher/masking/mask_stream.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

using namespace pprotect::masking;

namespace {

// Collects the masked stream; test values are no secrets.
struct Collected : Sink {
  std::string text;
  std::vector<std::string_view> pieces; // of the last call only
  void write(std::string_view bytes) override {
    CHECK_FALSE(bytes.empty());
    text.append(bytes);
    pieces.push_back(bytes);
  }
  // The pieces the last call wrote, read before the next call.
  std::string last_call() {
    std::string out;
    for (const std::string_view p : pieces) {
      out.append(p);
    }
    pieces.clear();
    return out;
  }
};

// The definition, naively: every occurrence of every pattern in the whole
// text; overlapping ones join; a region reads as its longest occurrence's
// label (of equal lengths, the first).
std::string reference(const Masker& masker, std::string_view text) {
  struct Occurrence {
    std::size_t start, end;
    std::uint32_t pattern;
  };
  const Matcher& matcher = masker.matcher();
  std::vector<Occurrence> all;
  for (std::size_t s = 0; s < text.size(); ++s) {
    for (std::uint32_t i = 0; i < matcher.size(); ++i) {
      if (text.substr(s, matcher.pattern_length(i)) == matcher.pattern(i)) {
        all.push_back({s, s + matcher.pattern_length(i), i});
      }
    }
  }
  std::sort(all.begin(), all.end(), [](const Occurrence& a, const Occurrence& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });
  std::string out;
  std::size_t written = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t end = all[i].end;
    std::size_t best = i;
    std::size_t j = i + 1;
    for (; j < all.size() && all[j].start < end; ++j) {
      end = std::max(end, all[j].end);
      if (all[j].end - all[j].start > all[best].end - all[best].start) {
        best = j;
      }
    }
    out.append(text.substr(written, all[i].start - written));
    out.append(masker.label(all[best].pattern));
    written = end;
    i = j;
  }
  out.append(text.substr(written));
  return out;
}

std::string masked(const Masker& masker, const std::vector<std::string_view>& reads) {
  MaskStream stream(masker);
  Collected out;
  for (const std::string_view read : reads) {
    stream.feed(read, out);
  }
  stream.finish(out);
  return out.text;
}

// Feeds text in reads of 0 to max_read bytes, pausing (flush_idle) after
// one read in pause_one_in (never when 0); returns the output.
std::string masked_in_random_reads(const Masker& masker, std::string_view text, std::mt19937& random,
                                   std::size_t max_read, unsigned pause_one_in) {
  MaskStream stream(masker);
  Collected out;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t size = std::min<std::size_t>(text.size() - at, random() % (max_read + 1));
    stream.feed(text.substr(at, size), out);
    CHECK(stream.held() <= masker.matcher().longest() + 3);
    if (pause_one_in != 0 && random() % pause_one_in == 0) {
      stream.flush_idle(out);
    }
    at += size;
  }
  stream.finish(out);
  return out.text;
}

std::string random_text(std::mt19937& random, std::string_view alphabet, std::size_t size) {
  std::string s(size, '\0');
  for (char& c : s) {
    c = alphabet[random() % alphabet.size()];
  }
  return s;
}

std::string form_of(Form form, std::string_view value) {
  std::string out(max_encoded_size(value.size()), '\0');
  out.resize(encode(form, value, reinterpret_cast<unsigned char*>(out.data())));
  return out;
}

bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
    if (n == 0 || i + n > s.size()) {
      return false;
    }
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += n;
  }
  return true;
}

// One secret, TOKEN = hunter2-hunter2.
const Masker& token_masker() {
  static const std::vector<NamedSecret> secrets{{"TOKEN", "hunter2-hunter2"}};
  static const Masker masker(secrets);
  return masker;
}

const std::string k_value = "s3cr\"t-'v\\al\xc3\xa9\x01-0123456789";

} // namespace

TEST_CASE("Every form of a value is masked, split across two reads at every offset") {
  const std::vector<NamedSecret> secrets{{"API_KEY", k_value}};
  const Masker masker(secrets);
  for (const Form form : k_all_forms) {
    const std::string text = "before " + form_of(form, k_value) + " after";
    INFO(form_name(form));
    REQUIRE(reference(masker, text) == "before [REDACTED:API_KEY] after");
    for (std::size_t split = 0; split <= text.size(); ++split) {
      const std::string_view t = text;
      INFO("split at " << split);
      CHECK(masked(masker, {t.substr(0, split), t.substr(split)}) == "before [REDACTED:API_KEY] after");
    }
  }
}

TEST_CASE("A long value's wrapped base64, read a line at a time, is masked whole") {
  const std::string value(120, 'w'); // 160 characters: three lines at 64 columns, three at 76
  const std::vector<NamedSecret> secrets{{"CERT", value}};
  const Masker masker(secrets);
  for (const Form form : {Form::base64_wrap76, Form::base64_wrap64}) {
    INFO(form_name(form));
    // As base64(1) and openssl write it: each line with its break, the
    // last one too.
    const std::string wrapped = form_of(form, value) + "\n";
    // A pause after each line: a line that begins the value waits at idle.
    MaskStream stream(masker);
    Collected out;
    int lines = 0;
    for (std::size_t at = 0; at < wrapped.size(); ++lines) {
      const std::size_t end = wrapped.find('\n', at) + 1;
      stream.feed(std::string_view(wrapped).substr(at, end - at), out);
      stream.flush_idle(out);
      at = end;
    }
    stream.finish(out);
    CHECK(lines == 3);
    CHECK(out.text == "[REDACTED:CERT]\n");
  }
}

TEST_CASE("A value split across three reads at every pair of offsets, and fed byte by byte, is masked") {
  const std::vector<NamedSecret> secrets{{"API_KEY", k_value}};
  const Masker masker(secrets);
  const std::string text = "x" + k_value + "y" + form_of(Form::base64_inner2, k_value) + "z";
  const std::string expected = "x[REDACTED:API_KEY]y[REDACTED:API_KEY]z";
  const std::string_view t = text;
  for (std::size_t a = 0; a <= text.size(); ++a) {
    for (std::size_t b = a; b <= text.size(); ++b) {
      CHECK(masked(masker, {t.substr(0, a), t.substr(a, b - a), t.substr(b)}) == expected);
    }
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bytes.push_back(t.substr(i, 1));
  }
  CHECK(masked(masker, bytes) == expected);
}

TEST_CASE("A value whose first four bytes came long before its rest is masked whole") {
  const Masker& masker = token_masker();
  MaskStream stream(masker);
  Collected out;
  stream.feed("Token: hunt", out);
  CHECK(out.text == "Token: ");
  stream.flush_idle(out); // the child paused
  stream.flush_idle(out);
  CHECK(out.text == "Token: ");
  CHECK(stream.holding());
  stream.feed("er2-hunter2\n", out);
  CHECK(out.text == "Token: [REDACTED:TOKEN]\n");
  CHECK_FALSE(stream.holding());
}

TEST_CASE("A prompt whose last bytes begin a secret shows at idle") {
  // Each prompt's last 1-3 bytes begin a value: they are held until idle.
  const std::vector<NamedSecret> secrets{{"A", ": hunter2"}, {"B", "N]abc1234"}, {"C", "gin-tonic"}};
  const Masker masker(secrets);
  for (const std::string prompt : {"Password: ", "Continue [y/N]", "login"}) {
    MaskStream stream(masker);
    Collected out;
    stream.feed(prompt, out);
    INFO(prompt);
    CHECK(out.text.size() < prompt.size());
    CHECK(stream.holding());
    stream.flush_idle(out);
    CHECK(out.text == prompt);
    CHECK_FALSE(stream.holding());
  }
}

TEST_CASE("A value whose first bytes were written at idle has the rest masked") {
  const Masker& masker = token_masker();
  MaskStream stream(masker);
  Collected out;
  stream.feed("key=hun", out);
  stream.flush_idle(out);
  CHECK(out.text == "key=hun"); // written, and never taken back
  stream.feed("ter2-hunter2 end", out);
  stream.finish(out);
  CHECK(out.text == "key=hun[REDACTED:TOKEN] end");
}

TEST_CASE("An occurrence complete at idle is masked when the idle rule lets it go") {
  MaskOptions options;
  options.min_length = 3;
  const std::vector<NamedSecret> secrets{{"SHORT", "abc"}, {"LONG", "abcdef"}};
  const Masker masker(secrets, options);
  MaskStream stream(masker);
  Collected out;
  stream.feed("x abc", out); // "abc" may still become "abcdef"
  CHECK(out.text == "x ");
  stream.flush_idle(out);
  CHECK(out.text == "x [REDACTED:SHORT]");
  stream.feed("def y", out);
  stream.finish(out);
  CHECK(out.text == "x [REDACTED:SHORT][REDACTED:LONG] y");
}

TEST_CASE("Overlapping values: the longest wins and no part of either shows") {
  const std::vector<NamedSecret> secrets{
      {"TOKEN", "secret-token"}, {"TOKEN_EXTENDED", "secret-token-extended"},
      {"INNER", "inner-secret"}, {"OUTER", "the-outer-inner-secret-x"},
      {"LEFT", "abcdefgh1234"},  {"RIGHT", "1234wxyz5678"},
      {"SHORT_RIGHT", "3456"}};
  const Masker masker(secrets);
  // One a prefix of the other.
  CHECK(masked(masker, {"a secret-token-extended b"}) == "a [REDACTED:TOKEN_EXTENDED] b");
  CHECK(masked(masker, {"a secret-token b"}) == "a [REDACTED:TOKEN] b");
  CHECK(masked(masker, {"a secret-token-ext b"}) == "a [REDACTED:TOKEN]-ext b");
  // One inside the other.
  CHECK(masked(masker, {"(the-outer-inner-secret-x)"}) == "([REDACTED:OUTER])");
  CHECK(masked(masker, {"(outer-inner-secret-x)"}) == "(outer-[REDACTED:INNER]-x)");
  // Overlapping: one region, named after the longer (of equal lengths, the first).
  CHECK(masked(masker, {"<abcdefgh1234wxyz5678>"}) == "<[REDACTED:LEFT]>");
  CHECK(masked(masker, {"<abcdefgh123456>"}) == "<[REDACTED:LEFT]>");
  // Side by side: two labels.
  CHECK(masked(masker, {"abcdefgh1234inner-secret"}) == "[REDACTED:LEFT][REDACTED:INNER]");
  // The same through every split.
  const std::string text = "<abcdefgh1234wxyz5678> <secret-token-extended>";
  const std::string_view t = text;
  for (std::size_t split = 0; split <= text.size(); ++split) {
    CHECK(masked(masker, {t.substr(0, split), t.substr(split)}) ==
          "<[REDACTED:LEFT]> <[REDACTED:TOKEN_EXTENDED]>");
  }
}

TEST_CASE("Random binary output with secrets embedded is masked as the naive definition says") {
  const auto seed = GENERATE(range(1, 251));
  std::mt19937 random(static_cast<unsigned>(seed));
  // Few distinct bytes: values overlap, share prefixes and nearly match.
  const std::string alphabet =
      seed % 2 == 0 ? std::string("ab\0\xff", 4) : std::string("abcdefgh\n\x80\xc3", 11);
  const auto random_bytes = [&](std::size_t size) { return random_text(random, alphabet, size); };
  MaskOptions options;
  options.min_length = 1 + random() % 6;
  std::vector<std::string> names;
  std::vector<std::string> values;
  for (std::size_t i = 0, count = 1 + random() % 6; i < count; ++i) {
    names.push_back(std::string("S").append(std::to_string(i)));
    values.push_back(random_bytes(1 + random() % 24));
  }
  std::vector<NamedSecret> secrets;
  for (std::size_t i = 0; i < names.size(); ++i) {
    secrets.push_back({names[i], values[i]});
  }
  const Masker masker(secrets, options);

  std::string text = random_bytes(random() % 3000);
  for (int i = 0; i < 12; ++i) {
    const std::string& value = values[random() % values.size()];
    const std::string planted = form_of(k_all_forms[random() % k_all_forms.size()], value);
    text.insert(text.empty() ? 0 : random() % text.size(), random() % 2 ? value : planted);
  }
  const std::string output = masked_in_random_reads(masker, text, random, 400, 0);
  INFO("seed " << seed);
  CHECK(output == reference(masker, text));
}

TEST_CASE("With pauses at random, no pattern is left in the output") {
  const auto seed = GENERATE(range(1, 151));
  std::mt19937 random(static_cast<unsigned>(seed));
  const auto random_bytes = [&](std::size_t size) { return random_text(random, "abcd\xff", size); };
  MaskOptions options;
  options.min_length = 1 + random() % 6;
  options.fixed_label = "\x01"; // no pattern holds it, so none can span a label
  std::vector<std::string> values;
  for (int i = 0; i < 4; ++i) {
    values.push_back(random_bytes(1 + random() % 12));
  }
  const std::vector<NamedSecret> secrets{
      {"A", values[0]}, {"B", values[1]}, {"C", values[2]}, {"D", values[3]}};
  const Masker masker(secrets, options);
  std::string text = random_bytes(random() % 2000);
  for (int i = 0; i < 10; ++i) {
    text.insert(text.empty() ? 0 : random() % text.size(), values[random() % values.size()]);
  }
  const std::string output = masked_in_random_reads(masker, text, random, 40, 3);
  INFO("seed " << seed);
  for (std::uint32_t i = 0; i < masker.matcher().size(); ++i) {
    CHECK(output.find(masker.matcher().pattern(i)) == std::string::npos);
  }
  // Nothing but labels replaced: without them the output is a subsequence
  // of the input, in order.
  std::string kept = output;
  kept.erase(std::remove(kept.begin(), kept.end(), '\x01'), kept.end());
  std::size_t at = 0;
  for (const char c : kept) {
    at = text.find(c, at);
    REQUIRE(at != std::string::npos);
    ++at;
  }
}

TEST_CASE("Output with no secret in it passes byte for byte, pauses or not") {
  std::mt19937 random(3);
  std::vector<std::string> values;
  std::vector<NamedSecret> secrets;
  for (int i = 0; i < 50; ++i) {
    values.push_back(std::to_string(i * 7919) + "-secret-value-" + std::to_string(i));
  }
  for (const std::string& v : values) {
    secrets.push_back({"N", v});
  }
  const Masker masker(secrets);
  std::string text(1 << 20, '\0');
  for (char& c : text) {
    c = static_cast<char>(random());
  }
  REQUIRE(reference(masker, text.substr(0, 4096)) == text.substr(0, 4096));
  CHECK(masked_in_random_reads(masker, text, random, 70000, 4) == text);
}

TEST_CASE("finish writes every byte: an unfinished prefix as it is, a complete value masked") {
  MaskOptions options;
  options.min_length = 3;
  const std::vector<NamedSecret> secrets{{"TOKEN", "hunter2-hunter2"}, {"SHORT", "abc"}, {"LONG", "abcdef"}};
  const Masker masker(secrets, options);
  CHECK(masked(masker, {"exit now: hunter2-hun"}) == "exit now: hunter2-hun");
  CHECK(masked(masker, {"exit now: ", "abc"}) == "exit now: [REDACTED:SHORT]");
  CHECK(masked(masker, {"\xc3"}) == "\xc3");
  MaskStream stream(masker);
  Collected out;
  stream.feed("x abcd", out);
  stream.finish(out);
  CHECK(out.text == "x [REDACTED:SHORT]d");
  CHECK_FALSE(stream.holding());
  stream.feed("again", out); // a new stream
  stream.finish(out);
  CHECK(out.text == "x [REDACTED:SHORT]dagain");
}

TEST_CASE("A UTF-8 character split across reads is written whole") {
  const Masker& masker = token_masker();
  const Masker nothing({});
  const std::string text = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac \xf0\x9f\x98\x80!";
  for (const Masker* m : {&masker, &nothing}) {
    for (std::size_t split = 0; split <= text.size(); ++split) {
      MaskStream stream(*m);
      Collected out;
      stream.feed(std::string_view(text).substr(0, split), out);
      const std::string first = out.last_call();
      stream.feed(std::string_view(text).substr(split), out);
      const std::string second = out.last_call();
      INFO("split at " << split);
      CHECK(is_utf8(first));
      CHECK(is_utf8(second));
      CHECK(first + second == text);
    }
  }
}

TEST_CASE("An unfinished UTF-8 character is let go at idle") {
  const Masker nothing({});
  MaskStream stream(nothing);
  Collected out;
  stream.feed("caf\xc3", out);
  CHECK(out.text == "caf");
  stream.flush_idle(out);
  CHECK(out.text == "caf\xc3");
  stream.feed("\xa9", out);
  CHECK(out.text == "caf\xc3\xa9");
}

TEST_CASE("Pieces stay valid until the next call on the stream") {
  const Masker& masker = token_masker();
  MaskStream stream(masker);
  Collected out;
  stream.feed("one hunter2", out);
  CHECK(out.last_call() == "one ");
  std::string input = "-hunter2 two hun";
  stream.feed(input, out);
  CHECK(out.last_call() == "[REDACTED:TOKEN] two ");
  input = "gry caf\xc3";
  stream.feed(input, out); // writes the held "hun" from the stream's own memory, holds "\xc3" there
  CHECK(out.last_call() == "hungry caf");
  stream.feed("\xa9 hunter2-hun", out);
  CHECK(out.last_call() == "\xc3\xa9 ");
  stream.flush_idle(out);
  CHECK(out.last_call().empty()); // "hunter2-hun" begins the value: held
  stream.finish(out);
  CHECK(out.last_call() == "hunter2-hun");
}

TEST_CASE("A fixed label replaces every value") {
  MaskOptions options;
  options.fixed_label = "***";
  const std::vector<NamedSecret> secrets{{"A", "alpha-secret"}, {"B", "beta-secret"}};
  const Masker masker(secrets, options);
  CHECK(masked(masker, {"a=alpha-secret b=", "beta-secret\n"}) == "a=*** b=***\n");
}

TEST_CASE("Secrets named unmasked or too short pass unmasked") {
  MaskOptions options;
  options.unmasked_names = {"PUBLIC"};
  const std::vector<NamedSecret> secrets{
      {"PUBLIC", "https://example.com"}, {"PIN", "123"}, {"KEY", "key-0123"}};
  const Masker masker(secrets, options);
  CHECK(masked(masker, {"https://example.com 123 key-0123"}) == "https://example.com 123 [REDACTED:KEY]");
}
