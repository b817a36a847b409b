#include "sys/secure_buffer.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

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

TEST_CASE("A small buffer's block comes back wiped, and is used again") {
  const unsigned char* address = nullptr;
  {
    SecureBuffer first = SecureBuffer::copy_of("a passphrase of some length");
    address = first.data();
  }
  // The freed block is the first of its size class to be given again; it
  // was wiped on the way back, and a new buffer starts zeroed anyway.
  SecureBuffer second(27);
  CHECK(second.data() == address);
  CHECK(second.view() == std::string(27, '\0'));
}

TEST_CASE("Many small buffers, more than the pool holds, are all usable and apart") {
  std::vector<SecureBuffer> buffers;
  for (int i = 0; i < 300; ++i) { // 300 KiB: past the pool, into sodium_malloc
    buffers.emplace_back(1024);
    std::fill_n(buffers.back().data(), 1024, static_cast<unsigned char>(i));
  }
  for (int i = 0; i < 300; ++i) {
    CHECK(buffers[static_cast<std::size_t>(i)].view() ==
          std::string(1024, static_cast<char>(static_cast<unsigned char>(i))));
  }
  SecureBuffer big(100000); // past the largest size class
  std::fill_n(big.data(), big.size(), 'x');
  CHECK(big.view() == std::string(100000, 'x'));
}

TEST_CASE("Small buffers are made and freed from several threads at once") {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        SecureBuffer buffer(static_cast<std::size_t>(16 + (i % 200)));
        std::fill_n(buffer.data(), buffer.size(), static_cast<unsigned char>(t));
        for (std::size_t j = 0; j < buffer.size(); ++j) {
          if (buffer.data()[j] != static_cast<unsigned char>(t)) {
            ++wrong;
          }
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(wrong == 0);
}
