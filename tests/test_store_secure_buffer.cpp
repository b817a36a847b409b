#include <catch2/catch.hpp>

#include "store/secure_buffer.hpp"

using pprotect::store::SecureBuffer;

TEST_CASE("A secure buffer holds the bytes it was given") {
  auto buffer = SecureBuffer::copy_of("s3cret");
  CHECK(buffer.view() == "s3cret");
  CHECK(buffer.equals("s3cret"));
  CHECK_FALSE(buffer.equals("s3creT"));
  CHECK_FALSE(buffer.equals("s3cre"));
}

TEST_CASE("Moving a secure buffer leaves the source empty") {
  auto a = SecureBuffer::copy_of("key");
  SecureBuffer b = std::move(a);
  CHECK(a.empty()); // NOLINT(bugprone-use-after-move): the moved-from state is the behaviour under test
  CHECK(b.view() == "key");
}

TEST_CASE("An empty secure buffer is usable") {
  SecureBuffer empty(0);
  CHECK(empty.empty());
  CHECK(empty.view().empty());
  CHECK(empty.equals(""));
}
