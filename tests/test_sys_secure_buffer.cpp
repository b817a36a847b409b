#include "sys/secure_buffer.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using pprotect::sys::SecureBuffer;

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

TEST_CASE("Slices of one secure allocation hold their own bytes and outlive each other") {
  auto slices = SecureBuffer::slices({3, 0, 5});
  REQUIRE(slices.size() == 3);
  std::copy_n("abc", 3, slices[0].data());
  std::copy_n("hello", 5, slices[2].data());
  CHECK(slices[1].empty());
  SecureBuffer kept = std::move(slices[2]);
  slices.clear(); // the other slices go; the allocation stays for kept
  CHECK(kept.view() == "hello");
  CHECK(kept.equals("hello"));
}

TEST_CASE("A destroyed slice wipes its bytes in the shared allocation") {
  auto slices = SecureBuffer::slices({4, 4});
  std::copy_n("keyA", 4, slices[0].data());
  std::copy_n("keyB", 4, slices[1].data());
  const unsigned char* first = slices[0].data();
  slices[0] = SecureBuffer(); // release the first slice; the second keeps the region mapped
  CHECK(std::string_view(reinterpret_cast<const char*>(first), 4) == std::string_view("\0\0\0\0", 4));
  CHECK(slices[1].view() == "keyB");
}
