#include "store/yaml/yaml_emitter.hpp"

#include "store/yaml/errors.hpp"
#include "store/yaml/yaml_resolver.hpp"
#include "sys/hex.hpp"
#include "sys/printable.hpp"
#include "sys/utf8.hpp"

#include <array>
#include <cstdint>

// The decisions below follow ruamel.yaml's Emitter (analyze_scalar,
// choose_scalar_style, write_plain / write_single_quoted /
// write_double_quoted, write_indent) step by step, because the reference
// regenerates the whole file on each write and a diff of protected.yaml must
// show only the change that was made. Quirks are kept on purpose: folding
// happens only once a line is already past the width (at it, from 0.18.13),
// and only at a single space.
//
// What each layout changes (read off each boundary's emitter diff; b's
// variants, store/yaml/yaml_layout.hpp, differ only inside double quotes):
// - b (0.17.22, b_0_17_22): in write_plain, a word longer than the width
//   that does not start its line is moved to a line of its own, after the
//   space that preceded it (so that line ends in a space). Double-quoted
//   text is still written as in a: astral characters escaped, every fold
//   ending in `\`.
// - b_0_17_26 (0.17.26 - 0.18.10): astral characters are written as they
//   are inside double quotes (from 0.17.23), and a double-quoted fold drops
//   the space and ends its line without `\`, the line break standing for the
//   space, unless the next word holds a quote, the space after it is
//   doubled, the fold falls on two spaces, or no space follows (0.17.25's
//   rule, as 0.18.10 has it). 0.17.23 - 0.17.24 fold by an earlier rule and
//   0.17.25 fails on some text: not reproduced.
// - b_0_18_11 (0.18.11): the `\` is also kept where the next space (or a
//   line break before it, which then stands for it) is followed by a line
//   break, and where the fold follows an escape.
// - b_0_18_12 (0.18.12, what "b" means): a line break before the next space
//   keeps the `\` too; this is c's double-quoted rule.
// - c (0.18.13): any word that would pass the width is moved, and a single
//   space folds once the line has reached the width (not only passed it).

namespace pprotect::store {

namespace {

// ruamel.yaml counts the "!!str" tag of every string key against the
// simple-key limit (Emitter.check_simple_key), even though the tag is never
// written: keys of 123 characters become explicit keys, not 128 as a reading
// of the limit alone suggests. Measured with every ruamel.yaml from 0.17.21
// to 0.19.1.
constexpr std::size_t k_key_tag_length = 5;

bool is_break(char32_t ch) {
  return ch == U'\n' || ch == 0x85 || ch == 0x2028 || ch == 0x2029;
}

bool is_blank_or_break(char32_t ch) {
  return ch == U'\0' || ch == U' ' || ch == U'\t' || ch == U'\r' || is_break(ch);
}

// Printable for ruamel.yaml with allow_unicode: written as is in plain and
// single-quoted scalars.
bool is_printable(char32_t ch) {
  if (ch == U'\n' || (ch >= 0x20 && ch <= 0x7E)) {
    return true;
  }
  if (ch == 0xFEFF) {
    return false;
  }
  return ch == 0x85 || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD) ||
         (ch >= 0x10000 && ch <= 0x10FFFF);
}

// Written as is inside double quotes; everything else is escaped. Up to
// 0.17.22 astral characters are escaped although they are printable above.
bool is_double_quoted_safe(char32_t ch, YamlLayout layout) {
  if (ch == U'"' || ch == U'\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 || ch == 0xFEFF) {
    return false;
  }
  return (ch >= 0x20 && ch <= 0x7E) || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD) ||
         (layout != YamlLayout::a && layout != YamlLayout::b_0_17_22 && ch >= 0x10000 && ch <= 0x10FFFF);
}

// Thrown inside the emitter where the layout's release would write a
// scalar that does not read back; the entry point that knows what the
// scalar is (a name, a value) turns it into a StoreError.
struct UnreadableScalar {};

