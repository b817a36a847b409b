#include "store/key_type.hpp"

#include "store/errors.hpp"
#include "sys/printable.hpp"

#include <string>

namespace pprotect::store {

std::string_view key_type_name(KeyType type) {
  switch (type) {
  case KeyType::hard:
    return "hard";
  case KeyType::fast:
    return "fast";
  case KeyType::raw:
    return "raw";
  }
  return "hard";
}

KeyType parse_key_type(std::string_view name) {
  if (name == "hard") {
    return KeyType::hard;
  }
  if (name == "fast") {
    return KeyType::fast;
  }
  if (name == "raw") {
    return KeyType::raw;
  }
  throw StoreError("unknown key type " + sys::quoted_name(name) + " (expected hard, fast or raw)");
}

} // namespace pprotect::store
