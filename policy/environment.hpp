#pragma once
// A snapshot of a process environment ("NAME=value" entries), so policy code
// is testable without touching the real one.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::policy {

// WARNING: the entries hold the credential variables (PPROTECT_PASSPHRASE)
// as plain heap strings: they are wiped on destruction, and wipe() clears
// them early where the object outlives its use (pprotect exec's child).
class Environment {
public:
  Environment() = default;
  explicit Environment(std::vector<std::string> entries) : m_entries(std::move(entries)) {}
  ~Environment() { wipe(); }
  // No copies: each would be one more unwiped place for the passphrase.
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;
  Environment(Environment&& other) noexcept : m_entries(std::move(other.m_entries)) {
    other.m_entries.clear();
  }
  // Wipes the entries it replaces first, as SecureBuffer does.
  Environment& operator=(Environment&& other) noexcept {
    if (this != &other) {
      wipe();
      m_entries = std::move(other.m_entries);
      other.m_entries.clear();
    }
    return *this;
  }
  // Copies the current process environment.
  static Environment current();

  // Zeroes every entry and forgets them.
  void wipe();
  // Zeroes and forgets the entries of one variable.
  void erase(std::string_view name);

  std::optional<std::string_view> get(std::string_view name) const;
  const std::vector<std::string>& entries() const { return m_entries; }

private:
  std::vector<std::string> m_entries;
};

} // namespace pprotect::policy
