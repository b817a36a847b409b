#include "launcher/supervisor/duration.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace pprotect::supervisor {

std::optional<double> parse_duration(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  double scale = 1;
  switch (text.back()) {
  case 's':
    text.remove_suffix(1);
    break;
  case 'm':
    scale = 60;
    text.remove_suffix(1);
    break;
  case 'h':
    scale = 3600;
    text.remove_suffix(1);
    break;
  case 'd':
    scale = 86400;
    text.remove_suffix(1);
    break;
  default:
    break;
  }
  double value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !(value >= 0)) {
    return std::nullopt;
  }
  // The bound applies to the converted value: checked before the unit,
  // 106752d passed and overflowed the timer's nanoseconds into a deadline
  // 16 ms away.
  const double seconds = value * scale;
  if (!(seconds <= k_max_duration_seconds)) {
    return std::nullopt;
  }
  return seconds;
}

std::optional<std::chrono::milliseconds> parse_positive_duration(std::string_view text) {
  const auto seconds = parse_duration(text);
  if (!seconds || *seconds <= 0) {
    return std::nullopt;
  }
  // At most 1e12 ms after the bound: exact in a double, and in an int64.
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(*seconds * 1000)));
}

} // namespace pprotect::supervisor
