#pragma once
// Names and lists in messages and audit entries, for every layer.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::store {

// A name for a message: in single quotes, control characters escaped as
// \xNN so that the message stays one line, and cut after max_characters
// characters (never inside a UTF-8 sequence) with "..." when longer.
std::string quoted_name(std::string_view name, std::size_t max_characters = std::string_view::npos);

// text with every control character (C0, DEL and the C1 controls
// U+0080..U+009F) escaped as \xNN: a name printed to a terminal cannot then
// move the cursor, set the title or write the clipboard (a domain named
// "\x1b]0;...\x07", which anyone may add). Other bytes stay as they are.
std::string terminal_safe(std::string_view text);

// parts joined by separator, as Python's str.join.
std::string join(const std::vector<std::string>& parts, std::string_view separator);

} // namespace pprotect::store
