#include "policy/keyring_cache.hpp"
#include "store/crypto.hpp"
#include "store/key_file.hpp"
#include "sys/keyring.hpp"
#include "tests/keyring_refusal.hpp"
#include "tests/keyring_session.hpp"
#include "tests/support.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using pprotect::policy::cache_custodian_key;
using pprotect::policy::cached_custodian;
using pprotect::policy::cached_key_description;
using pprotect::store::KeyFile;
using pprotect::store::KeyType;
using pprotect::store::UnlockedCustodian;
using pprotect::sys::SecureBuffer;
namespace sys = pprotect::sys;
using pprotect::tests::in_child;

namespace {

const std::string k_alice = "alice@example.com";
const std::string k_bob = "bob@example.com";
const std::string k_alice_pass = "alice passphrase";
const std::string k_bob_pass = "P" + std::string(64, 'b') + "P";
const fs::path k_file = "/srv/app/protected.yaml";

// alice (fast: one Argon2id derivation per unlock) and bob (raw) own "prod".
KeyFile sample_file() {
  KeyFile file = KeyFile::create();
  file.add_key_custodian(k_alice, k_alice_pass, KeyType::fast);
  file.add_key_custodian(k_bob, k_bob_pass, KeyType::raw);
  file.add_domain("prod", k_alice);
  file.add_secret("prod", "db-pass", "hunter2");
  file.add_owner("prod", k_bob, file.unlock(k_alice, k_alice_pass));
  return file;
}

// The notices said, for checking.
struct Notices {
  std::vector<std::string> said;
  pprotect::policy::Notice sink() {
    return [this](std::string_view line) { said.emplace_back(line); };
  }
};

} // namespace

TEST_CASE("A custodian unlocked once is unlocked from the cache with no derivation") {
  if (!join_private_session_keyring()) {
    return;
  }
  const KeyFile file = sample_file();
  cache_custodian_key(file.unlock(k_alice, k_alice_pass), k_file, 60s);
  Notices notices;
  const auto before = pprotect::store::crypto::argon2_derivation_count();
  const auto alice = cached_custodian(file, k_alice, k_file, notices.sink());
  CHECK(pprotect::store::crypto::argon2_derivation_count() == before);
  REQUIRE(alice);
  CHECK(alice->name == k_alice);
  CHECK(file.decrypt_domain("prod", *alice).at("db-pass").view() == "hunter2");
  CHECK(notices.said.empty());
}

TEST_CASE("The cache holds the custodian's derived key, never the passphrase") {
  if (!join_private_session_keyring()) {
    return;
  }
  const KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  cache_custodian_key(alice, k_file, 60s);
  const auto session = sys::session_keyring();
  const auto key = sys::find_user_key(session.id, cached_key_description(k_alice, k_file));
  REQUIRE(key);
  const SecureBuffer payload = sys::read_key(*key, 1024);
  REQUIRE(payload.size() == 41);
  CHECK(payload.data()[0] == 0x01);
  CHECK(payload.view().substr(9) == alice.secret_key.view());
  CHECK(payload.view().find(k_alice_pass) == std::string_view::npos);
  CHECK(sys::describe_key(*key).permissions == sys::k_possessor_only_permissions);
}

TEST_CASE("A key cached for another file or another custodian is not used") {
  if (!join_private_session_keyring()) {
    return;
  }
  const KeyFile file = sample_file();
  cache_custodian_key(file.unlock(k_alice, k_alice_pass), k_file, 60s);
  Notices notices;
  CHECK_FALSE(cached_custodian(file, k_alice, "/srv/other/protected.yaml", notices.sink()));
  CHECK_FALSE(cached_custodian(file, k_bob, k_file, notices.sink()));
  CHECK(notices.said.empty());
  CHECK(cached_custodian(file, k_alice, k_file, notices.sink()));
}

TEST_CASE("A cached key that no longer matches the custodian is ignored, said once, and revoked") {
  if (!join_private_session_keyring()) {
    return;
  }
  KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  cache_custodian_key(alice, k_file, 60s);
  // A new passphrase is a new key pair.
  file.set_key_custodian_passphrase(alice, "new passphrase");
  Notices notices;
  CHECK_FALSE(cached_custodian(file, k_alice, k_file, notices.sink()));
  REQUIRE(notices.said.size() == 1);
  CHECK(notices.said[0] ==
        "ignoring the cached key of key custodian 'alice@example.com' for "
        "/srv/app/protected.yaml: it does not match the custodian's key in the file (revoked it)");
  CHECK_FALSE(cached_custodian(file, k_alice, k_file, notices.sink()));
  CHECK(notices.said.size() == 1);
  CHECK(pprotect::policy::cached_keys().empty());
}

