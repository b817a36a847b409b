#include "sys/file_descriptor.hpp"
#include "sys/full_io.hpp"
#include "sys/secure_read_buffer.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>
#include <unistd.h>

using pprotect::sys::FileDescriptor;
using pprotect::sys::SecureReadBuffer;

namespace {

// A pipe holding text, its writer closed.
FileDescriptor pipe_with(const std::string& text) {
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  FileDescriptor reader(ends[0]);
  FileDescriptor writer(ends[1]);
  REQUIRE(pprotect::sys::write_all(writer.get(), text) == 0);
  return reader;
}

} // namespace

TEST_CASE("A secret read grows past its first buffer and keeps every byte") {
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += static_cast<char>('a' + i % 26);
  }
  // A pipe holds 64 KiB: enough for this without a second writer.
  FileDescriptor fd = pipe_with(text);
  SecureReadBuffer buffer(1 << 20);
  CHECK(buffer.read_to_end(fd.get()) == 0);
  CHECK(buffer.size() == text.size());
  CHECK(buffer.view() == text);
  CHECK_FALSE(buffer.too_large());
}

TEST_CASE("A secret read takes exactly its bound and refuses one byte more") {
  {
    FileDescriptor fd = pipe_with(std::string(5000, 'x'));
    SecureReadBuffer buffer(5000);
    CHECK(buffer.read_to_end(fd.get()) == 0);
    CHECK(buffer.size() == 5000);
  }
  FileDescriptor fd = pipe_with(std::string(5001, 'x'));
  SecureReadBuffer buffer(5000);
  CHECK(buffer.read_to_end(fd.get()) == EFBIG);
  CHECK(buffer.too_large());
  CHECK(buffer.size() == 5000);
  CHECK(buffer.read_some(fd.get()) == -EFBIG);
}

TEST_CASE("An empty input is an empty secret") {
  FileDescriptor fd = pipe_with("");
  SecureReadBuffer buffer(16);
  CHECK(buffer.read_to_end(fd.get()) == 0);
  CHECK(buffer.view().empty());
}
