// libFuzzer target for everything that reads protected.yaml: the libyaml
// event walk, the schema, base64 and version bytes, and (for the fixture's
// raw custodian) the sealed boxes. Any exception other than StoreError, a
// sanitizer report, or a file that does not write back the same aborts.
//   make fuzz FUZZ_SECONDS=600
// Without clang, fuzz_replay.cpp runs the corpus through the same function
// (ctest "fuzz: protected_yaml corpus").

#include "tests/fuzz/protected_yaml_property.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto verdict =
      pprotect::fuzz::check_protected_yaml(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!verdict.broken.empty()) {
    std::fprintf(stderr, "%s\n", verdict.broken.c_str());
    std::abort();
  }
  return 0;
}
