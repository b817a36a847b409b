#pragma once
// What to mask: the patterns of a set of named secrets, built once, and the
// label each is replaced by. Shared by every MaskStream that masks with it.

#include "launcher/masking/matcher.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pprotect::masking {

// A secret as the masker takes it: its name and a view of its value (in
// locked memory; the masker copies what it needs into its own).
struct NamedSecret {
  std::string_view name;
  std::string_view value;
};

struct MaskOptions {
  // Every occurrence reads this label (--mask-label); otherwise
  // "[REDACTED:<name>]" with the name's control characters as '?'.
  std::optional<std::string> fixed_label;
  // Values shorter than this many bytes, leading and trailing whitespace
  // not counted, are not masked (--mask-min-length), nor is any form of a
  // value shorter than it. 0 counts as 1: an empty value is never masked.
  std::size_t min_length = 4;
  // Names never masked (--no-mask).
  std::vector<std::string> unmasked_names;
};

// The secrets' patterns: for each value, every form of encodings.hpp (not
// shorter than min_length), and the same for the value without its leading
// and trailing whitespace and, for a value of several lines, for each line
// (trimmed, as the GitHub Actions runner adds the lines of a secret,
// src/Runner.Worker/Worker.cs): a program that prints a multi-line key
// line by line, or with other line breaks, shows none of it. A pattern two
// secrets share (the same value, or a form of one that is another) reads as
// the secret given first.
//
// Immutable once built: streams on several threads may share one. Streams
// keep a reference to it, so it neither copies nor moves.
class Masker {
public:
  // Throws std::bad_alloc when locked memory cannot be had.
  explicit Masker(std::span<const NamedSecret> secrets, const MaskOptions& options = {});
  Masker(const Masker&) = delete;
  Masker& operator=(const Masker&) = delete;

  // The names (never values) of the secrets left unmasked for being shorter
  // than min_length, in the order given: the launcher says so on stderr.
  const std::vector<std::string>& too_short() const { return m_too_short; }
  // Names in unmasked_names that name none of the secrets.
  const std::vector<std::string>& unknown_unmasked_names() const { return m_unknown_unmasked; }

  // True when there is nothing to mask: the streams pass bytes through.
  bool empty() const { return m_matcher.empty(); }
  const Matcher& matcher() const { return m_matcher; }
  // The label that replaces an occurrence of the pattern.
  std::string_view label(std::uint32_t pattern) const { return m_labels[m_label_of[pattern]]; }
  // The name of the secret the pattern belongs to.
  std::string_view name(std::uint32_t pattern) const { return m_names[m_label_of[pattern]]; }

private:
  Matcher m_matcher;
  std::vector<std::string> m_names;
  std::vector<std::string> m_labels;     // per name, or one fixed label
  std::vector<std::uint32_t> m_label_of; // per pattern, into m_names and m_labels
  std::vector<std::string> m_too_short;
  std::vector<std::string> m_unknown_unmasked;
};

} // namespace pprotect::masking
