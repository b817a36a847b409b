#include "sys/keyring.hpp"
#include "tests/keyring_refusal.hpp"
#include "tests/keyring_session.hpp"
#include "tests/support.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;
namespace sys = pprotect::sys;
using pprotect::tests::in_child;

namespace {

// The keyring error a call threw, or 0.
template <typename Call> int keyring_error_of(Call&& call) {
  try {
    call();
  } catch (const sys::KeyringError& error) {
    return error.error();
  }
  return 0;
}

} // namespace

TEST_CASE("A stored key is found by its description and read back") {
  if (!join_private_session_keyring()) {
    return;
  }
  const auto session = sys::session_keyring();
  CHECK_FALSE(session.user_default);
  const auto key = sys::add_user_key(session.id, "pprotect-test:one", "payload bytes", 60s);
  const auto found = sys::find_user_key(session.id, "pprotect-test:one");
  REQUIRE(found);
  CHECK(*found == key);
  CHECK(sys::read_key(key, 64).view() == "payload bytes");
}

TEST_CASE("A key of another description is not found") {
  if (!join_private_session_keyring()) {
    return;
  }
  const auto session = sys::session_keyring();
  (void)sys::add_user_key(session.id, "pprotect-test:alice:/a/protected.yaml", "x", 60s);
  CHECK_FALSE(sys::find_user_key(session.id, "pprotect-test:alice:/b/protected.yaml"));
  CHECK_FALSE(sys::find_user_key(session.id, "pprotect-test:alice:/a/protected.yam"));
  CHECK_FALSE(sys::find_user_key(session.id, "pprotect-test:bob:/a/protected.yaml"));
  CHECK(sys::find_user_key(session.id, "pprotect-test:alice:/a/protected.yaml"));
}

TEST_CASE("A stored key is the possessor's alone") {
  if (!join_private_session_keyring()) {
    return;
  }
  const auto session = sys::session_keyring();
  const auto key = sys::add_user_key(session.id, "pprotect-test:mine", "secret", 60s);
  const auto attributes = sys::describe_key(key);
  CHECK(attributes.type == "user");
  CHECK(attributes.description == "pprotect-test:mine");
  CHECK(attributes.uid == ::getuid());
  CHECK(attributes.permissions == sys::k_possessor_only_permissions);
  CHECK((attributes.permissions & 0x00ffffffU) == 0); // nothing for user, group or other
  // A process of the same uid in another session does not possess it: it can
  // neither find nor read it, even knowing its serial.
  CHECK(in_child([&] {
          if (sys::join_new_session_keyring() != 0) {
            return 3;
          }
          const auto other = sys::session_keyring();
          if (sys::find_user_key(other.id, "pprotect-test:mine")) {
            return 4;
          }
          return keyring_error_of([&] { (void)sys::read_key(key, 64); }) == EACCES ? 0 : 5;
        }) == 0);
}

TEST_CASE("A key stored by a process that has exited is found by the next one in the session") {
  // In the session keyring this test was started with, not one of its own:
  // where the process has none (it then shares the user's default one),
  // a key stored through KEY_SPEC_SESSION_KEYRING would go into a keyring
  // created for the storing process alone, and die with it. This is
  // `pprotect unlock` followed by `pprotect decrypt-domain` in one shell.
  const std::string description = "pprotect-test:exited:" + std::to_string(::getpid());
  sys::SessionKeyring session;
  try {
    session = sys::session_keyring();
  } catch (const sys::KeyringError& error) {
    WARN(error.what());
    REQUIRE(error.refused());
    return;
  }
  INFO("the session keyring is " << (session.user_default ? "the user's default one" : "the login's own"));
  CHECK(in_child([&] {
          (void)sys::add_user_key(sys::session_keyring().id, description, "from the child", 60s);
          return 0;
        }) == 0);
  const auto found = sys::find_user_key(sys::session_keyring().id, description);
  REQUIRE(found);
  CHECK(sys::read_key(*found, 64).view() == "from the child");
  sys::revoke_key(session.id, *found);
  CHECK_FALSE(sys::find_user_key(session.id, description));
}

TEST_CASE("A key expires after its time to live") {
  if (!join_private_session_keyring()) {
    return;
  }
  const auto session = sys::session_keyring();
  const auto key = sys::add_user_key(session.id, "pprotect-test:short", "soon gone", 2s);
  CHECK(sys::find_user_key(session.id, "pprotect-test:short"));
  // The kernel counts whole seconds: a 2-second key expires within 2 s.
  std::this_thread::sleep_for(2100ms);
  CHECK_FALSE(sys::find_user_key(session.id, "pprotect-test:short"));
  CHECK(keyring_error_of([&] { (void)sys::read_key(key, 64); }) == EKEYEXPIRED);
  // Storing it again revives it for a new time to live.
  (void)sys::add_user_key(session.id, "pprotect-test:short", "again", 60s);
  const auto again = sys::find_user_key(session.id, "pprotect-test:short");
  REQUIRE(again);
  CHECK(sys::read_key(*again, 64).view() == "again");
}

