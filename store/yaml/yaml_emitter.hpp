#pragma once
// A block-style YAML writer that makes the same choices, byte for byte, as
// ruamel.yaml's emitter configured like pocket_protector's (round-trip
// dumper, width 100, indent 2, sequences indentless under a mapping key,
// allow_unicode), in the layout of one of three ruamel.yaml eras
// (store/yaml/yaml_layout.hpp). Internal to store/: protected_yaml.cpp drives it.
//
// Columns are counted in Unicode code points, as ruamel.yaml counts them.
//
// Where a release would write text that does not read back as it was (a
// key broken across lines, a fold that loses a space), the emitter throws
// StoreError instead: the reference's own output would be damaged there.

#include "store/yaml/yaml_layout.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace pprotect::store {

class YamlEmitter {
public:
  explicit YamlEmitter(YamlLayout layout) : m_layout(layout) {}

  static constexpr std::size_t k_best_width = 100;
  static constexpr std::size_t k_indent_step = 2;
  // ruamel.yaml's simple-key limit. It counts the key's "!!str" tag (5
  // characters, never written) too, so a key of 123 characters or more, or
  // one with a line break, is written as an explicit key: "? key" / ": value".
  static constexpr std::size_t k_max_simple_key_length = 128;

  // Starts a mapping entry at `indent` whose value is a scalar.
  // Throws StoreError when key or value is not valid UTF-8, or cannot be
  // written in the layout so that it reads back.
  void scalar_entry(std::size_t indent, std::string_view key, std::string_view value);
  // Starts a mapping entry at `indent` whose value is a block mapping whose
  // keys are at indent + 2; the caller then writes those entries.
  void mapping_entry(std::size_t indent, std::string_view key);
  // A mapping entry whose value is `{}` or `[]` (an empty collection).
  void empty_flow_entry(std::size_t indent, std::string_view key, std::string_view flow);
  // A sequence item of a sequence that is the value of a mapping entry at
  // `indent` (the "- " goes at `indent`, as ruamel writes it under a key).
  void sequence_item(std::size_t indent, std::string_view value);
  // Ends the document (the final line break) and hands over the text.
  std::string finish();
  // The text so far, without the final line break.
  const std::string& text() const { return m_out; }
  // Whether what was written so far could differ between b's variants: it
  // folded double-quoted text or met a character beyond U+FFFF inside double
  // quotes. When not, every b variant writes the same text.
  bool b_variants_may_differ() const { return m_b_variants_may_differ; }

private:
  enum class Style { plain, single_quoted, double_quoted };

  // Writes a key at `indent` and its ':' (simple or explicit form).
  void write_key(std::size_t indent, std::string_view key);
  void write_scalar(std::string_view utf8, std::u32string_view text, std::size_t indent, bool simple_key);

  void write_plain(std::u32string_view text, bool split);
  bool word_gets_own_line(std::size_t length) const;
  void write_single_quoted(std::u32string_view text, bool split);
  void write_break_run(std::u32string_view breaks);
  void write_double_quoted(std::u32string_view text, bool split);

  void write_indicator(std::string_view indicator, bool need_whitespace, bool whitespace = false,
                       bool indention = false);
  void write_indent();
  void write_line_break(char32_t br = U'\n');
  void write_text(std::u32string_view text);
  void write_ascii(std::string_view text);

  YamlLayout m_layout;
  bool m_b_variants_may_differ = false;
  std::string m_out;
  std::size_t m_column = 0;
  std::size_t m_indent = 0;
  bool m_whitespace = true;
  bool m_indention = true;
};

} // namespace pprotect::store
