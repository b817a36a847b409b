#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "tests/support.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace crypto = pprotect::store::crypto;
using pprotect::store::KeyType;
using pprotect::store::StoreError;
using pprotect::sys::SecureBuffer;

namespace {

// The fixtures are in the reference's own block layout, so a line scan is
// enough to pull out pwdkm records and owner entries without the YAML
// parser (this test covers crypto alone).
struct FixtureKeys {
  std::map<std::string, std::string> pwdkm;                // custodian -> base64
  std::map<std::string, std::vector<std::string>> entries; // custodian -> owner entries (base64)
};

FixtureKeys scan_fixture(const std::string& text) {
  FixtureKeys keys;
  std::istringstream lines(text);
  std::string line;
  std::string custodian;
  bool in_owners = false;
  bool in_custodians = false;
  while (std::getline(lines, line)) {
    if (line == "key-custodians:") {
      in_custodians = true;
      continue;
    }
    if (!line.empty() && line[0] != ' ') {
      in_custodians = line == "key-custodians:";
      in_owners = false;
      continue;
    }
    if (in_custodians && line.rfind("  ", 0) == 0 && line[2] != ' ') {
      custodian = line.substr(2, line.size() - 3);
    } else if (in_custodians && line.rfind("    pwdkm: ", 0) == 0) {
      keys.pwdkm[custodian] = line.substr(11);
    } else if (line == "    owners:") {
      in_owners = true;
    } else if (in_owners && line.rfind("      ", 0) == 0) {
      const auto colon = line.find(": ");
      keys.entries[line.substr(6, colon - 6)].push_back(line.substr(colon + 2));
    } else {
      in_owners = false;
    }
  }
  return keys;
}

// Derives every custodian's key of one fixture from its passphrase, checks
// it against the stored public key and opens every owner entry with it.
void check_fixture_keys(const std::string& name) {
  const auto expected = nlohmann::json::parse(pprotect::tests::read_fixture(name + ".expected.json"));
  const FixtureKeys keys = scan_fixture(pprotect::tests::read_fixture(name + ".yaml"));
  REQUIRE(keys.pwdkm.size() == expected["custodians"].size());
  for (const auto& [custodian, info] : expected["custodians"].items()) {
    INFO(name << ": " << custodian);
    const crypto::Pwdkm record = crypto::decode_pwdkm(keys.pwdkm.at(custodian), custodian);
    const std::string kind = info["key_type"].get<std::string>();
    CHECK(record.kind == (kind == "hard" ? KeyType::hard : kind == "fast" ? KeyType::fast : KeyType::raw));
    const std::string passphrase = info["passphrase"].get<std::string>();
    const SecureBuffer secret_key = crypto::derive_secret_key(record, custodian, passphrase);
    REQUIRE(secret_key.size() == 32);
    const std::string public_key = crypto::public_key_of(secret_key);
    CHECK(public_key == record.public_key);
    REQUIRE(keys.entries.count(custodian) == 1);
    for (const auto& entry : keys.entries.at(custodian)) {
      const std::string sealed = crypto::decode_field(entry, "owner entry");
      const SecureBuffer domain_key = crypto::seal_open(sealed, public_key, secret_key, "owner entry");
      CHECK(domain_key.size() == 32);
    }
  }
}

} // namespace

TEST_CASE("Base64 is standard with padding and round-trips any bytes") {
  CHECK(crypto::base64_encode("") == "");
  CHECK(crypto::base64_encode("f") == "Zg==");
  CHECK(crypto::base64_encode("fo") == "Zm8=");
  CHECK(crypto::base64_encode(std::string("\xfb\xff\x00", 3)) == "+/8A");
  CHECK(crypto::base64_decode("+/8A", "x") == std::string("\xfb\xff\x00", 3));
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all.push_back(static_cast<char>(i));
  }
  CHECK(crypto::base64_decode(crypto::base64_encode(all), "x") == all);
}

