#pragma once
// Durations on the command line, as timeout(1) writes them.

#include <chrono>
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

// A duration parse_duration reads that is more than zero, in milliseconds,
// rounded up: "0.0001" is 1 ms, never none. For the options where 0 cannot
// mean "no limit" (a cached key's time to live: the kernel reads 0 as
// "never expires"; a passphrase helper's timeout). nullopt when malformed,
// zero or too long.
std::optional<std::chrono::milliseconds> parse_positive_duration(std::string_view text);

} // namespace pprotect::supervisor
