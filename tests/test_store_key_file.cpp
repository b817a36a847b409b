#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/key_file.hpp"
#include "tests/fuzz/protected_yaml_property.hpp"
#include "tests/support.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using pprotect::store::CredentialError;
using pprotect::store::KeyFile;
using pprotect::store::KeyType;
using pprotect::store::StoreError;
using pprotect::store::UnlockedCustodian;
using pprotect::sys::SecureBuffer;
namespace crypto = pprotect::store::crypto;

namespace {

// 2023-11-14T22:13:20Z
constexpr std::int64_t k_now = 1700000000;
const std::string k_stamp = "2023-11-14T22:13:20Z -- ";

pprotect::store::AuditClock fixed_clock() {
  return [] { return k_now; };
}

std::string raw_passphrase(char digit) {
  return "P" + std::string(64, digit) + "P";
}

const std::string k_alice = "alice@example.com";
const std::string k_bob = "bob@example.com";
const std::string k_alice_pass = raw_passphrase('a');
const std::string k_bob_pass = raw_passphrase('b');

// alice and bob (raw keys: no Argon2, so tests stay fast) and a domain
// "prod" owned by alice holding two secrets.
KeyFile sample_file() {
  KeyFile file = KeyFile::create(fixed_clock());
  file.add_key_custodian(k_alice, k_alice_pass, KeyType::raw);
  file.add_key_custodian(k_bob, k_bob_pass, KeyType::raw);
  file.add_domain("prod", k_alice);
  file.add_secret("prod", "db-pass", "hunter2");
  file.add_secret("prod", "tls-key", "-----BEGIN KEY-----\nabc\n-----END KEY-----\n");
  return file;
}

std::map<std::string, std::string> decrypted(const KeyFile& file, const std::string& domain,
                                             const UnlockedCustodian& who) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : file.decrypt_domain(domain, who)) {
    out.emplace(name, std::string(value.view()));
  }
  return out;
}

const std::string& last_entry(const KeyFile& file) {
  return file.audit_log().back();
}

// Replaces the text between "<key>: " and the end of its line.
// Where the value of `key` starts: after "key: ", or on the next line
// when a layout moved it there ("key: " then the value indented).
std::size_t value_start(const std::string& text, const std::string& key) {
  const auto at = text.find(key + ": ");
  REQUIRE(at != std::string::npos);
  auto start = at + key.size() + 2;
  if (text[start] == '\n') {
    start = text.find_first_not_of(' ', start + 1);
  }
  return start;
}

std::string replace_value(std::string text, const std::string& key, const std::string& value) {
  const auto start = value_start(text, key);
  const auto end = text.find('\n', start);
  return text.replace(start, end - start, value);
}

std::string field_of(const std::string& text, const std::string& key) {
  const auto start = value_start(text, key);
  return text.substr(start, text.find('\n', start) - start);
}

// Every domain decrypted by every owner equals the expected secrets;
// owners, custodians and the audit log match. Skips hard custodians unless
// asked (an Argon2id derivation at 256 MiB each).
void check_golden(const std::string& name) {
  const std::string text = pprotect::tests::read_fixture(name + ".yaml");
  const auto expected = nlohmann::json::parse(pprotect::tests::read_fixture(name + ".expected.json"));
  const KeyFile file = KeyFile::parse(text, name + ".yaml");

  std::vector<std::string> audit = expected["audit_log"].get<std::vector<std::string>>();
  CHECK(file.audit_log() == audit);

  std::vector<std::string> custodians;
  for (const auto& [custodian, info] : expected["custodians"].items()) {
    custodians.push_back(custodian);
    CHECK(pprotect::store::key_type_name(file.key_type_of(custodian)) == info["key_type"].get<std::string>());
  }
  CHECK(file.custodian_names() == custodians);

  std::vector<std::string> domains;
  for (const auto& [domain, info] : expected["domains"].items()) {
    domains.push_back(domain);
    CHECK(file.owner_names(domain) == info["owners"].get<std::vector<std::string>>());
  }
  CHECK(file.domain_names() == domains);

  for (const auto& [custodian, info] : expected["custodians"].items()) {
    const auto who = file.unlock(custodian, info["passphrase"].get<std::string>());
    const auto owned = file.domains_owned_by(custodian);
    for (const auto& domain : owned) {
      INFO(name << ": " << domain << " as " << custodian);
      std::map<std::string, std::string> want;
      for (const auto& [secret, value] : expected["domains"][domain]["secrets"].items()) {
        want.emplace(secret, value.get<std::string>());
      }
      CHECK(file.secret_names(domain).size() == want.size());
      CHECK(decrypted(file, domain, who) == want);
    }
  }
}

} // namespace

// The reference's files in each layout: tests/fixtures (ruamel.yaml
// 0.17.21) and the folders of the same recipes under 0.18.10 and 0.19.1.
const std::vector<std::string> k_fixture_folders = {"", "ruamel-0.18.10/", "ruamel-0.19.1/"};

TEST_CASE("Every fixture of every layout decrypts to its expected secrets for every owner") {
  for (const auto& folder : k_fixture_folders) {
    for (const std::string name : {"fast", "raw", "multi-owner", "quoting"}) {
      INFO(folder << name);
      check_golden(folder + name);
    }
  }
}

TEST_CASE("The hard fixture of every layout decrypts with one Argon2id derivation") {
  for (const auto& folder : k_fixture_folders) {
    const auto before = crypto::argon2_derivation_count();
    check_golden(folder + "hard");
    CHECK(crypto::argon2_derivation_count() == before + 1);
  }
}

TEST_CASE("A loaded fixture of every layout emits the bytes it was read from") {
  for (const auto& folder : k_fixture_folders) {
    for (const std::string name : {"fast", "raw", "multi-owner", "quoting", "hard"}) {
      INFO(folder << name);
      const std::string text = pprotect::tests::read_fixture(folder + name + ".yaml");
      CHECK(KeyFile::parse(text, name).emit() == text);
    }
  }
}