TEST_CASE("A revoked key is neither found nor read nor listed") {
  if (!join_private_session_keyring()) {
    return;
  }
  const auto session = sys::session_keyring();
  const auto key = sys::add_user_key(session.id, "pprotect-test:revoked", "x", 60s);
  sys::revoke_key(session.id, key);
  CHECK_FALSE(sys::find_user_key(session.id, "pprotect-test:revoked"));
  CHECK(keyring_error_of([&] { (void)sys::read_key(key, 64); }) != 0);
  CHECK(sys::user_keys_with_prefix(session.id, "pprotect-test:").empty());
  // Revoking what is gone already is no error.
  CHECK_NOTHROW(sys::revoke_key(session.id, key));
}

TEST_CASE("Storing a key again displaces the one stored before") {
  if (!join_private_session_keyring()) {
    return;
  }
  const auto session = sys::session_keyring();
  const auto first = sys::add_user_key(session.id, "pprotect-test:twice", "first", 60s);
  const auto second = sys::add_user_key(session.id, "pprotect-test:twice", "second", 60s);
  const auto found = sys::find_user_key(session.id, "pprotect-test:twice");
  REQUIRE(found);
  CHECK(*found == second);
  CHECK(sys::read_key(second, 64).view() == "second");
  CHECK(sys::user_keys_with_prefix(session.id, "pprotect-test:twice").size() == 1);
  // No longer linked in a keyring of ours, the first one is no one's.
  CHECK(keyring_error_of([&] { (void)sys::read_key(first, 64); }) != 0);
}

TEST_CASE("A key that would never expire or hold nothing is refused") {
  if (!join_private_session_keyring()) {
    return;
  }
  const auto session = sys::session_keyring();
  CHECK_THROWS_AS(sys::add_user_key(session.id, "pprotect-test:forever", "x", 0s), std::invalid_argument);
  CHECK_THROWS_AS(sys::add_user_key(session.id, "pprotect-test:empty", "", 60s), std::invalid_argument);
  CHECK_THROWS_AS(sys::add_user_key(session.id, std::string("a\0b", 3), "x", 60s), std::invalid_argument);
  CHECK(sys::user_keys_with_prefix(session.id, "pprotect-test:").empty());
}

TEST_CASE("A payload longer than the reader allows is an error") {
  if (!join_private_session_keyring()) {
    return;
  }
  const auto session = sys::session_keyring();
  const auto key = sys::add_user_key(session.id, "pprotect-test:long", std::string(100, 'x'), 60s);
  CHECK(sys::read_key(key, 100).size() == 100);
  CHECK(keyring_error_of([&] { (void)sys::read_key(key, 99); }) == EMSGSIZE);
}

TEST_CASE("The user keys listed are those of the prefix") {
  if (!join_private_session_keyring()) {
    return;
  }
  const auto session = sys::session_keyring();
  const auto a = sys::add_user_key(session.id, "pprotect-test:list:a", "x", 60s);
  const auto b = sys::add_user_key(session.id, "pprotect-test:list:b;with;semicolons", "x", 60s);
  (void)sys::add_user_key(session.id, "other:list:c", "x", 60s);
  auto listed = sys::user_keys_with_prefix(session.id, "pprotect-test:list:");
  std::sort(listed.begin(), listed.end(),
            [](const auto& x, const auto& y) { return x.description < y.description; });
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].id == a);
  CHECK(listed[1].id == b);
  CHECK(listed[1].description == "pprotect-test:list:b;with;semicolons");
}

TEST_CASE("Where the kernel refuses keyrings the error says so") {
  for (const int refusal : {EPERM, ENOSYS}) {
    INFO("refused with " << refusal);
    CHECK(in_child([&] {
            if (!refuse_keyrings(refusal)) {
              return 3;
            }
            try {
              (void)sys::session_keyring();
            } catch (const sys::KeyringError& error) {
              const bool said = std::string(error.what()).starts_with("the kernel refuses keyrings here (");
              return error.refused() && error.error() == refusal && said ? 0 : 4;
            }
            return 5;
          }) == 0);
  }
  // Any other failure is no refusal: a key that is gone.
  if (join_private_session_keyring()) {
    const auto error = keyring_error_of([] { (void)sys::read_key(0x7ffffff0, 64); });
    CHECK(error != 0);
    try {
      (void)sys::read_key(0x7ffffff0, 64);
    } catch (const sys::KeyringError& failure) {
      CHECK_FALSE(failure.refused());
    }
  }
}
