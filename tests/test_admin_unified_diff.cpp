#include "launcher/admin/unified_diff.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using pprotect::admin::Color;
using pprotect::admin::confirm_diff_text;
using pprotect::admin::unified_diff;

using Lines = std::vector<std::string>;

// Expected lists come from Python 3.11's difflib.unified_diff on the same
// input.
TEST_CASE("Hunks and context match difflib.unified_diff") {
  const std::string before = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
  const std::string after = "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
  CHECK(unified_diff(before, after, "p.old", "p.new") ==
        Lines{"--- p.old\n", "+++ p.new\n", "@@ -1,6 +1,6 @@\n", " a", " b", "-c", "+C", " d", " e", " f",
              "@@ -9,3 +9,4 @@\n", " i", " j", " k", "+l"});
}

TEST_CASE("A removed last line gives an empty range") {
  CHECK(unified_diff("x\n", "", "p.old", "p.new") ==
        Lines{"--- p.old\n", "+++ p.new\n", "@@ -1 +0,0 @@\n", "-x"});
}

TEST_CASE("Equal texts give no diff") {
  CHECK(unified_diff("a\nb\n", "a\nb\n", "p.old", "p.new").empty());
}

TEST_CASE("Colors wrap removed lines in red and added lines in green") {
  const auto lines = unified_diff("x\n", "y\n", "p.old", "p.new", Color::yes);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "\x1b[31m--- p.old\n\x1b[0m");
  CHECK(lines[1] == "\x1b[32m+++ p.new\n\x1b[0m");
  CHECK(lines[2] == "@@ -1 +1 @@\n");
  CHECK(lines[3] == "\x1b[31m-x\x1b[0m");
  CHECK(lines[4] == "\x1b[32m+y\x1b[0m");
}

TEST_CASE("The --confirm text is laid out as the reference prints it") {
  CHECK(confirm_diff_text({"--- a\n", "+++ b\n", "-x"}) ==
        "Changes to be written:\n\n--- a\n\n+++ b\n\n-x\n\n");
}