TEST_CASE("A new file's audit log starts with created, in the newest layout") {
  const KeyFile file = KeyFile::create(fixed_clock());
  CHECK(file.layout() == pprotect::store::YamlLayout::c);
  CHECK(file.audit_log() == std::vector<std::string>{k_stamp + "created"});
  CHECK(file.domain_names().empty());
  CHECK(file.custodian_names().empty());
}

TEST_CASE("Key types have names") {
  CHECK(pprotect::store::parse_key_type("hard") == KeyType::hard);
  CHECK(pprotect::store::parse_key_type("fast") == KeyType::fast);
  CHECK(pprotect::store::parse_key_type("raw") == KeyType::raw);
  CHECK(pprotect::store::key_type_name(KeyType::fast) == "fast");
  CHECK_THROWS_AS(pprotect::store::parse_key_type("Hard"), StoreError);
  const auto generated = pprotect::store::generate_raw_passphrase();
  CHECK(crypto::is_raw_passphrase(generated.view()));
  CHECK_FALSE(generated.equals(pprotect::store::generate_raw_passphrase().view()));
}

TEST_CASE("Adding key custodians writes their kind and audit entry") {
  KeyFile file = KeyFile::create(fixed_clock());
  file.add_key_custodian(k_alice, "alice pass", KeyType::fast);
  CHECK(last_entry(file) == k_stamp + "created key custodian " + k_alice);
  CHECK(file.key_type_of(k_alice) == KeyType::fast);
  file.add_key_custodian("ci", raw_passphrase('c'), KeyType::raw);
  CHECK(last_entry(file) == k_stamp + "created raw-key custodian ci");
  CHECK(file.key_type_of("ci") == KeyType::raw);
  CHECK(file.custodian_names() == std::vector<std::string>{k_alice, "ci"});

  CHECK_THROWS_WITH(file.add_key_custodian(k_alice, "x", KeyType::raw),
                    "tried to add key custodian that already exists: " + k_alice);
  CHECK_THROWS_AS(file.add_key_custodian("", "x", KeyType::fast), StoreError);
  CHECK_THROWS_AS(file.add_key_custodian("d", "not a raw key", KeyType::raw), StoreError);
  CHECK(file.audit_log().size() == 3);
}

TEST_CASE("Unlocking checks the passphrase against the stored public key") {
  KeyFile file = KeyFile::create(fixed_clock());
  file.add_key_custodian(k_alice, "alice pass", KeyType::fast);
  const auto before = crypto::argon2_derivation_count();
  const auto who = file.unlock(k_alice, "alice pass");
  CHECK(crypto::argon2_derivation_count() == before + 1);
  CHECK(who.name == k_alice);
  CHECK(who.secret_key.size() == 32);
  CHECK(who.public_key.size() == 32);
  CHECK_THROWS_AS(file.unlock(k_alice, "alice pasS"), CredentialError);
  CHECK_THROWS_AS(file.unlock(k_alice, ""), CredentialError);
  CHECK_THROWS_AS(file.unlock("mallory", "alice pass"), CredentialError);
}

TEST_CASE("A key derived before unlocks its custodian without a derivation") {
  KeyFile file = KeyFile::create(fixed_clock());
  file.add_key_custodian(k_alice, "alice pass", KeyType::fast);
  file.add_domain("prod", k_alice);
  file.add_secret("prod", "db-pass", "hunter2");
  const auto derived = file.unlock(k_alice, "alice pass");
  const auto before = crypto::argon2_derivation_count();
  const auto who = file.unlock_with_key(k_alice, SecureBuffer::copy_of(derived.secret_key.view()));
  CHECK(crypto::argon2_derivation_count() == before);
  CHECK(who.name == k_alice);
  CHECK(who.public_key == derived.public_key);
  CHECK(decrypted(file, "prod", who).at("db-pass") == "hunter2");
}

TEST_CASE("A key that is not the custodian's does not unlock it") {
  KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  const auto bob = file.unlock(k_bob, k_bob_pass);
  // bob's key for alice, a key of the wrong size, an unknown custodian.
  CHECK_THROWS_AS(file.unlock_with_key(k_alice, SecureBuffer::copy_of(bob.secret_key.view())),
                  CredentialError);
  CHECK_THROWS_AS(file.unlock_with_key(k_alice, SecureBuffer::copy_of(alice.secret_key.view().substr(0, 31))),
                  CredentialError);
  CHECK_THROWS_AS(file.unlock_with_key("mallory", SecureBuffer::copy_of(alice.secret_key.view())),
                  CredentialError);
  // After a passphrase change (a new key pair) the old key is refused.
  file.set_key_custodian_passphrase(alice, "new pass");
  CHECK_THROWS_AS(file.unlock_with_key(k_alice, SecureBuffer::copy_of(alice.secret_key.view())),
                  CredentialError);
}

namespace {

// A file whose custodian "mallory@example.com" has a v1 record with the
// given Argon2id limits, valid for passphrase "mallory pass".
KeyFile file_with_limits(std::uint32_t opslimit, std::uint32_t memlimit, bool derive_public_key) {
  KeyFile base = sample_file();
  crypto::Pwdkm record;
  record.kind = KeyType::fast;
  record.opslimit = opslimit;
  record.memlimit = memlimit;
  record.salt = std::string(crypto::k_salt_size, 's');
  record.public_key = std::string(crypto::k_key_size, 'k');
  if (derive_public_key) {
    record.public_key =
        crypto::public_key_of(crypto::derive_secret_key(record, "mallory@example.com", "mallory pass"));
  }
  pprotect::store::FileData data = base.data();
  data.custodians["mallory@example.com"] = crypto::encode_pwdkm(record);
  return KeyFile::parse(pprotect::store::emit_protected_yaml(data, pprotect::store::YamlLayout::c),
                        "hostile.yaml", fixed_clock());
}

} // namespace