TEST_CASE("Bad base64 is refused with the field's name") {
  CHECK_THROWS_WITH(crypto::base64_decode("Zg=", "secret 'a' of domain 'b'"),
                    "invalid base64 in secret 'a' of domain 'b'");
  CHECK_THROWS_AS(crypto::base64_decode("Zg", "x"), StoreError);
  CHECK_THROWS_AS(crypto::base64_decode("Z!==", "x"), StoreError);
  CHECK_THROWS_AS(crypto::base64_decode("Zm8=Zm8=", "x"), StoreError);
  CHECK_THROWS_AS(crypto::base64_decode("-_8A", "x"), StoreError); // URL-safe alphabet is not ours
  CHECK_THROWS_AS(crypto::base64_decode(std::string("Zm8=\0", 5), "x"), StoreError);
}

TEST_CASE("Binary fields carry version byte 0 and refuse any other") {
  CHECK(crypto::encode_field("abc") == crypto::base64_encode(std::string("\0abc", 4)));
  CHECK(crypto::decode_field(crypto::encode_field("payload"), "x") == "payload");
  const std::string version7 = crypto::base64_encode("\x07payload");
  CHECK_THROWS_WITH(crypto::decode_field(version7, "secret 'db-pass' of domain 'prod'"),
                    "unsupported version byte 0x07 in secret 'db-pass' of domain 'prod'");
  CHECK_THROWS_AS(crypto::decode_field("", "x"), StoreError);
}

TEST_CASE("pwdkm records of every kind round-trip") {
  crypto::Pwdkm record;
  record.salt = "12345678";
  record.public_key = std::string(32, 'k');
  for (const KeyType kind : {KeyType::hard, KeyType::fast, KeyType::raw}) {
    record.kind = kind;
    record.opslimit = kind == KeyType::fast ? 7U : 0U;
    record.memlimit = kind == KeyType::fast ? 0x01020304U : 0U;
    const std::string raw = crypto::base64_decode(crypto::encode_pwdkm(record), "x");
    CHECK(raw.size() == (kind == KeyType::fast ? 49U : 41U));
    CHECK(static_cast<unsigned char>(raw[0]) == (kind == KeyType::hard ? 0 : kind == KeyType::fast ? 1 : 2));
    const crypto::Pwdkm back = crypto::decode_pwdkm(crypto::encode_pwdkm(record), "c");
    CHECK(back.kind == kind);
    CHECK(back.salt == record.salt);
    CHECK(back.public_key == record.public_key);
    if (kind == KeyType::fast) {
      CHECK(back.opslimit == 7U);
      CHECK(back.memlimit == 0x01020304U);
      CHECK(raw.substr(1, 8) == std::string("\x07\x00\x00\x00\x04\x03\x02\x01", 8)); // little-endian
    }
    if (kind == KeyType::hard) {
      CHECK(back.opslimit == 4U);
      CHECK(back.memlimit == 268435456U);
    }
  }
}

TEST_CASE("A fast fixture record holds the interactive limits") {
  const auto record = crypto::decode_pwdkm(
      "AQIAAAAAAAAETQ8x6LCgA4TPJC8+5FmvriR5RcsYda+sT7TzKBd2mZmJ34kizhpPOg==", "alice@example.com");
  CHECK(record.kind == KeyType::fast);
  CHECK(record.opslimit == 2U);
  CHECK(record.memlimit == 67108864U);
}

TEST_CASE("Malformed pwdkm records are refused naming the custodian") {
  const std::string good = std::string("\x02", 1) + std::string(8, 's') + std::string(32, 'p');
  CHECK_NOTHROW(crypto::decode_pwdkm(crypto::base64_encode(good), "c"));
  CHECK_THROWS_WITH(crypto::decode_pwdkm(crypto::base64_encode(good.substr(0, 40)), "ci@x"),
                    Catch::Contains("pwdkm of key custodian 'ci@x'") && Catch::Contains("wrong length"));
  CHECK_THROWS_WITH(crypto::decode_pwdkm(crypto::base64_encode(good + "x"), "ci@x"),
                    Catch::Contains("wrong length"));
  std::string version3 = good;
  version3[0] = '\x03';
  CHECK_THROWS_WITH(crypto::decode_pwdkm(crypto::base64_encode(version3), "ci@x"),
                    "unsupported version byte 0x03 in pwdkm of key custodian 'ci@x'");
  CHECK_THROWS_WITH(crypto::decode_pwdkm("not base64!", "ci@x"),
                    "invalid base64 in pwdkm of key custodian 'ci@x'");
}