// Whether a fold of double-quoted text at `end` (the next character to
// write) ends its line in `\`. Python's IndexError and ValueError, which
// ruamel.yaml catches to keep the backslash, are the early `true` returns.
bool double_quoted_fold_needs_backslash(std::u32string_view text, std::size_t start, std::size_t end,
                                        YamlLayout layout) {
  if (layout == YamlLayout::a || layout == YamlLayout::b_0_17_22) {
    return true;
  }
  // From 0.18.11 on a line break coming before the next space stands for it
  // (0.18.11), or keeps the `\` (0.18.12).
  const bool from_0_18_11 = layout != YamlLayout::b_0_17_26;
  std::size_t space_pos = text.find(U' ', end);
  if (space_pos == std::u32string_view::npos) {
    return true;
  }
  if (from_0_18_11) {
    const std::size_t line_break = text.substr(0, space_pos).find(U'\n', end);
    if (line_break != std::u32string_view::npos) {
      if (layout != YamlLayout::b_0_18_11) {
        return true;
      }
      space_pos = line_break;
    }
  }
  const std::u32string_view next_word = text.substr(end, space_pos - end);
  if (next_word.find(U'"') != std::u32string_view::npos ||
      next_word.find(U'\'') != std::u32string_view::npos) {
    return true;
  }
  if (space_pos + 1 >= text.size()) {
    return true;
  }
  const char32_t after_space = text[space_pos + 1];
  if (after_space == U' ' || (from_0_18_11 && after_space == U'\n')) {
    return true;
  }
  if (text[end - 1] == U' ' && text[end] == U' ') {
    return true;
  }
  return from_0_18_11 && start == end;
}

std::string double_quoted_escape(char32_t ch) {
  switch (ch) {
  case 0x00:
    return "\\0";
  case 0x07:
    return "\\a";
  case 0x08:
    return "\\b";
  case 0x09:
    return "\\t";
  case 0x0A:
    return "\\n";
  case 0x0B:
    return "\\v";
  case 0x0C:
    return "\\f";
  case 0x0D:
    return "\\r";
  case 0x1B:
    return "\\e";
  case U'"':
    return "\\\"";
  case U'\\':
    return "\\\\";
  case 0x85:
    return "\\N";
  case 0xA0:
    return "\\_";
  case 0x2028:
    return "\\L";
  case 0x2029:
    return "\\P";
  default:
    break;
  }
  std::string out = "\\";
  int digits = 0;
  if (ch <= 0xFF) {
    out += 'x';
    digits = 2;
  } else if (ch <= 0xFFFF) {
    out += 'u';
    digits = 4;
  } else {
    out += 'U';
    digits = 8;
  }
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out += sys::hex_digit(static_cast<unsigned>(ch >> shift), sys::HexCase::upper);
  }
  return out;
}

// Strict UTF-8 decoding (no overlongs, no surrogates): the file is UTF-8
// and the reader refuses anything else, so writing it would make a file
// that cannot be read back.
std::u32string decode_utf8(std::string_view text) {
  auto decoded = sys::decode_utf8(text);
  if (!decoded) {
    throw StoreError("cannot write text that is not valid UTF-8");
  }
  return std::move(*decoded);
}

struct ScalarAnalysis {
  bool empty = false;
  bool multiline = false;
  bool allow_block_plain = true;
  bool allow_single_quoted = true;
};