TEST_CASE(
    "A custodian record asking for more Argon2id cost than the reference writes is refused before deriving") {
  struct Limits {
    std::uint32_t opslimit;
    std::uint32_t memlimit;
  };
  for (const Limits limits : {Limits{0xFFFFFFFFU, 67108864U}, Limits{2U, 0xFFFFFFFFU},
                              Limits{5U, 8192U * 1024U}, Limits{4U, 268435456U + 1024U}}) {
    CAPTURE(limits.opslimit, limits.memlimit);
    const KeyFile file = file_with_limits(limits.opslimit, limits.memlimit, false);
    const auto before = crypto::argon2_derivation_count();
    try {
      (void)file.unlock("mallory@example.com", "mallory pass");
      FAIL("unlocked");
    } catch (const CredentialError&) {
      FAIL("refused as bad credentials, which hides the cause");
    } catch (const StoreError& error) {
      const std::string message = error.what();
      CHECK(message.find("'mallory@example.com'") != std::string::npos);
      CHECK(message.find("--allow-expensive-kdf") != std::string::npos);
      CHECK(message.find('\n') == std::string::npos);
    }
    CHECK(crypto::argon2_derivation_count() == before);
    // Other custodians of the same file are not affected.
    CHECK(file.unlock(k_alice, k_alice_pass).name == k_alice);
  }
}

TEST_CASE("The strongest limits the reference writes are accepted, and allow accepts more") {
  // A hard custodian's own limits stored in a v1 record: not beyond the bound.
  CHECK_FALSE(crypto::exceeds_reference_cost(
      crypto::Pwdkm{KeyType::fast, crypto::k_hard_opslimit, crypto::k_hard_memlimit, {}, {}}));
  CHECK(crypto::exceeds_reference_cost(
      crypto::Pwdkm{KeyType::fast, crypto::k_hard_opslimit + 1, crypto::k_fast_memlimit, {}, {}}));
  // Opslimit 5 with 8 MiB is cheap to run here but beyond the bound.
  const KeyFile file = file_with_limits(5, 8192U * 1024U, true);
  CHECK_THROWS_AS(file.unlock("mallory@example.com", "mallory pass"), StoreError);
  const auto before = crypto::argon2_derivation_count();
  const auto who = file.unlock("mallory@example.com", "mallory pass", pprotect::store::ExpensiveKdf::allow);
  CHECK(who.name == "mallory@example.com");
  CHECK(crypto::argon2_derivation_count() == before + 1);
  CHECK_THROWS_AS(file.unlock("mallory@example.com", "wrong", pprotect::store::ExpensiveKdf::allow),
                  CredentialError);
}

TEST_CASE("A wrong passphrase on a fixture is a credential error") {
  const KeyFile file = KeyFile::parse(pprotect::tests::read_fixture("raw.yaml"), "raw.yaml");
  CHECK_THROWS_AS(file.unlock("ci@example.com", raw_passphrase('0')), CredentialError);
  CHECK_THROWS_AS(file.unlock("alice@example.com", "alice passphrase "), CredentialError);
}

TEST_CASE("Adding a domain seals its key to the owner") {
  KeyFile file = sample_file();
  CHECK(file.has_domain("prod"));
  CHECK(file.audit_log()[3] == k_stamp + "created domain prod with owner " + k_alice);
  CHECK(file.owner_names("prod") == std::vector<std::string>{k_alice});
  const auto alice = file.unlock(k_alice, k_alice_pass);
  CHECK(decrypted(file, "prod", alice).at("db-pass") == "hunter2");
  const auto bob = file.unlock(k_bob, k_bob_pass);
  CHECK_THROWS_WITH(file.decrypt_domain("prod", bob), k_bob + " is not an owner of prod");
}

TEST_CASE("Domain names that would clobber the file are refused") {
  KeyFile file = sample_file();
  const auto size = file.audit_log().size();
  CHECK_THROWS_AS(file.add_domain("", k_alice), StoreError);
  CHECK_THROWS_WITH(file.add_domain("key-custodians", k_alice), Catch::Contains("reserved"));
  CHECK_THROWS_WITH(file.add_domain("audit-log", k_alice), Catch::Contains("reserved"));
  CHECK_THROWS_AS(file.add_domain("meta", k_alice), StoreError);
  CHECK_THROWS_WITH(file.add_domain("prod", k_alice), "tried to add domain that already exists: prod");
  CHECK_THROWS_WITH(file.add_domain("dev", "mallory"),
                    Catch::StartsWith("no key custodian of name mallory (known key custodians are "));
  CHECK(file.audit_log().size() == size);
  CHECK(file.domain_names() == std::vector<std::string>{"prod"});
}

TEST_CASE("Removing a domain drops it and logs it") {
  KeyFile file = sample_file();
  file.remove_domain("prod");
  CHECK_FALSE(file.has_domain("prod"));
  CHECK(last_entry(file) == k_stamp + "deleted domain prod");
  CHECK_THROWS_WITH(file.remove_domain("prod"), "no domain of name prod (known domains are )");
}

TEST_CASE("Secrets are added, updated, set and removed with their audit entries") {
  KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  CHECK(file.audit_log()[4] == k_stamp + "added secret db-pass in prod");
  file.update_secret("prod", "db-pass", "new value");
  CHECK(last_entry(file) == k_stamp + "updated secret db-pass in prod");
  const std::string binary("line1\nline2\0tail", 16);
  file.set_secret("prod", "blob", binary);
  CHECK(last_entry(file) == k_stamp + "set secret blob in prod");
  file.set_secret("prod", "blob", "again");
  auto values = decrypted(file, "prod", alice);
  CHECK(values.at("db-pass") == "new value");
  CHECK(values.at("blob") == "again");
  file.set_secret("prod", "empty", "");
  CHECK(decrypted(file, "prod", alice).at("empty").empty());
  file.set_secret("prod", "bin", binary);
  CHECK(decrypted(file, "prod", alice).at("bin") == binary);

  file.remove_secret("prod", "blob");
  CHECK(last_entry(file) == k_stamp + "removed secret blob from prod");
  CHECK(file.secret_names("prod") == std::vector<std::string>{"bin", "db-pass", "empty", "tls-key"});

  const auto size = file.audit_log().size();
  CHECK_THROWS_WITH(file.add_secret("prod", "db-pass", "x"), "secret db-pass already exists in prod");
  CHECK_THROWS_WITH(file.update_secret("prod", "nope", "x"),
                    "no secret of name nope (known secrets are bin, db-pass, empty, tls-key)");
  CHECK_THROWS_WITH(file.remove_secret("prod", "nope"), "no secret named 'nope' in domain 'prod'");
  CHECK_THROWS_WITH(file.add_secret("dev", "a", "x"), "no domain of name dev (known domains are prod)");
  for (const std::string bad : {"", "1abc", "-x", "a b", "a.b", "é", "a$"}) {
    INFO(bad);
    CHECK_THROWS_WITH(file.set_secret("prod", bad, "x"), Catch::StartsWith("invalid secret name"));
  }
  CHECK_NOTHROW(file.set_secret("prod", "A-_9z", "x"));
  CHECK(file.audit_log().size() == size + 1);
}

