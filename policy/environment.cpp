#include "policy/environment.hpp"

#include <sodium.h>

extern char** environ;

namespace pprotect::policy {

Environment Environment::current() {
  std::vector<std::string> entries;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    entries.emplace_back(*entry);
  }
  return Environment(std::move(entries));
}

void Environment::wipe() {
  for (std::string& entry : m_entries) {
    sodium_memzero(entry.data(), entry.size());
  }
  m_entries.clear();
}

void Environment::erase(std::string_view name) {
  std::vector<std::string> kept;
  kept.reserve(m_entries.size());
  for (std::string& entry : m_entries) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 && entry[name.size()] == '=') {
      sodium_memzero(entry.data(), entry.size());
    } else {
      kept.push_back(std::move(entry));
    }
  }
  m_entries = std::move(kept);
}

std::optional<std::string_view> Environment::get(std::string_view name) const {
  for (const auto& entry : m_entries) {
    if (entry.size() > name.size() && entry[name.size()] == '=' && entry.compare(0, name.size(), name) == 0) {
      return std::string_view(entry).substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

} // namespace pprotect::policy