ScalarAnalysis analyze_scalar(std::u32string_view s) {
  ScalarAnalysis result;
  if (s.empty()) {
    result.empty = true;
    return result;
  }
  bool block_indicators = false;
  bool line_breaks = false;
  bool special_characters = false;
  bool leading_space = false;
  bool leading_break = false;
  bool trailing_space = false;
  bool trailing_break = false;
  bool break_space = false;
  bool space_break = false;

  if (s.substr(0, 3) == U"---" || s.substr(0, 3) == U"...") {
    block_indicators = true;
  }
  bool preceded_by_whitespace = true;
  bool followed_by_whitespace = s.size() == 1 || is_blank_or_break(s[1]);
  bool previous_space = false;
  bool previous_break = false;
  static constexpr std::u32string_view k_leading_indicators = U"#,[]{}&*!|>'\"%@`";

  for (std::size_t index = 0; index < s.size(); ++index) {
    const char32_t ch = s[index];
    if (index == 0) {
      if (k_leading_indicators.find(ch) != std::u32string_view::npos) {
        block_indicators = true;
      }
      if ((ch == U'?' || ch == U':' || ch == U'-') && followed_by_whitespace) {
        block_indicators = true;
      }
    } else {
      if (ch == U':' && followed_by_whitespace) {
        block_indicators = true;
      }
      if (ch == U'#' && preceded_by_whitespace) {
        block_indicators = true;
      }
    }
    if (is_break(ch)) {
      line_breaks = true;
    }
    if (!is_printable(ch)) {
      special_characters = true;
    }
    if (ch == U' ') {
      leading_space = leading_space || index == 0;
      trailing_space = trailing_space || index == s.size() - 1;
      break_space = break_space || previous_break;
      previous_space = true;
      previous_break = false;
    } else if (is_break(ch)) {
      leading_break = leading_break || index == 0;
      trailing_break = trailing_break || index == s.size() - 1;
      space_break = space_break || previous_space;
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = false;
      previous_break = false;
    }
    preceded_by_whitespace = is_blank_or_break(ch);
    followed_by_whitespace = index + 2 >= s.size() || is_blank_or_break(s[index + 2]);
  }

  if (leading_space || leading_break || trailing_space || trailing_break) {
    result.allow_block_plain = false;
  }
  if (break_space || special_characters || space_break) {
    result.allow_block_plain = false;
    result.allow_single_quoted = false;
  }
  if (line_breaks || block_indicators) {
    result.allow_block_plain = false;
  }
  result.multiline = line_breaks;
  return result;
}

} // namespace

void YamlEmitter::write_ascii(std::string_view text) {
  m_out += text;
  m_column += text.size();
}

void YamlEmitter::write_text(std::u32string_view text) {
  for (char32_t ch : text) {
    sys::append_utf8(m_out, ch);
  }
  m_column += text.size();
}

void YamlEmitter::write_indicator(std::string_view indicator, bool need_whitespace, bool whitespace,
                                  bool indention) {
  if (!m_whitespace && need_whitespace) {
    m_out += ' ';
    ++m_column;
  }
  m_out += indicator;
  m_column += indicator.size();
  m_whitespace = whitespace;
  m_indention = m_indention && indention;
}

void YamlEmitter::write_indent() {
  if (!m_indention || m_column > m_indent || (m_column == m_indent && !m_whitespace)) {
    write_line_break();
  }
  if (m_column < m_indent) {
    m_whitespace = true;
    m_out.append(m_indent - m_column, ' ');
    m_column = m_indent;
  }
}

void YamlEmitter::write_line_break(char32_t br) {
  m_whitespace = true;
  m_indention = true;
  m_column = 0;
  sys::append_utf8(m_out, br);
}

void YamlEmitter::write_plain(std::u32string_view text, bool split) {
  if (text.empty()) {
    return;
  }
  if (!m_whitespace) {
    write_ascii(" ");
  }
  m_whitespace = false;
  m_indention = false;
  bool spaces = false;
  bool breaks = false;
  std::size_t start = 0;
  for (std::size_t end = 0; end <= text.size(); ++end) {
    const bool has_ch = end < text.size();
    const char32_t ch = has_ch ? text[end] : U'\0';
    if (spaces) {
      if (!has_ch || ch != U' ') {
        const bool at_width = m_layout == YamlLayout::c ? m_column >= k_best_width : m_column > k_best_width;
        if (start + 1 == end && at_width && split) {
          write_indent();
          m_whitespace = false;
          m_indention = false;
        } else {
          write_text(text.substr(start, end - start));
        }
        start = end;
      }
    } else if (breaks) {
      // Unreachable: multi-line text is never written plain.
      if (!has_ch || !is_break(ch)) {
        write_break_run(text.substr(start, end - start));
        m_whitespace = false;
        m_indention = false;
        start = end;
      }
    } else if (!has_ch || ch == U' ' || is_break(ch)) {
      const std::u32string_view word = text.substr(start, end - start);
      if (word_gets_own_line(word.size())) {
        // Layouts b and c move the word even inside a simple key, which
        // then no longer reads as a key; and after a run of spaces the line
        // break reads back as one space, not the run.
        if (!split || (start >= 2 && text[start - 2] == U' ')) {
          throw UnreadableScalar{};
        }
        write_indent();
      }
      write_text(word);
      start = end;
    }
    if (has_ch) {
      spaces = ch == U' ';
      breaks = is_break(ch);
    }
  }
}