TEST_CASE("Error messages never hold a secret value") {
  KeyFile file = sample_file();
  const std::string value = "TOPSECRET-VALUE";
  const auto message_of = [](const std::function<void()>& operation) {
    try {
      operation();
    } catch (const StoreError& error) {
      return std::string(error.what());
    }
    FAIL("expected an error");
    return std::string();
  };
  const std::vector<std::function<void()>> failing = {
      [&] { file.add_secret("prod", "db-pass", value); },     // exists
      [&] { file.update_secret("prod", "missing", value); },  // missing secret
      [&] { file.add_secret("prod", "1bad name", value); },   // invalid name
      [&] { file.set_secret("no-such-domain", "x", value); }, // missing domain
      [&] { file.add_secret("no-such-domain", "x", value); },
      [&] { file.add_key_custodian("", value, KeyType::fast); }, // a passphrase, not a secret, but same rule
      [&] { file.add_key_custodian(k_alice, value, KeyType::fast); },
  };
  for (const auto& operation : failing) {
    const std::string message = message_of(operation);
    CHECK_FALSE(message.empty());
    CHECK(message.find("TOPSECRET") == std::string::npos);
  }
}

TEST_CASE("An added owner can decrypt the domain") {
  KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  const auto bob = file.unlock(k_bob, k_bob_pass);
  file.add_owner("prod", k_bob, alice);
  CHECK(last_entry(file) == k_stamp + k_alice + " added owner " + k_bob + " to prod");
  CHECK(file.owner_names("prod") == std::vector<std::string>{k_alice, k_bob});
  CHECK(decrypted(file, "prod", bob) == decrypted(file, "prod", alice));

  file.add_domain("dev", k_alice);
  CHECK_THROWS_WITH(file.add_owner("dev", k_alice, bob),
                    "no owner of name " + k_bob + " (known owners are " + k_alice + ")");
  CHECK_THROWS_WITH(file.add_owner("dev", "mallory", alice),
                    Catch::StartsWith("no key custodian of name mallory (known key custodians are "));
  CHECK_THROWS_WITH(file.add_owner("qa", k_bob, alice), "no domain of name qa (known domains are dev, prod)");
}

TEST_CASE("Removing an owner keeps at least one") {
  KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  file.add_owner("prod", k_bob, alice);
  file.remove_owner("prod", k_alice);
  CHECK(last_entry(file) == k_stamp + "removed owner " + k_alice + " from prod");
  CHECK(file.owner_names("prod") == std::vector<std::string>{k_bob});
  CHECK_THROWS_WITH(file.remove_owner("prod", k_bob),
                    "cannot delete last owner " + k_bob + " from prod (secrets would be irretrievable)");
  CHECK_THROWS_WITH(file.remove_owner("prod", k_alice),
                    k_alice + " not an owner of prod (owners are " + k_bob + ")");
  CHECK_THROWS_AS(file.decrypt_domain("prod", alice), StoreError);
  CHECK(file.owner_names("prod") == std::vector<std::string>{k_bob});
}

TEST_CASE("Removing a key custodian drops its ownerships") {
  KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  file.add_domain("dev", k_alice);
  file.add_domain("ci", k_bob);
  file.add_owner("prod", k_bob, alice);
  file.add_owner("dev", k_bob, alice);
  file.remove_key_custodian(k_alice);
  CHECK(last_entry(file) == k_stamp + "removed key custodian " + k_alice + " (was owner of dev, prod)");
  CHECK_FALSE(file.has_custodian(k_alice));
  CHECK(file.owner_names("prod") == std::vector<std::string>{k_bob});
  CHECK(file.owner_names("dev") == std::vector<std::string>{k_bob});

  file.add_key_custodian("carol", raw_passphrase('c'), KeyType::raw);
  file.remove_key_custodian("carol");
  CHECK(last_entry(file) == k_stamp + "removed key custodian carol (was owner of )");
  CHECK_THROWS_WITH(file.remove_key_custodian("carol"), "no key custodian named 'carol'");
}

TEST_CASE("The last owner of a domain cannot be removed as a custodian") {
  KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  file.add_domain("dev", k_alice);
  file.add_owner("prod", k_bob, alice);
  const std::string before = file.emit();
  CHECK_THROWS_WITH(file.remove_key_custodian(k_alice),
                    "cannot delete last owner " + k_alice + " from dev (secrets would be irretrievable)");
  // Nothing changed, not even prod's ownership.
  CHECK(file.emit() == before);
}

TEST_CASE("Changing a passphrase re-seals every owned domain and keeps the kind") {
  KeyFile file = KeyFile::create(fixed_clock());
  file.add_key_custodian(k_alice, "old pass", KeyType::fast);
  file.add_key_custodian(k_bob, k_bob_pass, KeyType::raw);
  file.add_domain("prod", k_alice);
  file.add_domain("dev", k_alice);
  file.add_domain("bob-only", k_bob);
  file.set_secret("prod", "a", "1");
  file.set_secret("dev", "b", "2");
  const auto alice = file.unlock(k_alice, "old pass");
  file.set_key_custodian_passphrase(alice, "new pass");
  CHECK(last_entry(file) ==
        k_stamp + "updated key custodian passphrase for " + k_alice + " (updated domains -> dev, prod)");
  CHECK(file.key_type_of(k_alice) == KeyType::fast);
  CHECK_THROWS_AS(file.unlock(k_alice, "old pass"), CredentialError);
  const auto again = file.unlock(k_alice, "new pass");
  CHECK(decrypted(file, "prod", again).at("a") == "1");
  CHECK(decrypted(file, "dev", again).at("b") == "2");
  // The old unlocked credentials no longer match the file.
  CHECK_THROWS_AS(file.decrypt_domain("prod", alice), CredentialError);
}

