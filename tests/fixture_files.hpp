#pragma once
// Reading the reference's files from tests/fixtures in unit tests.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

// The bytes of tests/fixtures/<name>; fails the test when it is missing.
inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(PPROTECT_FIXTURES) + "/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
