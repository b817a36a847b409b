#include "sys/directory.hpp"
#include "sys/file_descriptor.hpp"
#include "tests/support.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>

TEST_CASE("directory_entries lists the names, without . and .., twice alike") {
  const pprotect::tests::TempDir dir;
  for (const char* name : {"a", "b.yaml", ".hidden"}) {
    std::ofstream(dir.path() / name) << "x";
  }
  const pprotect::sys::FileDescriptor fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(fd.valid());
  auto names = pprotect::sys::directory_entries(fd.get());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{".hidden", "a", "b.yaml"});
  // The descriptor is left as it was: a second listing sees the same.
  auto again = pprotect::sys::directory_entries(fd.get());
  std::sort(again.begin(), again.end());
  CHECK(again == names);
  CHECK(pprotect::sys::directory_entries(-1).empty());
}
