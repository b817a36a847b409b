#pragma once
// A snapshot of a process environment ("NAME=value" entries), so policy code
// is testable without touching the real one.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::policy {

class Environment {
public:
  Environment() = default;
  explicit Environment(std::vector<std::string> entries) : m_entries(std::move(entries)) {}
  // Copies the current process environment.
  static Environment current();

  std::optional<std::string_view> get(std::string_view name) const;
  const std::vector<std::string>& entries() const { return m_entries; }

private:
  std::vector<std::string> m_entries;
};

} // namespace pprotect::policy
