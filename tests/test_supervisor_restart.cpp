// --restart's schedule: which ends restart, after how long, how often.
#include "launcher/supervisor/restart.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <sys/wait.h>
#include <vector>

using namespace pprotect::supervisor;
using namespace std::chrono_literals;
using Duration = RestartSchedule::Duration;

namespace {

constexpr int k_failed = 1 << 8; // wait status: exited with 1
constexpr int k_succeeded = 0;
constexpr int k_killed = SIGSEGV; // wait status: killed by SIGSEGV

RestartOptions options(RestartWhen when, std::optional<unsigned> limit = std::nullopt, double delay = 1.0) {
  RestartOptions result;
  result.when = when;
  result.max_restarts = limit;
  result.delay = delay;
  return result;
}

std::vector<long> delays_in_ms(RestartSchedule& schedule, int count, Duration ran = 1s) {
  std::vector<long> delays;
  for (int i = 0; i < count; ++i) {
    const auto delay = schedule.next(k_failed, ran);
    delays.push_back(delay ? std::chrono::duration_cast<std::chrono::milliseconds>(*delay).count() : -1);
  }
  return delays;
}

} // namespace

TEST_CASE("The restart names parse, and nothing else does") {
  CHECK(parse_restart_when("no") == RestartWhen::no);
  CHECK(parse_restart_when("on-failure") == RestartWhen::on_failure);
  CHECK(parse_restart_when("always") == RestartWhen::always);
  CHECK_FALSE(parse_restart_when("On-Failure"));
  CHECK_FALSE(parse_restart_when(""));
  CHECK_FALSE(parse_restart_when("yes"));
}

TEST_CASE("Without a restart policy nothing restarts") {
  RestartSchedule schedule(options(RestartWhen::no));
  CHECK_FALSE(schedule.next(k_failed, 1s));
  CHECK(schedule.refusal().empty());
  CHECK(schedule.restarts() == 0);
}

TEST_CASE("The back-off doubles from the delay up to a minute") {
  RestartSchedule schedule(options(RestartWhen::always));
  CHECK(delays_in_ms(schedule, 9) ==
        std::vector<long>{1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000});
  CHECK_FALSE(schedule.limit()); // always: unlimited
}

TEST_CASE("A run of a minute or more starts the back-off over") {
  RestartSchedule schedule(options(RestartWhen::always, std::nullopt, 0.5));
  CHECK(delays_in_ms(schedule, 3) == std::vector<long>{500, 1000, 2000});
  CHECK(delays_in_ms(schedule, 1, 60s) == std::vector<long>{500});
  CHECK(delays_in_ms(schedule, 1, 59s) == std::vector<long>{1000});
}

TEST_CASE("A first delay above a minute stays the cap") {
  RestartSchedule schedule(options(RestartWhen::always, std::nullopt, 90));
  CHECK(delays_in_ms(schedule, 3) == std::vector<long>{90000, 90000, 90000});
}

TEST_CASE("on-failure restarts a failure or a death by signal, never a success") {
  RestartSchedule schedule(options(RestartWhen::on_failure));
  CHECK(schedule.next(k_killed, 1s));
  CHECK(schedule.next(k_failed, 1s));
  CHECK_FALSE(schedule.next(k_succeeded, 1s));
  CHECK(schedule.refusal().empty()); // nothing to say: none was due
  CHECK(schedule.restarts() == 2);
}

TEST_CASE("on-failure restarts 5 times unless told otherwise, always as often as told") {
  RestartSchedule on_failure(options(RestartWhen::on_failure));
  CHECK(on_failure.limit() == 5U);
  CHECK(delays_in_ms(on_failure, 6).back() == -1);
  CHECK(on_failure.restarts() == 5);
  CHECK(on_failure.refusal() == "--max-restarts 5 reached");

  RestartSchedule always(options(RestartWhen::always, 2));
  CHECK(always.next(k_succeeded, 1s));
  CHECK(always.next(k_succeeded, 1s));
  CHECK_FALSE(always.next(k_succeeded, 1s));
  CHECK(always.refusal() == "--max-restarts 2 reached");

  RestartSchedule none(options(RestartWhen::always, 0));
  CHECK_FALSE(none.next(k_failed, 1s));
}
