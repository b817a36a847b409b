#pragma once
// Text made safe to print: names on one line of a message, bytes on a
// terminal. For every layer's messages and output.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::sys {

// A name for one of our messages: in single quotes, control characters
// escaped as \xNN so that the message stays one line, and cut after
// max_characters characters (never inside a UTF-8 sequence) with "..." when
// longer.
std::string quoted_name(std::string_view name, std::size_t max_characters = std::string_view::npos);

// text with every control character (C0, DEL and the C1 controls
// U+0080..U+009F) escaped as \xNN: a name printed to a terminal cannot then
// move the cursor, set the title or write the clipboard (a domain named
// "\x1b]0;...\x07", which anyone may add). Other bytes stay as they are.
std::string terminal_safe(std::string_view text);

// True for C0 controls and DEL: the bytes quoted_name escapes.
bool is_control_byte(unsigned char byte);

// Appends \xNN (lower-case hex) for byte.
void append_escaped_byte(std::string& out, unsigned char byte);

// parts joined by separator, as Python's str.join.
std::string join(const std::vector<std::string>& parts, std::string_view separator);

} // namespace pprotect::sys
