#pragma once
// Names in the messages that keep the reference's exact wording (scripts
// match on them). Our own messages use sys::quoted_name.

#include <string>
#include <string_view>

namespace pprotect::store {

// A name as the reference prints it in a message, bare ("no domain of name
// prod"); one holding a control character is quoted_name'd instead, so the
// message stays one line.
std::string reference_name(std::string_view name);

// Python's repr() of a str, as the reference puts a name in some messages
// ('name', or "it's" when the text holds a single quote).
std::string python_repr(std::string_view text);

} // namespace pprotect::store