TEST_CASE("Names with a Unicode line break are refused: they would not read back the same") {
  KeyFile file = sample_file();
  const std::string before = file.emit();
  for (const std::string name : {"n\xC2\x85x", "ls\xE2\x80\xA8x", "ps\xE2\x80\xA9x"}) {
    CHECK_THROWS_WITH(file.add_key_custodian(name, "pass phrase", KeyType::fast),
                      Catch::Contains("Unicode line break"));
    CHECK_THROWS_WITH(file.add_domain(name, k_alice), Catch::Contains("Unicode line break"));
  }
  CHECK(file.emit() == before);
  // Escaped control characters and other non-ASCII text read back the same.
  file.add_domain("caf\xC3\xA9 \xE2\x80\x94 prod", k_alice);
  file.add_domain("a\nb", k_alice);
  const KeyFile again = KeyFile::parse(file.emit(), "t.yaml");
  CHECK(again.has_domain("caf\xC3\xA9 \xE2\x80\x94 prod"));
  CHECK(again.has_domain("a\nb"));
}

TEST_CASE("Rekeying with credentials that no longer match the file is refused") {
  KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  // Another writer changed the passphrase between our read and our write.
  file.set_key_custodian_passphrase(file.unlock(k_alice, k_alice_pass), "changed elsewhere");
  const std::string before = file.emit();
  CHECK_THROWS_AS(file.rekey_custodian(alice, "mine", KeyType::fast), CredentialError);
  CHECK(file.emit() == before);
  CHECK_NOTHROW(file.unlock(k_alice, "changed elsewhere"));
}

TEST_CASE("Rekeying switches the key kind and only the new passphrase unlocks") {
  KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  const auto want = decrypted(file, "prod", alice);

  file.rekey_custodian(alice, "fast pass", KeyType::fast);
  CHECK(last_entry(file) == k_stamp + "rekeyed custodian for " + k_alice + " (updated domains -> prod)");
  CHECK(file.key_type_of(k_alice) == KeyType::fast);
  CHECK_THROWS_AS(file.unlock(k_alice, k_alice_pass), CredentialError);
  const auto fast = file.unlock(k_alice, "fast pass");
  CHECK(decrypted(file, "prod", fast) == want);

  const std::string new_raw = raw_passphrase('e');
  CHECK_THROWS_AS(file.rekey_custodian(fast, "not raw", KeyType::raw), StoreError);
  file.rekey_custodian(fast, new_raw, KeyType::raw);
  CHECK(file.key_type_of(k_alice) == KeyType::raw);
  CHECK_THROWS_AS(file.unlock(k_alice, "fast pass"), CredentialError);
  const auto raw = file.unlock(k_alice, new_raw);
  CHECK(decrypted(file, "prod", raw) == want);

  file.rekey_custodian(raw, "hard pass", KeyType::hard);
  CHECK(file.key_type_of(k_alice) == KeyType::hard);
  const std::string pwdkm = file.data().custodians.at(k_alice);
  CHECK(crypto::base64_decode(pwdkm, "x")[0] == '\0');
  CHECK_THROWS_AS(file.unlock(k_alice, new_raw), CredentialError);
  const auto hard = file.unlock(k_alice, "hard pass");
  CHECK(decrypted(file, "prod", hard) == want);
}

TEST_CASE("A raw custodian's chosen new passphrase makes it a hard one") {
  KeyFile file = sample_file();
  const auto bob = file.unlock(k_bob, k_bob_pass);
  file.set_key_custodian_passphrase(bob, "chosen");
  CHECK(file.key_type_of(k_bob) == KeyType::hard);
  CHECK(last_entry(file) ==
        k_stamp + "updated key custodian passphrase for " + k_bob + " (updated domains -> )");
}

TEST_CASE("Rotating a domain key re-seals every secret and every owner") {
  KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  const auto bob = file.unlock(k_bob, k_bob_pass);
  file.add_owner("prod", k_bob, alice);
  const auto want = decrypted(file, "prod", alice);
  const auto old_domain = file.data().domains.at("prod");

  file.rotate_domain_key("prod", bob);
  CHECK(last_entry(file) == k_stamp + "rotated key for domain prod");
  const auto& rotated = file.data().domains.at("prod");
  CHECK(rotated.public_key != old_domain.public_key);
  for (const auto& [name, value] : rotated.secrets) {
    CHECK(value != old_domain.secrets.at(name));
  }
  CHECK(rotated.owners.at(k_alice) != old_domain.owners.at(k_alice));
  CHECK(decrypted(file, "prod", alice) == want);
  CHECK(decrypted(file, "prod", bob) == want);
  // The old domain key opens nothing any more.
  const KeyFile stale =
      KeyFile::parse(replace_value(file.emit(), k_alice, old_domain.owners.at(k_alice)), "p");
  CHECK_THROWS_AS(stale.decrypt_domain("prod", alice), StoreError);

  file.add_key_custodian("carol", raw_passphrase('c'), KeyType::raw);
  const auto carol = file.unlock("carol", raw_passphrase('c'));
  CHECK_THROWS_WITH(file.rotate_domain_key("prod", carol), "carol is not an owner of prod");
}

namespace {

// sample_file() with prod's meta.public-key replaced by a key of someone
// else's keypair (whose private half `attacker` holds).
KeyFile with_replaced_public_key(crypto::BoxKeypair& attacker) {
  attacker = crypto::generate_box_keypair();
  pprotect::store::FileData data = sample_file().data();
  data.domains.at("prod").public_key = crypto::encode_field(attacker.public_key);
  return KeyFile::parse(pprotect::store::emit_protected_yaml(data, pprotect::store::YamlLayout::c),
                        "tampered.yaml", fixed_clock());
}

} // namespace

