// libFuzzer target for the decrypt path of a loaded file: owner entries,
// public keys, ciphertexts and the custodian record as arbitrary bytes
// (decrypt_domain_property.hpp). Any exception other than StoreError, a
// sanitizer report, or a broken property aborts.
//   make fuzz FUZZ_TARGET=fuzz_decrypt_domain

#include "tests/fuzz/decrypt_domain_property.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string broken =
      pprotect::fuzz::check_decrypt_domain(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!broken.empty()) {
    std::fprintf(stderr, "%s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