TEST_CASE("A key cached under a custodian's name that is not its key is never used") {
  if (!join_private_session_keyring()) {
    return;
  }
  const KeyFile file = sample_file();
  const auto bob = file.unlock(k_bob, k_bob_pass);
  // bob's key pair, named for alice: any process of the uid could store it.
  cache_custodian_key(
      UnlockedCustodian{k_alice, SecureBuffer::copy_of(bob.secret_key.view()), bob.public_key}, k_file, 60s);
  Notices notices;
  CHECK_FALSE(cached_custodian(file, k_alice, k_file, notices.sink()));
  CHECK(notices.said.size() == 1);
  // Nor a payload of the wrong shape.
  const auto session = sys::session_keyring();
  (void)sys::add_user_key(session.id, cached_key_description(k_alice, k_file), "not a cached key", 60s);
  CHECK_FALSE(cached_custodian(file, k_alice, k_file, notices.sink()));
  CHECK(notices.said.size() == 2);
}

TEST_CASE("A cached key expires with its time to live") {
  if (!join_private_session_keyring()) {
    return;
  }
  const KeyFile file = sample_file();
  cache_custodian_key(file.unlock(k_bob, k_bob_pass), k_file, 2s);
  Notices notices;
  CHECK(cached_custodian(file, k_bob, k_file, notices.sink()));
  std::this_thread::sleep_for(2100ms);
  CHECK_FALSE(cached_custodian(file, k_bob, k_file, notices.sink()));
  CHECK(notices.said.empty());
  CHECK(pprotect::policy::cached_keys().empty());
  CHECK_THROWS_AS(cache_custodian_key(file.unlock(k_bob, k_bob_pass), k_file, 0s), std::invalid_argument);
}

TEST_CASE("Status lists the cached keys with their time left, and lock revokes them all") {
  if (!join_private_session_keyring()) {
    return;
  }
  const KeyFile file = sample_file();
  cache_custodian_key(file.unlock(k_alice, k_alice_pass), k_file, 900s);
  cache_custodian_key(file.unlock(k_bob, k_bob_pass), "/srv/b:c/protected.yaml", 60s);
  const auto session = sys::session_keyring();
  const auto other = sys::add_user_key(session.id, "someone-else:key", "theirs", 60s);
  auto keys = pprotect::policy::cached_keys();
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.custodian < b.custodian; });
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].custodian == k_alice);
  CHECK(keys[0].file == k_file);
  CHECK(keys[0].time_left > 890s);
  CHECK(keys[0].time_left <= 900s);
  CHECK(keys[1].custodian == k_bob);
  CHECK(keys[1].file == "/srv/b:c/protected.yaml");
  CHECK(keys[1].time_left <= 60s);
  CHECK(pprotect::policy::forget_cached_keys() == 2);
  CHECK(pprotect::policy::cached_keys().empty());
  Notices notices;
  CHECK_FALSE(cached_custodian(file, k_alice, k_file, notices.sink()));
  CHECK(notices.said.empty());
  CHECK(sys::read_key(other, 64).view() == "theirs"); // not ours: left alone
  CHECK(pprotect::policy::forget_cached_keys() == 0);
}

TEST_CASE("A cached key's description names custodian and file readably, and no two pairs share one") {
  CHECK(cached_key_description(k_alice, k_file) == "pprotect:alice@example.com:/srv/app/protected.yaml");
  CHECK(cached_key_description("a:/b", "/c") != cached_key_description("a", "/b:/c"));
  CHECK(cached_key_description("a:/b", "/c") == "pprotect:a%3A/b:/c");
  CHECK(cached_key_description("100%", "/x\ny") == "pprotect:100%25:/x%0Ay");
}

TEST_CASE("A relative path and a path through a symlink name the same cached key") {
  const fs::path dir = fs::temp_directory_path() / ("pprotect-cache-" + std::to_string(::getpid()));
  fs::create_directories(dir / "real");
  fs::create_symlink(dir / "real", dir / "link");
  const fs::path cwd = fs::current_path();
  fs::current_path(dir / "real");
  const std::string relative = cached_key_description(k_alice, "protected.yaml");
  const std::string dotted = cached_key_description(k_alice, "./sub/../protected.yaml");
  fs::current_path(cwd);
  const std::string through_link = cached_key_description(k_alice, dir / "link" / "protected.yaml");
  const std::string direct = cached_key_description(k_alice, dir / "real" / "protected.yaml");
  fs::remove_all(dir);
  CHECK(relative == direct);
  CHECK(dotted == direct);
  CHECK(through_link == direct);
}

TEST_CASE("Where the kernel refuses keyrings, a look-up falls back in silence and caching says so") {
  const KeyFile file = sample_file();
  const auto bob = file.unlock(k_bob, k_bob_pass);
  CHECK(in_child([&] {
          if (!refuse_keyrings(EPERM)) {
            return 3;
          }
          Notices notices;
          if (cached_custodian(file, k_bob, k_file, notices.sink()) || !notices.said.empty()) {
            return 4;
          }
          try {
            cache_custodian_key(bob, k_file, 60s);
          } catch (const sys::KeyringError& error) {
            return error.refused() ? 0 : 5;
          }
          return 6;
        }) == 0);
}
