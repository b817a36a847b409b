#pragma once
// Which type a plain (unquoted) YAML scalar reads back as, with the YAML 1.2
// implicit resolver of ruamel.yaml (the reference's loader and dumper).
// Internal to store/: the parser refuses plain scalars that are not strings,
// and the emitter quotes strings that would read back as something else.

#include <string_view>

namespace pprotect::store {

enum class PlainScalarType { string, boolean, integer, floating, null, timestamp, merge, value, yaml };

// The type ruamel.yaml 1.2 gives `text` written plain. `yes`, `no`, `on`
// are strings (YAML 1.2); `42`, `False`, `~`, `''`, `2001-01-01` are not.
PlainScalarType resolve_plain_scalar(std::string_view text);

// "a string", "a boolean", "an int", ... for error messages.
std::string_view plain_scalar_type_name(PlainScalarType type);

} // namespace pprotect::store
