#include "sys/signal_mask.hpp"

#include <catch2/catch.hpp>
#include <pthread.h>

using pprotect::sys::signal_set;
using pprotect::sys::SignalMaskScope;

namespace {
bool blocked(int signal_number) {
  sigset_t now;
  pthread_sigmask(SIG_SETMASK, nullptr, &now);
  return sigismember(&now, signal_number) == 1;
}
} // namespace

TEST_CASE("A mask scope blocks for its lifetime and restores the mask it found") {
  REQUIRE_FALSE(blocked(SIGUSR1));
  {
    const SignalMaskScope held(SIG_BLOCK, signal_set({SIGUSR1, SIGUSR2}));
    CHECK(blocked(SIGUSR1));
    CHECK(blocked(SIGUSR2));
    {
      const SignalMaskScope open(SIG_UNBLOCK, signal_set({SIGUSR1}));
      CHECK_FALSE(blocked(SIGUSR1));
      CHECK(blocked(SIGUSR2));
    }
    CHECK(blocked(SIGUSR1));
  }
  CHECK_FALSE(blocked(SIGUSR1));
  CHECK_FALSE(blocked(SIGUSR2));
}
