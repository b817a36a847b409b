#pragma once
// The one usage error of both programs: a command line, or a value given on
// it or in the environment, that cannot be right. pprotect exits 2 on it,
// pprotect-run 125; it is one line, safe to print (no secret in it).

#include <stdexcept>
#include <string>

namespace pprotect::policy {

class UsageError : public std::runtime_error {
public:
  explicit UsageError(const std::string& message) : std::runtime_error(message) {}
  // Found by pprotect's command-line parser: printed as
  // "error: <where>: <message>", where being "pprotect" or
  // "pprotect <subcommand>", as the reference's parser prints them.
  UsageError(std::string where, const std::string& message)
      : std::runtime_error(message), m_where(std::move(where)) {}
  const std::string& where() const { return m_where; }

private:
  std::string m_where;
};

} // namespace pprotect::policy
