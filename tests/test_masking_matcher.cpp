// The sampled multi-pattern search, against a naive search over every
// start and every pattern.
#include "launcher/masking/matcher.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using pprotect::masking::Matcher;

namespace {

using Found = std::set<std::pair<std::size_t, std::uint32_t>>;

Found sorted(const std::vector<Matcher::Occurrence>& found) {
  Found out;
  for (const auto& o : found) {
    CHECK(out.emplace(o.start, o.pattern).second); // each occurrence once
  }
  return out;
}

Found naive_occurrences(const std::vector<std::string>& patterns, std::string_view text, std::size_t from,
                        std::size_t to) {
  Found out;
  for (std::size_t s = from; s < to; ++s) {
    for (std::uint32_t i = 0; i < patterns.size(); ++i) {
      if (text.substr(s, patterns[i].size()) == patterns[i]) {
        out.emplace(s, i);
      }
    }
  }
  return out;
}

std::size_t naive_pending(const std::vector<std::string>& patterns, std::string_view text, std::size_t from,
                          std::size_t to) {
  for (std::size_t s = from; s < to; ++s) {
    const std::string_view rest = text.substr(s);
    for (const std::string& p : patterns) {
      if (rest.size() < p.size() && p.compare(0, rest.size(), rest) == 0) {
        return s;
      }
    }
  }
  return text.size();
}

std::vector<std::string_view> views(const std::vector<std::string>& patterns) {
  return {patterns.begin(), patterns.end()};
}

std::string random_text(std::mt19937& random, std::size_t size, std::string_view alphabet) {
  std::string text(size, '\0');
  for (char& c : text) {
    c = alphabet[random() % alphabet.size()];
  }
  return text;
}

} // namespace

TEST_CASE("The search finds every occurrence and the earliest pending prefix, as a naive search does") {
  const auto seed = GENERATE(range(1, 301));
  std::mt19937 random(static_cast<unsigned>(seed));
  // A small alphabet makes occurrences, overlaps and near misses common.
  const std::string alphabet = seed % 3 == 0   ? std::string("ab")
                               : seed % 3 == 1 ? "abc\n"
                                               : "abcdefgh\x80\xff";
  const std::size_t shortest = 1 + random() % 20;
  std::vector<std::string> patterns;
  const std::size_t count = 1 + random() % 30;
  while (patterns.size() < count) {
    std::string p = random_text(random, shortest + random() % 30, alphabet);
    if (std::find(patterns.begin(), patterns.end(), p) == patterns.end()) {
      patterns.push_back(p);
    }
  }
  const auto pattern_views = views(patterns);
  const Matcher matcher(pattern_views);
  REQUIRE(matcher.size() == patterns.size());
  for (int round = 0; round < 10; ++round) {
    std::string text = random_text(random, random() % 300, alphabet);
    // Plant whole patterns and the prefix of one at the end.
    for (int i = 0; i < 3 && !text.empty(); ++i) {
      const std::string& p = patterns[random() % patterns.size()];
      text.insert(random() % text.size(), p);
    }
    const std::string& p = patterns[random() % patterns.size()];
    text += p.substr(0, random() % p.size());
    const std::size_t from = text.empty() ? 0 : random() % (text.size() + 1);
    const std::size_t to = from + random() % (text.size() - from + 1);
    std::vector<Matcher::Occurrence> found;
    const std::size_t pending = matcher.scan(text, from, to, found);
    INFO("seed " << seed << " round " << round << " from " << from << " to " << to);
    CHECK(sorted(found) == naive_occurrences(patterns, text, from, to));
    CHECK(pending == naive_pending(patterns, text, from, to));
  }
}

TEST_CASE("A pattern at the very start and the very end of the text is found") {
  std::vector<std::string> patterns{"0123456789abcdef", "xyz1"};
  const auto pattern_views = views(patterns);
  const Matcher matcher(pattern_views);
  const std::string text = "0123456789abcdef--xyz1";
  std::vector<Matcher::Occurrence> found;
  CHECK(matcher.scan(text, 0, text.size(), found) == text.size());
  CHECK(sorted(found) == Found{{0, 0}, {18, 1}});
}

TEST_CASE("Text without any pattern yields no occurrence and no pending prefix") {
  std::mt19937 random(5);
  std::vector<std::string> patterns;
  for (int i = 0; i < 500; ++i) {
    std::string p = "Z"; // no text below has a capital letter
    p += random_text(random, 15 + random() % 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/");
    patterns.push_back(p);
  }
  const auto pattern_views = views(patterns);
  const Matcher matcher(pattern_views);
  CHECK(matcher.step() == 13); // shortest 16, q-grams of 4
  const std::string text = random_text(random, 1 << 16, "abcdefghijklmnopqrstuvwxyz .,:;\n");
  std::vector<Matcher::Occurrence> found;
  CHECK(matcher.scan(text, 0, text.size(), found) == text.size());
  CHECK(found.empty());
}

TEST_CASE("Empty and repeated patterns are refused, no pattern matches nothing") {
  const std::vector<std::string_view> empty_one{"abcd", ""};
  CHECK_THROWS_AS(Matcher(empty_one), std::invalid_argument);
  const std::vector<std::string_view> twice{"abcd", "efgh", "abcd"};
  CHECK_THROWS_AS(Matcher(twice), std::invalid_argument);
  const Matcher none;
  std::vector<Matcher::Occurrence> found;
  CHECK(none.scan("abcd", 0, 4, found) == 4);
  CHECK(found.empty());
}

TEST_CASE("The patterns live in locked memory the matcher owns") {
  std::vector<std::string> patterns{"hunter2-hunter2", "correct horse"};
  const auto pattern_views = views(patterns);
  const Matcher matcher(pattern_views);
  patterns[0].assign(patterns[0].size(), 'x');
  CHECK(matcher.pattern(0) == "hunter2-hunter2");
  CHECK(matcher.pattern(0).data() != patterns[0].data());
  CHECK(matcher.locked_bytes() >= 28);
}

TEST_CASE("Short patterns among long ones are searched apart, with 2-grams") {
  std::vector<std::string> patterns{"pin1", "0123456789abcdefXYZ", "fedcba9876543210-+"};
  const auto pattern_views = views(patterns);
  const Matcher matcher(pattern_views);
  CHECK(matcher.step() == 3); // 4 - 2 + 1; in one group of 4-grams it would be 1
  const std::string text = "xx pin1 0123456789abcdefXYZ pi fedcba9876543210-+ pin";
  std::vector<Matcher::Occurrence> found;
  CHECK(matcher.scan(text, 0, text.size(), found) == text.size() - 3);
  CHECK(sorted(found) == Found{{3, 0}, {8, 1}, {31, 2}});
}