TEST_CASE("A replaced domain public key is refused by every command that opens the domain's key") {
  crypto::BoxKeypair attacker;
  KeyFile file = with_replaced_public_key(attacker);
  const auto alice = file.unlock(k_alice, k_alice_pass);
  const std::string why = "the public-key of domain 'prod' is not the one of its private key";
  CHECK_THROWS_WITH(file.decrypt_domain("prod", alice), Catch::Contains(why));
  CHECK_THROWS_WITH(file.add_owner("prod", k_bob, alice), Catch::Contains(why));
  CHECK_THROWS_WITH(file.set_key_custodian_passphrase(alice, raw_passphrase('d')), Catch::Contains(why));
  CHECK_THROWS_WITH(file.rekey_custodian(alice, raw_passphrase('d'), KeyType::raw), Catch::Contains(why));
  // Nothing changed on the way.
  CHECK(file.data().domains.at("prod").owners.size() == 1);
  CHECK(file.unlock(k_alice, k_alice_pass).name == k_alice);
}

TEST_CASE("Rotating the domain key repairs a replaced public key") {
  crypto::BoxKeypair attacker;
  KeyFile file = with_replaced_public_key(attacker);
  const auto alice = file.unlock(k_alice, k_alice_pass);
  file.rotate_domain_key("prod", alice);
  CHECK(decrypted(file, "prod", alice) ==
        std::map<std::string, std::string>{{"db-pass", "hunter2"},
                                           {"tls-key", "-----BEGIN KEY-----\nabc\n-----END KEY-----\n"}});
  file.add_secret("prod", "later", "sealed to the real key");
  CHECK(decrypted(file, "prod", alice).at("later") == "sealed to the real key");
}

TEST_CASE(
    "A secret sealed to a replaced public key is named when rotating, and rotation works once it is gone") {
  crypto::BoxKeypair attacker;
  KeyFile file = with_replaced_public_key(attacker);
  const auto alice = file.unlock(k_alice, k_alice_pass);
  // add-secret needs no credentials: it seals to whatever key the file holds.
  file.add_secret("prod", "NEW_TOKEN", "only the attacker can read this");
  const auto sealed = crypto::decode_field(file.data().domains.at("prod").secrets.at("NEW_TOKEN"), "t");
  CHECK(crypto::seal_open(sealed, attacker.public_key, attacker.secret_key, "t").view() ==
        "only the attacker can read this");
  CHECK_THROWS_WITH(file.rotate_domain_key("prod", alice),
                    Catch::Contains("NEW_TOKEN were sealed to that key") && Catch::Contains("rm-secret"));
  file.remove_secret("prod", "NEW_TOKEN");
  file.rotate_domain_key("prod", alice);
  CHECK(decrypted(file, "prod", alice).size() == 2);
}

TEST_CASE("Truncating the audit log keeps the newest entries") {
  KeyFile file = sample_file();
  auto log = file.audit_log();
  REQUIRE(log.size() == 6);
  file.truncate_audit_log(10);
  CHECK(file.audit_log() == log);
  file.truncate_audit_log(2);
  CHECK(file.audit_log() == std::vector<std::string>{"truncated 4 audit log entries", log[4], log[5]});
  file.truncate_audit_log(3);
  CHECK(file.audit_log().front() == "truncated 0 audit log entries");
  CHECK(file.audit_log().size() == 4);
  file.truncate_audit_log(0);
  CHECK(file.audit_log() == std::vector<std::string>{"truncated 4 audit log entries"});
}

TEST_CASE("Queries on a missing domain say which") {
  const KeyFile file = sample_file();
  const auto alice = file.unlock(k_alice, k_alice_pass);
  CHECK_THROWS_WITH(file.secret_names("qa"), "no domain of name qa (known domains are prod)");
  CHECK_THROWS_WITH(file.owner_names("qa"), "no domain of name qa (known domains are prod)");
  CHECK_THROWS_WITH(file.decrypt_domain("qa", alice), "no domain of name qa (known domains are prod)");
  CHECK(file.domains_owned_by(k_alice) == std::vector<std::string>{"prod"});
  CHECK(file.domains_owned_by(k_bob).empty());
}

TEST_CASE("Loading refuses an unknown version byte, naming the field") {
  const std::string text = pprotect::tests::read_fixture("multi-owner.yaml");
  const std::string secret = field_of(text, "secret-greeting");
  std::string raw = crypto::base64_decode(secret, "x");
  raw[0] = '\x07';
  const std::string bad = replace_value(text, "secret-greeting", crypto::base64_encode(raw));
  CHECK_THROWS_WITH(KeyFile::parse(bad, "p.yaml"),
                    Catch::Contains("unsupported version byte 0x07 in secret 'greeting' of domain 'prod'"));

  std::string pwdkm = crypto::base64_decode(field_of(text, "pwdkm"), "x");
  pwdkm[0] = '\x05';
  CHECK_THROWS_WITH(
      KeyFile::parse(replace_value(text, "pwdkm", crypto::base64_encode(pwdkm)), "p.yaml"),
      Catch::Contains("unsupported version byte 0x05 in pwdkm of key custodian 'alice@example.com'"));
}

TEST_CASE("Loading refuses truncated and over-long payloads") {
  const std::string text = pprotect::tests::read_fixture("multi-owner.yaml");
  const std::string raw = crypto::base64_decode(field_of(text, "secret-greeting"), "x");
  CHECK_THROWS_WITH(
      KeyFile::parse(replace_value(text, "secret-greeting", crypto::base64_encode(raw.substr(0, 30))), "p"),
      Catch::Contains("truncated ciphertext in secret 'greeting' of domain 'prod'"));
  const std::string owner = crypto::base64_decode(field_of(text, "alice@example.com"), "x");
  CHECK_THROWS_WITH(
      KeyFile::parse(replace_value(text, "alice@example.com", crypto::base64_encode(owner + "x")), "p"),
      Catch::Contains("over-long owner entry of 'alice@example.com' in domain 'dev'"));
  const std::string key = crypto::base64_decode(field_of(text, "public-key"), "x");
  CHECK_THROWS_WITH(
      KeyFile::parse(replace_value(text, "public-key", crypto::base64_encode(key.substr(0, 20))), "p"),
      Catch::Contains("public-key of domain 'dev'"));
}

