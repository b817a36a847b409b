// Durations on the command line, as timeout(1) writes them.
#include "launcher/supervisor/duration.hpp"

#include <catch2/catch.hpp>

using namespace pprotect::supervisor;

TEST_CASE("Durations take timeout(1)'s suffixes and refuse the rest") {
  CHECK(parse_duration("1.5") == 1.5);
  CHECK(parse_duration("2s") == 2.0);
  CHECK(parse_duration("0.5m") == 30.0);
  CHECK(parse_duration("1h") == 3600.0);
  CHECK(parse_duration("1d") == 86400.0);
  CHECK(parse_duration("0") == 0.0);
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("-1"));
  CHECK_FALSE(parse_duration("1x"));
  CHECK_FALSE(parse_duration("nan"));
  CHECK_FALSE(parse_duration("1 s"));
}

TEST_CASE("The duration bound holds after the unit is applied") {
  CHECK(parse_duration("1000000000") == 1e9);
  CHECK(parse_duration("1000000000s") == 1e9);
  CHECK_FALSE(parse_duration("1000000001"));
  CHECK(parse_duration("16666666m") == 16666666.0 * 60);
  CHECK_FALSE(parse_duration("16666667m"));
  CHECK(parse_duration("277777h") == 277777.0 * 3600);
  CHECK_FALSE(parse_duration("277778h"));
  CHECK(parse_duration("11574d") == 11574.0 * 86400);
  CHECK_FALSE(parse_duration("11575d"));
  // The overflows seen: a deadline that fired at once.
  CHECK_FALSE(parse_duration("106752d"));
  CHECK_FALSE(parse_duration("2562048h"));
  CHECK_FALSE(parse_duration("1000000d"));
  CHECK_FALSE(parse_duration("inf"));
  CHECK_FALSE(parse_duration("1e300"));
}

TEST_CASE("A positive duration is more than zero, rounded up to the millisecond") {
  using std::chrono::milliseconds;
  CHECK(parse_positive_duration("2") == milliseconds(2000));
  CHECK(parse_positive_duration("15m") == milliseconds(900000));
  CHECK(parse_positive_duration("0.25s") == milliseconds(250));
  CHECK(parse_positive_duration("0.0001") == milliseconds(1));
  CHECK(parse_positive_duration("1000000000") == milliseconds(1000000000000));
  CHECK_FALSE(parse_positive_duration("0"));
  CHECK_FALSE(parse_positive_duration("0s"));
  CHECK_FALSE(parse_positive_duration("-1"));
  CHECK_FALSE(parse_positive_duration("1x"));
  CHECK_FALSE(parse_positive_duration("1000000001"));
}
