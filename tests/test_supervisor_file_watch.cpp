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
