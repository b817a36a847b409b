#pragma once
// The property every protected.yaml input must have, shared by the mutation
// test (tests/test_store_protected_yaml.cpp) and the fuzz target
// (tests/fuzz/fuzz_protected_yaml.cpp): it is refused with a StoreError, or
// it loads, and then what we write for it loads again and writes the same
// bytes. When the file has the raw custodian of tests/fixtures/raw.yaml, every
// domain it owns decrypts or is refused with a StoreError (a raw key costs one
// SHA-512, so the fuzzer reaches the ciphertexts too).

#include "store/errors.hpp"
#include "store/key_file.hpp"

#include <string>
#include <string_view>

namespace pprotect::fuzz {

enum class Outcome { refused, loaded };

struct Verdict {
  Outcome outcome = Outcome::refused;
  std::string broken; // empty when the property holds
};

inline Verdict check_protected_yaml(std::string_view text) {
  using store::KeyFile;
  using store::StoreError;
  // tests/fixtures/raw.expected.json
  static constexpr std::string_view k_raw_custodian = "ci@example.com";
  static constexpr std::string_view k_raw_passphrase =
      "P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P";

  Verdict verdict;
  std::string emitted;
  try {
    const KeyFile file = KeyFile::parse(text, "input.yaml");
    verdict.outcome = Outcome::loaded;
    emitted = file.emit();
    if (file.has_custodian(k_raw_custodian) && file.key_type_of(k_raw_custodian) == store::KeyType::raw) {
      try {
        const auto ci = file.unlock(k_raw_custodian, k_raw_passphrase);
        for (const auto& domain : file.domains_owned_by(k_raw_custodian)) {
          try {
            (void)file.decrypt_domain(domain, ci);
          } catch (const StoreError&) {
          }
        }
      } catch (const StoreError&) {
      }
    }
  } catch (const StoreError&) {
    return verdict;
  }
  try {
    const std::string again = KeyFile::parse(emitted, "re-emitted.yaml").emit();
    // A raw NEL is the one character the reference's quoting loses.
    if (again != emitted && emitted.find("\xc2\x85") == std::string::npos) {
      verdict.broken = "writing the file again changed it:\n" + emitted + "\n---\n" + again;
    }
  } catch (const StoreError& error) {
    verdict.broken = std::string("what we wrote does not load: ") + error.what() + "\n" + emitted;
  }
  return verdict;
}

} // namespace pprotect::fuzz
