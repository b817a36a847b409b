#pragma once
// How `pprotect decrypt-domain` prints secrets: the reference's JSON
// (Python's json.dumps(indent=2, sort_keys=True), ASCII only) and the
// env/shell formats quoted as Python's shlex.quote does.
// WARNING: every function here writes plaintext secrets; hand them the
// real output stream only, never a log.

#include "store/key_file.hpp"

#include <ostream>
#include <string>
#include <string_view>

namespace pprotect::admin {

enum class OutputFormat { json, env, shell };

// Parses "json", "env" or "shell"; throws policy::UsageError otherwise with
// the reference's message.
OutputFormat parse_output_format(std::string_view name);

// A JSON string literal as Python's json.dumps writes it with
// ensure_ascii: non-ASCII as \uXXXX (lowercase hex), characters above
// U+FFFF as surrogate pairs. Throws store::StoreError when text is not
// valid UTF-8 (the reference cannot decode such a value either).
void write_json_string(std::ostream& out, std::string_view text);

// The whole mapping, "{}" when empty, then a newline.
void write_json(std::ostream& out, const store::SecretValues& secrets);

// shlex.quote: '' for empty, the text itself when it holds only
// [A-Za-z0-9_@%+=:,./-], else single-quoted with ' written as '"'"'.
std::string shell_quote(std::string_view text);
// Writes shell_quote(text) to out without building a copy of text (secrets).
void write_shell_quoted(std::ostream& out, std::string_view text);

// True for names matching ^[A-Za-z_][A-Za-z0-9_]*$.
bool is_shell_identifier(std::string_view name);

// NAME=<quoted> (env) or export NAME=<quoted> (shell), one per line, in
// name order. Throws store::StoreError before writing anything when a name
// is not a shell identifier or a value holds a NUL byte (a shell variable
// cannot, and cutting it would silently change the secret).
void write_assignments(std::ostream& out, const store::SecretValues& secrets, OutputFormat format);

} // namespace pprotect::admin
