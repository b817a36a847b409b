#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "store/errors.hpp"
#include "store/protected_yaml.hpp"

using pprotect::store::emit_protected_yaml;
using pprotect::store::FileData;
using pprotect::store::parse_protected_yaml;
using pprotect::store::StoreError;

namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(PPROTECT_FIXTURES) + "/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_CASE("Every reference fixture is re-emitted byte for byte") {
  const auto name = GENERATE(as<std::string>{}, "fast.yaml", "raw.yaml", "hard.yaml", "multi-owner.yaml",
                             "quoting.yaml");
  INFO(name);
  const std::string text = read_fixture(name);
  const FileData data = parse_protected_yaml(text, name);
  CHECK(emit_protected_yaml(data) == text);
}