// Whether a plain word of `length` characters about to be written at the
// current column goes to a line of its own (after "key: ", the line then
// ends in a space). Never at the start of a line's indentation.
bool YamlEmitter::word_gets_own_line(std::size_t length) const {
  if (m_column <= m_indent) {
    return false;
  }
  switch (m_layout) {
  case YamlLayout::a:
    return false;
  case YamlLayout::b_0_17_22:
  case YamlLayout::b_0_17_26:
  case YamlLayout::b_0_18_11:
  case YamlLayout::b_0_18_12:
    return length > k_best_width;
  case YamlLayout::c:
    break;
  }
  return length + m_column > k_best_width;
}

// A run of line breaks inside a plain or single-quoted scalar: a leading
// LF takes an extra empty line (a single break would fold to a space), then
// each break is written and the next line indented.
void YamlEmitter::write_break_run(std::u32string_view breaks) {
  if (breaks.front() == U'\n') {
    write_line_break();
  }
  for (const char32_t br : breaks) {
    write_line_break(br);
  }
  write_indent();
}

void YamlEmitter::write_single_quoted(std::u32string_view text, bool split) {
  write_indicator("'", true);
  bool spaces = false;
  bool breaks = false;
  std::size_t start = 0;
  for (std::size_t end = 0; end <= text.size(); ++end) {
    const bool has_ch = end < text.size();
    const char32_t ch = has_ch ? text[end] : U'\0';
    if (spaces) {
      if (!has_ch || ch != U' ') {
        if (start + 1 == end && m_column > k_best_width && split && start != 0 && end != text.size()) {
          write_indent();
        } else {
          write_text(text.substr(start, end - start));
        }
        start = end;
      }
    } else if (breaks) {
      if (!has_ch || !is_break(ch)) {
        write_break_run(text.substr(start, end - start));
        start = end;
      }
    } else if (!has_ch || ch == U' ' || is_break(ch) || ch == U'\'') {
      if (start < end) {
        write_text(text.substr(start, end - start));
        start = end;
      }
    }
    if (ch == U'\'' && has_ch) {
      write_ascii("''");
      start = end + 1;
    }
    if (has_ch) {
      spaces = ch == U' ';
      breaks = is_break(ch);
    }
  }
  write_indicator("'", false);
}

void YamlEmitter::write_double_quoted(std::u32string_view text, bool split) {
  write_indicator("\"", true);
  std::size_t start = 0;
  for (std::size_t end = 0; end <= text.size(); ++end) {
    const bool has_ch = end < text.size();
    const char32_t ch = has_ch ? text[end] : U'\0';
    if (has_ch && ch >= 0x10000) {
      m_b_variants_may_differ = true;
    }
    if (!has_ch || !is_double_quoted_safe(ch, m_layout)) {
      if (start < end) {
        write_text(text.substr(start, end - start));
        start = end;
      }
      if (has_ch) {
        write_ascii(double_quoted_escape(ch));
        start = end + 1;
      }
    }
    // end - start is -1 right after an escape; ruamel.yaml adds it as is.
    const auto pending = static_cast<long long>(end) - static_cast<long long>(start);
    if (end > 0 && end + 1 < text.size() && (ch == U' ' || start >= end) &&
        static_cast<long long>(m_column) + pending > static_cast<long long>(k_best_width) && split) {
      m_b_variants_may_differ = true;
      const bool backslash = double_quoted_fold_needs_backslash(text, start, end, m_layout);
      if (start < end) {
        write_text(text.substr(start, end - start));
        start = end;
      }
      if (backslash) {
        write_ascii("\\");
      } else if (m_out.back() == ' ' || text[start] != U' ' ||
                 (start + 1 < text.size() && text[start + 1] == U' ')) {
        // Without the `\` the line break reads back as one space: it must
        // stand for exactly the one space dropped below.
        throw UnreadableScalar{};
      }
      write_indent();
      m_whitespace = false;
      m_indention = false;
      if (text[start] == U' ') {
        if (backslash) {
          write_ascii("\\");
        } else {
          ++start;
        }
      }
    }
  }
  write_indicator("\"", false);
}

