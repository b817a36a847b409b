#pragma once
// Names and lists in messages and audit entries, for every layer. A name
// goes into a message one of two ways: quoted_name in our own messages, and
// reference_name or python_repr where a message keeps the reference's exact
// wording (scripts match on it).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::store {

// A name for one of our messages: in single quotes, control characters
// escaped as \xNN so that the message stays one line, and cut after
// max_characters characters (never inside a UTF-8 sequence) with "..." when
// longer.
std::string quoted_name(std::string_view name, std::size_t max_characters = std::string_view::npos);

// A name as the reference prints it in a message, bare ("no domain of name
// prod"); one holding a control character is quoted_name'd instead, so the
// message stays one line.
std::string reference_name(std::string_view name);

// Python's repr() of a str, as the reference puts a name in some messages
// ('name', or "it's" when the text holds a single quote).
std::string python_repr(std::string_view text);

// text with every control character (C0, DEL and the C1 controls
// U+0080..U+009F) escaped as \xNN: a name printed to a terminal cannot then
// move the cursor, set the title or write the clipboard (a domain named
// "\x1b]0;...\x07", which anyone may add). Other bytes stay as they are.
std::string terminal_safe(std::string_view text);

// parts joined by separator, as Python's str.join.
std::string join(const std::vector<std::string>& parts, std::string_view separator);

} // namespace pprotect::store
