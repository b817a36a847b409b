#pragma once
// The three kinds of key custodian (section 1 of
// shared/docs/reference-behaviour.md).

#include <string_view>

namespace pprotect::store {

// hard: Argon2id at 256 MiB (pwdkm v0); fast: Argon2id with the limits in the
// record (v1); raw: a generated key, no Argon2id (v2).
enum class KeyType { hard, fast, raw };

// "hard", "fast" or "raw"; parse_key_type throws StoreError on anything else.
std::string_view key_type_name(KeyType type);
KeyType parse_key_type(std::string_view name);

} // namespace pprotect::store
