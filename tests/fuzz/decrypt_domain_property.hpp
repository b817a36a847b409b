#pragma once
// The property of the decrypt path of a loaded file, for the fuzz target
// tests/fuzz/fuzz_decrypt_domain.cpp and its replay: tests/fixtures/raw.yaml
// with fields of domain "ci" (and the raw custodian's record) replaced by
// bytes the input chooses, then unlocked as ci@example.com and decrypted.
// Whatever the bytes, every step either works or throws StoreError; a
// decrypted domain has one value per secret, and the fields the input left
// alone decrypt to the fixture's values.
//
// Input: records of [field u8][length u8][length bytes], the bytes being a
// field's raw content (version byte included), base64-encoded into the file:
//   0 public-key of ci   1 ci's owner entry   2 secret DEPLOY_TOKEN
//   3 pwdkm of ci@example.com   4 an extra secret X<n>

#include "store/crypto.hpp"
#include "store/errors.hpp"
#include "store/key_file.hpp"
#include "store/yaml/protected_yaml.hpp"

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace pprotect::fuzz {

inline const store::FileData& raw_fixture() {
  static const store::FileData data = [] {
    std::ifstream in(std::string(PPROTECT_FIXTURES) + "/raw.yaml", std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return store::parse_protected_yaml(text, "raw.yaml");
  }();
  return data;
}

// Empty when the property holds, else what broke.
inline std::string check_decrypt_domain(std::string_view input) {
  using store::StoreError;
  static constexpr std::string_view k_user = "ci@example.com";
  static constexpr std::string_view k_passphrase =
      "P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P";
  store::FileData data = raw_fixture();
  store::DomainData& ci = data.domains.at("ci");
  bool token_replaced = false;
  bool key_replaced = false;
  std::size_t extra = 0;
  while (input.size() >= 2) {
    const auto field = static_cast<unsigned char>(input[0]) % 5U;
    const std::size_t length = std::min<std::size_t>(static_cast<unsigned char>(input[1]), input.size() - 2);
    const std::string encoded = store::crypto::base64_encode(input.substr(2, length));
    input.remove_prefix(2 + length);
    switch (field) {
    case 0:
      ci.public_key = encoded;
      key_replaced = true;
      break;
    case 1:
      ci.owners.at(std::string(k_user)) = encoded;
      key_replaced = true;
      break;
    case 2:
      ci.secrets.at("DEPLOY_TOKEN") = encoded;
      token_replaced = true;
      break;
    case 3:
      data.custodians.at(std::string(k_user)) = encoded;
      break;
    default:
      ci.secrets[std::string("X").append(std::to_string(extra++))] = encoded;
      break;
    }
  }
  try {
    const store::KeyFile file =
        store::KeyFile::parse(store::emit_protected_yaml(data, store::YamlLayout::a), "fuzzed.yaml");
    // A fast record with big limits is refused by the cost cap or takes
    // seconds: not what this target is for.
    const auto record = store::crypto::decode_pwdkm(data.custodians.at(std::string(k_user)), k_user);
    if (record.kind != store::KeyType::raw && record.memlimit > (1U << 20U)) {
      return {};
    }
    const auto who = file.unlock(k_user, k_passphrase);
    const auto values = file.decrypt_domain("ci", who);
    if (values.size() != ci.secrets.size()) {
      return std::string("decrypted ")
          .append(std::to_string(values.size()))
          .append(" of ")
          .append(std::to_string(ci.secrets.size()));
    }
    if (!token_replaced && !key_replaced && values.at("DEPLOY_TOKEN").view() != "tok-0123456789abcdef") {
      return "an untouched secret decrypted to another value";
    }
  } catch (const StoreError&) {
  }
  return {};
}

} // namespace pprotect::fuzz