TEST_CASE("Loading refuses bad base64, naming the field") {
  const std::string text = pprotect::tests::read_fixture("multi-owner.yaml");
  CHECK_THROWS_WITH(KeyFile::parse(replace_value(text, "secret-greeting", "AA2mD/uVN/H0hkAk!!"), "p.yaml"),
                    Catch::Contains("p.yaml") &&
                        Catch::Contains("invalid base64 in secret 'greeting' of domain 'prod'"));
}

TEST_CASE("A corrupted ciphertext fails to decrypt, naming the secret") {
  const std::string text = pprotect::tests::read_fixture("raw.yaml");
  std::string raw = crypto::base64_decode(field_of(text, "secret-DEPLOY_TOKEN"), "x");
  raw[60] = static_cast<char>(raw[60] ^ 0x55);
  const KeyFile file =
      KeyFile::parse(replace_value(text, "secret-DEPLOY_TOKEN", crypto::base64_encode(raw)), "p");
  const auto ci =
      file.unlock("ci@example.com", "P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P");
  CHECK_THROWS_WITH(file.decrypt_domain("ci", ci),
                    Catch::Contains("cannot decrypt secret 'DEPLOY_TOKEN' of domain 'ci'"));
}

TEST_CASE("What we write the reference can read: fields keep their layout") {
  KeyFile file = sample_file();
  file.add_key_custodian("fast@x", "p", KeyType::fast);
  const auto& data = file.data();
  CHECK(crypto::base64_decode(data.custodians.at(k_alice), "x").size() == 41);
  CHECK(crypto::base64_decode(data.custodians.at(k_alice), "x")[0] == '\x02');
  const std::string fast = crypto::base64_decode(data.custodians.at("fast@x"), "x");
  CHECK(fast.size() == 49);
  CHECK(fast.substr(0, 9) == std::string("\x01\x02\x00\x00\x00\x00\x00\x00\x04", 9));
  const auto& prod = data.domains.at("prod");
  CHECK(crypto::base64_decode(prod.public_key, "x").size() == 33);
  CHECK(crypto::base64_decode(prod.owners.at(k_alice), "x").size() == 81);
  CHECK(crypto::base64_decode(prod.secrets.at("db-pass"), "x").size() == 1 + 48 + 7);
  // And it reads back.
  const KeyFile back = KeyFile::parse(file.emit(), "p");
  CHECK(back.audit_log() == file.audit_log());
  const auto alice = back.unlock(k_alice, k_alice_pass);
  CHECK(decrypted(back, "prod", alice).at("db-pass") == "hunter2");
}

// std::string appends rather than operator+: GCC 12 at -O3 warns
// (-Wrestrict, a known false positive) on "literal" + std::to_string().
std::string numbered(const char* prefix, int i) {
  return std::string(prefix).append(std::to_string(i));
}

TEST_CASE("A big domain decrypts in full, and one corrupted secret fails it") {
  KeyFile file = sample_file();
  for (int i = 0; i < 300; ++i) {
    file.set_secret("prod", numbered("S", i), numbered("value ", i));
  }
  const auto alice = file.unlock(k_alice, k_alice_pass);
  const auto values = decrypted(file, "prod", alice);
  REQUIRE(values.size() == 302);
  for (int i = 0; i < 300; ++i) {
    CHECK(values.at(numbered("S", i)) == numbered("value ", i));
  }
  const std::string text = file.emit();
  std::string raw = crypto::base64_decode(field_of(text, "secret-S250"), "x");
  raw[50] = static_cast<char>(raw[50] ^ 1);
  const KeyFile bad = KeyFile::parse(replace_value(text, "secret-S250", crypto::base64_encode(raw)), "p");
  CHECK_THROWS_WITH(bad.decrypt_domain("prod", alice),
                    Catch::Contains("cannot decrypt secret 'S250' of domain 'prod'"));
}

namespace {

// The texts of an audit log, without timestamps.
std::vector<std::string> audit_texts(const std::vector<std::string>& log) {
  std::vector<std::string> texts;
  for (const auto& entry : log) {
    const auto at = entry.find(" -- ");
    texts.push_back(at == std::string::npos ? entry : entry.substr(at + 4));
  }
  return texts;
}

// An emitted file with everything random or time-dependent masked.
std::string masked(const std::string& text) {
  static const std::regex base64_value(R"(: (\n +)?[A-Za-z0-9+/]{20,}={0,2}\n)");
  static const std::regex timestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  return std::regex_replace(std::regex_replace(text, base64_value, ": $1<base64>\n"), timestamp,
                            "YYYY-MM-DDTHH:MM:SSZ");
}

// Replays the operations of a fixture's history through KeyFile and checks
// that the audit log and every non-random line come out as the reference
// wrote them.
void check_replay(const std::string& name, const std::function<void(KeyFile&)>& history) {
  const std::string text = pprotect::tests::read_fixture(name + ".yaml");
  const KeyFile reference = KeyFile::parse(text, name);
  KeyFile ours = KeyFile::create(fixed_clock());
  ours.set_layout(reference.layout());
  history(ours);
  CHECK(audit_texts(ours.audit_log()) == audit_texts(reference.audit_log()));
  CHECK(masked(ours.emit()) == masked(text));
}

const std::map<std::string, std::string>& prod_values() {
  static const std::map<std::string, std::string> values = [] {
    std::map<std::string, std::string> out;
    const auto expected = nlohmann::json::parse(pprotect::tests::read_fixture("fast.expected.json"));
    for (const auto& [secret, value] : expected["domains"]["prod"]["secrets"].items()) {
      out.emplace(secret, value.get<std::string>());
    }
    return out;
  }();
  return values;
}

// The history fast.yaml was made with (values of dev do not matter here).
void fast_history(KeyFile& file) {
  file.add_key_custodian(k_alice, "alice passphrase", KeyType::fast);
  file.add_domain("dev", k_alice);
  file.add_domain("prod", k_alice);
  file.add_secret("dev", "db-pass", "dev value");
  file.add_secret("dev", "API_KEY", "key value");
  for (const std::string secret : {"db-pass", "tls-key", "greeting", "empty"}) {
    file.add_secret("prod", secret, prod_values().at(secret));
  }
}

} // namespace