TEST_CASE("Raw passphrases are P, 64 lowercase hex digits, P") {
  const std::string good = "P" + std::string(64, 'a') + "P";
  CHECK(crypto::is_raw_passphrase(good));
  CHECK_FALSE(crypto::is_raw_passphrase("P" + std::string(64, 'A') + "P"));
  CHECK_FALSE(crypto::is_raw_passphrase("P" + std::string(63, 'a') + "P"));
  CHECK_FALSE(crypto::is_raw_passphrase("X" + std::string(64, 'a') + "P"));
  CHECK_THROWS_AS(crypto::new_pwdkm(KeyType::raw, "c", "short"), StoreError);
}

// hard.yaml (Argon2id at 256 MiB) is checked once, by the golden test in
// test_store_key_file.cpp.
TEST_CASE("Fast and raw fixture keys derive from their passphrases and open their owner entries") {
  check_fixture_keys("fast");
  check_fixture_keys("raw");
  check_fixture_keys("multi-owner");
  check_fixture_keys("quoting");
}

TEST_CASE("A wrong passphrase derives another public key") {
  const auto record = crypto::decode_pwdkm(
      "AQIAAAAAAAAETQ8x6LCgA4TPJC8+5FmvriR5RcsYda+sT7TzKBd2mZmJ34kizhpPOg==", "alice@example.com");
  const auto key = crypto::derive_secret_key(record, "alice@example.com", "alice passphrasE");
  CHECK(crypto::public_key_of(key) != record.public_key);
  const auto other_name = crypto::derive_secret_key(record, "bob@example.com", "alice passphrase");
  CHECK(crypto::public_key_of(other_name) != record.public_key);
}

TEST_CASE("Raw keys are a SHA-512 prefix and need no Argon2") {
  const std::string passphrase = "P" + std::string(64, '1') + "P";
  const auto before = crypto::argon2_derivation_count();
  const crypto::Pwdkm record = crypto::new_pwdkm(KeyType::raw, "ci", passphrase);
  const auto key = crypto::derive_secret_key(record, "ci", passphrase);
  CHECK(crypto::argon2_derivation_count() == before);
  CHECK(crypto::public_key_of(key) == record.public_key);
}

TEST_CASE("Each fast derivation runs Argon2id exactly once") {
  const auto before = crypto::argon2_derivation_count();
  const crypto::Pwdkm record = crypto::new_pwdkm(KeyType::fast, "a@b", "pass");
  CHECK(crypto::argon2_derivation_count() == before + 1);
  CHECK(record.opslimit == 2U);
  CHECK(record.memlimit == 67108864U);
  const auto key = crypto::derive_secret_key(record, "a@b", "pass");
  CHECK(crypto::argon2_derivation_count() == before + 2);
  CHECK(crypto::public_key_of(key) == record.public_key);
}

TEST_CASE("Sealed boxes open only with the recipient's key") {
  auto pair = crypto::generate_box_keypair();
  auto other = crypto::generate_box_keypair();
  CHECK(crypto::public_key_of(pair.secret_key) == pair.public_key);
  const std::string plaintext("multi\nline\0value", 16);
  const std::string sealed = crypto::seal(plaintext, pair.public_key);
  CHECK(sealed.size() == plaintext.size() + 48);
  CHECK(crypto::seal_open(sealed, pair.public_key, pair.secret_key, "x").view() == plaintext);
  CHECK_THROWS_WITH(crypto::seal_open(sealed, other.public_key, other.secret_key, "secret 'a' of domain 'b'"),
                    Catch::StartsWith("cannot decrypt secret 'a' of domain 'b'"));
  CHECK_THROWS_WITH(crypto::seal_open(sealed.substr(0, 47), pair.public_key, pair.secret_key, "secret 'a'"),
                    "truncated ciphertext in secret 'a'");
  std::string flipped = sealed;
  flipped.back() = static_cast<char>(flipped.back() ^ 1);
  CHECK_THROWS_AS(crypto::seal_open(flipped, pair.public_key, pair.secret_key, "x"), StoreError);
}
