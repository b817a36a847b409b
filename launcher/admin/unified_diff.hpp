#pragma once
// The unified diff `--confirm` shows before writing: the lines Python's
// difflib.unified_diff yields (same matching, three lines of context), so
// the reference's users see the hunks they are used to.

#include <string>
#include <string_view>
#include <vector>

namespace pprotect::admin {

enum class Color { no, yes };

// difflib.unified_diff(before.splitlines(), after.splitlines(), from_name,
// to_name) as a list: header lines end in "\n" (difflib's lineterm),
// content lines do not. With Color::yes, lines starting with '-' are
// wrapped in red and '+' in green (ANSI), as the reference does on a
// terminal. Empty when the texts are equal.
std::vector<std::string> unified_diff(std::string_view before, std::string_view after,
                                      std::string_view from_name, std::string_view to_name,
                                      Color color = Color::no);

// The text the reference prints for --confirm: "Changes to be written:\n\n"
// then the diff lines joined with "\n", then "\n\n".
std::string confirm_diff_text(const std::vector<std::string>& diff_lines);

} // namespace pprotect::admin
