#pragma once
// A session keyring of the test's own, for the keyring tests: keys stored
// by a test must not reach the user's shared default session keyring
// (`_uid_ses.<uid>`, which other test runs of the uid use at the same time),
// nor survive the test process.

#include "sys/keyring.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <string>

// Joins a new anonymous session keyring, once per process. Returns false
// where the kernel refuses keyrings (EPERM: a seccomp profile; ENOSYS: no
// CONFIG_KEYS), after saying so: the test then passes on that refusal alone.
// Any other failure fails the test.
inline bool join_private_session_keyring() {
  static const int error = pprotect::sys::join_new_session_keyring();
  if (error == 0) {
    SUCCEED("in a session keyring of this test's own");
    return true;
  }
  WARN("the kernel refuses keyrings here (" << std::strerror(error) << "): nothing more to test");
  REQUIRE((error == EPERM || error == ENOSYS));
  return false;
}