TEST_CASE("Replaying a fixture's history writes the reference's audit log and layout") {
  for (const auto& folder : k_fixture_folders) {
    INFO(folder);
    check_replay(folder + "fast", fast_history);
    check_replay(folder + "raw", [](KeyFile& file) {
      fast_history(file);
      const std::string ci_pass = "P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P";
      file.add_key_custodian("ci@example.com", ci_pass, KeyType::raw);
      file.add_domain("ci", "ci@example.com");
      file.add_secret("ci", "DEPLOY_TOKEN", "token value");
      file.add_owner("dev", "ci@example.com", file.unlock(k_alice, "alice passphrase"));
    });
    check_replay(folder + "multi-owner", [](KeyFile& file) {
      fast_history(file);
      file.add_key_custodian(k_bob, "b0b-Pässphrase", KeyType::fast);
      const auto alice = file.unlock(k_alice, "alice passphrase");
      file.add_owner("prod", k_bob, alice);
      file.rotate_domain_key("prod", alice);
      file.remove_secret("dev", "API_KEY");
      file.update_secret("dev", "db-pass", "rotated");
    });
    check_replay(folder + "quoting", [](KeyFile& file) {
      file.add_key_custodian(k_alice, "alice passphrase", KeyType::fast);
      for (const std::string domain :
           {"staging: us", "no", "42", "on", "o'brien", "café", "a#b", "@at", "`tick", "3.14", "False",
            "*star", "x: \"y\"", "back\\slash",
            "an-extremely-long-domain-name-used-to-push-the-audit-log-entry-past-one-hundred-columns"}) {
        file.add_domain(domain, k_alice);
      }
      file.add_secret("café", "latte", "latte value");
    });
  }
}

TEST_CASE("Error messages stay on one line whatever the names hold") {
  KeyFile file = sample_file();
  CHECK_THROWS_WITH(file.remove_domain("evil\nname"),
                    "no domain of name 'evil\\x0aname' (known domains are prod)");
  file.add_domain("odd\tname", k_alice);
  CHECK_THROWS_WITH(file.add_domain("odd\tname", k_alice),
                    "tried to add domain that already exists: 'odd\\x09name'");
  CHECK_THROWS_WITH(file.secret_names("x"), "no domain of name x (known domains are 'odd\\x09name', prod)");
  CHECK_THROWS_WITH(file.add_secret("prod", "bad\rname", "x"),
                    Catch::StartsWith("invalid secret name 'bad\\x0dname'"));
}

TEST_CASE("A damaged file never loads or decrypts into anything but a store error") {
  const std::string text = pprotect::tests::read_fixture("raw.yaml");
  const std::string ci_pass = "P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P";
  const std::string alphabet = "A/+=0aZ:- \n'\"\x07";
  std::uint32_t seed = 12345;
  const auto next_random = [&seed] {
    seed = seed * 1664525U + 1013904223U;
    return seed >> 8;
  };
  int loaded = 0;
  for (int round = 0; round < 300; ++round) {
    std::string damaged = text;
    const std::size_t at = next_random() % damaged.size();
    damaged[at] = alphabet[next_random() % alphabet.size()];
    INFO("byte " << at << " set to " << static_cast<int>(damaged[at]));
    try {
      const KeyFile file = KeyFile::parse(damaged, "damaged.yaml");
      ++loaded;
      const auto ci = file.unlock("ci@example.com", ci_pass);
      for (const auto& domain : file.domains_owned_by("ci@example.com")) {
        (void)file.decrypt_domain(domain, ci);
      }
    } catch (const StoreError&) {
      // The expected outcome for most damage; anything else fails the test.
    }
  }
  CHECK(loaded > 0); // some damage (say, in an audit entry) is harmless
}

TEST_CASE("Mutated fixtures are either refused with a StoreError or load, re-emit and load again") {
  std::vector<std::string> seeds;
  for (const char* name : {"fast.yaml", "raw.yaml", "multi-owner.yaml", "quoting.yaml"}) {
    seeds.push_back(pprotect::tests::read_fixture(name));
  }
  seeds.push_back(pprotect::tests::read_fixture("../data/yaml/multi-owner-hand-edited.yaml"));
  static const std::vector<std::string> k_tokens = {
      "[",           "]",      "{",    "}",     ":",
      " ",           "\n",     "- ",   "? ",    "&a ",
      "*a",          "!!str ", "!x ",  "'",     "\"",
      "#",           "\t",     "\\",   "---\n", "...\n",
      "|",           ">",      "\xff", "\xc3",  std::string(1, '\0'),
      "<<: ",        "42",     "~",    ",",     "\r",
      "\xe2\x80\xa8"};
  std::mt19937 rng(20261128); // fixed: a failure must be reproducible
  std::size_t loaded = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string text = seeds[rng() % seeds.size()];
    const auto mutations = 1 + rng() % 6;
    for (std::size_t m = 0; m < mutations && !text.empty(); ++m) {
      const std::size_t pos = rng() % text.size();
      switch (rng() % 4) {
      case 0:
        text.erase(pos, 1 + rng() % 20);
        break;
      case 1:
        text.insert(pos, k_tokens[rng() % k_tokens.size()]);
        break;
      case 2:
        text[pos] = static_cast<char>(rng() & 0xFF);
        break;
      default:
        text.insert(pos, text.substr(rng() % text.size(), rng() % 40));
        break;
      }
    }
    const auto verdict = pprotect::fuzz::check_protected_yaml(text);
    if (!verdict.broken.empty()) {
      FAIL_CHECK(verdict.broken);
    }
    loaded += verdict.outcome == pprotect::fuzz::Outcome::loaded ? 1 : 0;
  }
  CHECK(loaded > 100);
}
