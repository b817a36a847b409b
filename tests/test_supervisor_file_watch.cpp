// --watch: a file's changes, seen through its directory, settled.
#include "launcher/supervisor/file_watch.hpp"
#include "tests/support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

using pprotect::supervisor::FileWatch;
using pprotect::tests::TempDir;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Runs io for `length`, doing each step at its time; returns the changes seen.
int changes_while(const std::filesystem::path& file,
                  const std::vector<std::pair<std::chrono::milliseconds, std::function<void()>>>& steps,
                  std::chrono::milliseconds length) {
  asio::io_context io;
  int changes = 0;
  FileWatch watch(io, file, [&] { ++changes; });
  std::vector<std::unique_ptr<asio::steady_timer>> timers;
  for (const auto& [at, step] : steps) {
    timers.push_back(std::make_unique<asio::steady_timer>(io, at));
    timers.back()->async_wait([&step = step](const boost::system::error_code& ec) {
      if (!ec) {
        step();
      }
    });
  }
  asio::steady_timer end(io, length);
  end.async_wait([&](const boost::system::error_code&) { io.stop(); });
  io.run();
  return changes;
}

} // namespace

TEST_CASE("A write, a rename over the file and a removal are each a change") {
  TempDir dir;
  const auto file = dir.write("protected.yaml", "a: 1\n");
  CHECK(changes_while(file, {{10ms, [&] { dir.write("protected.yaml", "a: 2\n"); }}}, 400ms) == 1);
  CHECK(changes_while(file,
                      {{10ms,
                        [&] {
                          dir.write(".new", "a: 3\n");
                          std::filesystem::rename(dir.file(".new"), file);
                        }}},
                      400ms) == 1);
  CHECK(changes_while(file, {{10ms, [&] { std::filesystem::remove(file); }}}, 400ms) == 1);
}

TEST_CASE("Changes within the settling time count once, later ones again") {
  TempDir dir;
  const auto file = dir.write("protected.yaml", "a: 1\n");
  const auto write = [&] { dir.write("protected.yaml", "a: 2\n"); };
  CHECK(changes_while(file, {{10ms, write}, {60ms, write}, {120ms, write}}, 500ms) == 1);
  CHECK(changes_while(file, {{10ms, write}, {450ms, write}}, 900ms) == 2);
}

TEST_CASE("Other files in the directory are not changes") {
  TempDir dir;
  const auto file = dir.write("protected.yaml", "a: 1\n");
  CHECK(changes_while(file,
                      {{10ms, [&] { dir.write("other.log", "x"); }},
                       {20ms, [&] { dir.write("protected.yaml.bak", "x"); }}},
                      400ms) == 0);
}

TEST_CASE("A symlink's target changed through its own directory is a change, its neighbours are not") {
  TempDir dir;
  std::filesystem::create_directory(dir.file("repo"));
  std::filesystem::create_directory(dir.file("linkdir"));
  dir.write("repo/p.yaml", "a: 1\n");
  const auto link = dir.file("linkdir/p.yaml");
  std::filesystem::create_symlink("../repo/p.yaml", link);
  CHECK(changes_while(link, {{10ms, [&] { dir.write("repo/p.yaml", "a: 2\n"); }}}, 400ms) == 1);
  CHECK(changes_while(link,
                      {{10ms,
                        [&] {
                          dir.write("repo/.new", "a: 3\n");
                          std::filesystem::rename(dir.file("repo/.new"), dir.file("repo/p.yaml"));
                        }}},
                      400ms) == 1);
  CHECK(changes_while(link, {{10ms, [&] { dir.write("repo/other.yaml", "x"); }}}, 400ms) == 0);
}

TEST_CASE("A symlink pointed elsewhere is a change, and its new target is watched from then on") {
  TempDir dir;
  std::filesystem::create_directory(dir.file("old"));
  std::filesystem::create_directory(dir.file("new"));
  dir.write("old/p.yaml", "a: 1\n");
  dir.write("new/p.yaml", "a: 2\n");
  const auto link = dir.file("p.yaml");
  std::filesystem::create_symlink("old/p.yaml", link);
  const auto point_to_new = [&] {
    std::filesystem::create_symlink("new/p.yaml", dir.file(".link"));
    std::filesystem::rename(dir.file(".link"), link);
  };
  CHECK(changes_while(link,
                      {{10ms, point_to_new},
                       {450ms, [&] { dir.write("new/p.yaml", "a: 3\n"); }},
                       {900ms, [&] { dir.write("old/p.yaml", "a: 4\n"); }}},
                      1300ms) == 2);
}

TEST_CASE("Kubernetes' ..data swap is a change, and the new data directory is watched from then on") {
  // A mounted ConfigMap or Secret: p.yaml -> ..data/p.yaml, ..data ->
  // ..<timestamp>; an update writes a new ..<timestamp>, renames a new
  // ..data over the old one and removes the old directory.
  TempDir dir;
  std::filesystem::create_directory(dir.file("..2024_01"));
  dir.write("..2024_01/p.yaml", "a: 1\n");
  std::filesystem::create_directory_symlink("..2024_01", dir.file("..data"));
  const auto file = dir.file("p.yaml");
  std::filesystem::create_symlink("..data/p.yaml", file);
  const auto swap = [&] {
    std::filesystem::create_directory(dir.file("..2024_02"));
    dir.write("..2024_02/p.yaml", "a: 2\n");
    std::filesystem::create_directory_symlink("..2024_02", dir.file("..data_tmp"));
    std::filesystem::rename(dir.file("..data_tmp"), dir.file("..data"));
    std::filesystem::remove_all(dir.file("..2024_01"));
  };
  CHECK(changes_while(file, {{10ms, swap}, {450ms, [&] { dir.write("..2024_02/p.yaml", "a: 3\n"); }}},
                      900ms) == 2);
}
