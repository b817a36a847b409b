#include "store/reference_wording.hpp"

#include <catch2/catch.hpp>
#include <string>

using pprotect::store::python_repr;
using pprotect::store::reference_name;

TEST_CASE("python_repr picks quotes as Python does") {
  CHECK(python_repr("dev") == "'dev'");
  CHECK(python_repr("it's") == "\"it's\"");
  CHECK(python_repr("a'b\"c") == "'a\\'b\"c'");
  CHECK(python_repr("tab\there") == "'tab\\there'");
}

TEST_CASE("python_repr shows bytes Python could not decode as escapes") {
  CHECK(python_repr("caf\xe9") == "'caf\\xe9'");
  CHECK(python_repr("\x1b[2J") == "'\\x1b[2J'");
  CHECK(python_repr("caf\xc3\xa9") == "'caf\xc3\xa9'");
}

TEST_CASE("reference_name is the name bare, quoted only when it holds a control character") {
  CHECK(reference_name("prod") == "prod");
  CHECK(reference_name("it's") == "it's");
  CHECK(reference_name("a\nb") == "'a\\x0ab'");
}
