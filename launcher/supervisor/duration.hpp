#pragma once
// Durations on the command line, as timeout(1) writes them.

#include <optional>
#include <string_view>

namespace pprotect::supervisor {

// The longest duration any option takes: about 31.7 years, far below what
// a steady_clock deadline in nanoseconds can hold (292 years).
inline constexpr double k_max_duration_seconds = 1e9;

// Parses a duration as timeout(1) does: a number with an optional suffix s,
// m, h or d. nullopt when malformed, negative, or longer than
// k_max_duration_seconds once the suffix is applied.
std::optional<double> parse_duration(std::string_view text);

} // namespace pprotect::supervisor
