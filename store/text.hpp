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

// parts joined by separator, as Python's str.join.
std::string join(const std::vector<std::string>& parts, std::string_view separator);

} // namespace pprotect::store
