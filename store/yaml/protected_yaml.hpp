#pragma once
// protected.yaml as text: parsing (libyaml events) and emitting (the bytes
// pocket_protector's ruamel.yaml emitter writes). Binary fields stay base64
// strings here; store/key_file.hpp gives them meaning.

#include "store/yaml/yaml_layout.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::store {

struct DomainData {
  std::map<std::string, std::string> secrets; // name (without "secret-") -> base64
  std::string public_key;                     // base64
  std::map<std::string, std::string> owners;  // custodian name -> base64
};

// std::map orders std::string keys bytewise, which for UTF-8 is code point
// order: the order the reference writes.
struct FileData {
  std::map<std::string, DomainData> domains;
  std::map<std::string, std::string> custodians; // name -> pwdkm base64
  std::vector<std::string> audit_log;
};

// Parses and validates any YAML document with the protected.yaml structure
// (block or flow style, comments, quoted keys, any indentation).
// Throws StoreError "<path>:<line>:<column>: <what was expected>" otherwise.
// With `layout`, also tells which layout the text was written in: the
// newest one its lines fit (k_newest_yaml_layout when none tells).
FileData parse_protected_yaml(std::string_view text, std::string_view path, YamlLayout* layout = nullptr);

// Emits the file exactly as the reference does for the same content, when
// it runs with a ruamel.yaml of `layout`'s era.
// Throws StoreError for text that is not valid UTF-8, for a domain named
// "audit-log" or "key-custodians" (the reference would silently drop it),
// and for a name or entry that layout's ruamel.yaml would write so that it
// does not read back.
std::string emit_protected_yaml(const FileData& data, YamlLayout layout);

} // namespace pprotect::store