void YamlEmitter::write_scalar(std::string_view utf8, std::u32string_view text, std::size_t indent,
                               bool simple_key) {
  const ScalarAnalysis analysis = analyze_scalar(text);
  const bool reads_back_as_string = resolve_plain_scalar(utf8) == PlainScalarType::string;
  Style style = Style::double_quoted;
  if (reads_back_as_string && !(simple_key && (analysis.empty || analysis.multiline)) &&
      analysis.allow_block_plain) {
    style = Style::plain;
  } else if (text.find(U'\'') != std::u32string_view::npos || text.find(U'\n') != std::u32string_view::npos) {
    style = Style::double_quoted;
  } else if (analysis.allow_single_quoted && !(simple_key && analysis.multiline)) {
    style = Style::single_quoted;
  }
  const std::size_t saved_indent = m_indent;
  m_indent = indent;
  const bool split = !simple_key;
  switch (style) {
  case Style::plain:
    write_plain(text, split);
    break;
  case Style::single_quoted:
    write_single_quoted(text, split);
    break;
  case Style::double_quoted:
    write_double_quoted(text, split);
    break;
  }
  m_indent = saved_indent;
}

namespace {

[[noreturn]] void throw_unreadable(YamlLayout layout, const std::string& what) {
  throw StoreError("cannot write " + what + " in layout " + std::string(yaml_layout_name(layout)) + ": " +
                   std::string(yaml_layout_releases(layout)) +
                   " would write it so that it does not read back (write the file in layout a)");
}

} // namespace

void YamlEmitter::write_key(std::size_t indent, std::string_view key) {
  const std::u32string text = decode_utf8(key);
  m_indent = indent;
  write_indent();
  const bool multiline = analyze_scalar(text).multiline;
  try {
    if (text.size() + k_key_tag_length < k_max_simple_key_length && !multiline) {
      write_scalar(key, text, indent + k_indent_step, true);
      write_indicator(":", false);
      return;
    }
    write_indicator("?", true, false, true);
    write_scalar(key, text, indent + k_indent_step, false);
  } catch (const UnreadableScalar&) {
    throw_unreadable(m_layout, "the name " + sys::quoted_name(key, 60));
  }
  m_indent = indent;
  write_indent();
  write_indicator(":", true, false, true);
}

void YamlEmitter::scalar_entry(std::size_t indent, std::string_view key, std::string_view value) {
  write_key(indent, key);
  try {
    write_scalar(value, decode_utf8(value), indent + k_indent_step, false);
  } catch (const UnreadableScalar&) {
    // WARNING: never the value itself: it may be a secret's ciphertext.
    throw_unreadable(m_layout, "the value of " + sys::quoted_name(key, 60));
  }
}

void YamlEmitter::mapping_entry(std::size_t indent, std::string_view key) {
  write_key(indent, key);
}

void YamlEmitter::empty_flow_entry(std::size_t indent, std::string_view key, std::string_view flow) {
  write_key(indent, key);
  write_indicator(flow.substr(0, 1), true, true);
  write_indicator(flow.substr(1, 1), false);
}

void YamlEmitter::sequence_item(std::size_t indent, std::string_view value) {
  const std::u32string text = decode_utf8(value);
  m_indent = indent;
  write_indent();
  write_indicator("-", true, false, true);
  m_indent = indent + k_indent_step;
  write_indent();
  try {
    write_scalar(value, text, indent + k_indent_step, false);
  } catch (const UnreadableScalar&) {
    throw_unreadable(m_layout, "an audit-log entry");
  }
  m_indent = indent;
}

std::string YamlEmitter::finish() {
  m_indent = 0;
  write_indent();
  return std::move(m_out);
}

} // namespace pprotect::store
