#pragma once
// What the masking benchmarks feed the filter: 100 secret-like values and
// log lines to hide them in. Test values, not secrets: std::string is fine
// in a benchmark.

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace pprotect::bench {

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// count values of 16-64 bytes: tokens, and every third a password with
// the characters each encoding escapes.
inline std::vector<std::string> make_values(std::mt19937& random, std::size_t count = 100) {
  const std::string token = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const std::string password = token + "!#$%&*+-./:;<=>?@^_~\"'\\ ";
  std::vector<std::string> values;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& alphabet = i % 3 == 0 ? password : token;
    std::string v(16 + random() % 49, '\0');
    for (char& c : v) {
      c = alphabet[random() % alphabet.size()];
    }
    values.push_back(v);
  }
  return values;
}

// size bytes of log lines: timestamps, levels, words, ids, numbers, paths.
inline std::string make_log(std::mt19937& engine, std::size_t size) {
  const auto random = [&] { return static_cast<unsigned>(engine()); };
  static const char* const words[] = {
      "request",   "handled", "user", "session", "cache",  "miss",    "hit",   "upstream", "timeout", "retry",
      "connected", "closed",  "GET",  "POST",    "status", "latency", "queue", "worker",   "shard",   "token",
      "refresh",   "the",     "a",    "of",      "to",     "and",     "in",    "ok"};
  static const char* const levels[] = {"INFO", "DEBUG", "WARN", "ERROR"};
  const std::string b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string log;
  log.reserve(size + 256);
  char line[256];
  while (log.size() < size) {
    int n = std::snprintf(line, sizeof line, "2024-05-%02u T%02u:%02u:%02u.%03uZ %s [worker-%u] ",
                          1 + random() % 28, random() % 24, random() % 60, random() % 60, random() % 1000,
                          levels[random() % 4], random() % 16);
    log.append(line, static_cast<std::size_t>(n));
    for (unsigned w = 0, count = 3 + random() % 8; w < count; ++w) {
      log += words[random() % (sizeof words / sizeof *words)];
      log += ' ';
    }
    std::string id(22, '\0');
    for (char& c : id) {
      c = b64[random() % 64];
    }
    n = std::snprintf(line, sizeof line, "id=%s took=%ums path=/api/v1/items/%u\n", id.c_str(),
                      random() % 900, random() % 100000);
    log.append(line, static_cast<std::size_t>(n));
  }
  log.resize(size);
  return log;
}

} // namespace pprotect::bench
