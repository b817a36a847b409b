#include "policy/environment.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <type_traits>
#include <vector>

using pprotect::policy::Environment;

TEST_CASE("An environment snapshot cannot be copied, only moved") {
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<Environment>);
  STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<Environment>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<Environment>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<Environment>);
}

TEST_CASE("Moving an environment leaves the source empty and the target with its entries") {
  Environment source({"PPROTECT_PASSPHRASE=secret", "HOME=/root"});
  Environment target({"OLD=1"});
  target = std::move(source);
  CHECK(target.get("PPROTECT_PASSPHRASE") == "secret");
  CHECK_FALSE(target.get("OLD"));
  CHECK(source.entries().empty()); // NOLINT(bugprone-use-after-move): the point of the test
  Environment moved(std::move(target));
  CHECK(moved.get("HOME") == "/root");
  CHECK(target.entries().empty()); // NOLINT(bugprone-use-after-move)
}

TEST_CASE("wipe() forgets every entry") {
  Environment env({"A=1", "B=2"});
  env.wipe();
  CHECK(env.entries().empty());
  CHECK_FALSE(env.get("A"));
}

TEST_CASE("erase() forgets one variable, every entry of it, and keeps the others in order") {
  Environment env({"PPROTECT_PASSPHRASE=secret", "HOME=/root", "PPROTECT_PASSPHRASE=again",
                   "PPROTECT_PASSPHRASE_X=1", "PATH=/bin"});
  env.erase("PPROTECT_PASSPHRASE");
  CHECK(env.entries() == std::vector<std::string>{"HOME=/root", "PPROTECT_PASSPHRASE_X=1", "PATH=/bin"});
  env.erase("NOT_THERE");
  CHECK(env.entries().size() == 3);
}
