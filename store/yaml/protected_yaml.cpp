#include "store/yaml/protected_yaml.hpp"

#include "store/yaml/errors.hpp"
#include "store/yaml/yaml_emitter.hpp"
#include "store/yaml/yaml_resolver.hpp"
#include "sys/printable.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <string>
#include <utility>
#include <yaml.h>

// Parsing walks libyaml's event stream with the file's schema in hand: every
// level of the structure is a known function, so nesting depth is bounded by
// the schema, the first unexpected event stops the parse (libyaml never has
// to read a hostile file to its end), and FileData is filled without an
// intermediate document tree.
//
// Typing follows the reference's loader (ruamel.yaml, YAML 1.2): a plain
// scalar that reads as an int, float, bool, null or timestamp is not a
// string, and the reference's schema refuses it; so do we, saying to quote
// it. `yes`/`no`/`on` are strings in YAML 1.2. Quoted and block scalars are
// always strings; the tags !!str and ! make any scalar a string. A plain
// "=" is the string "=", as the reference reads it; a plain "<<" (a merge
// key) is refused.
//
// Where we knowingly differ from the reference's loader:
// - domain names starting with "meta" (the reference's schema rejects them,
//   though its add-domain accepts them) and multi-line domain names load;
// - libyaml reads YAML 1.1 syntax: a raw U+2028 or U+2029 in a plain
//   scalar is a line break (the reference quotes such text, so only a hand
//   edit can hit this), and a tab inside a plain scalar is accepted
//   (ruamel.yaml refuses it). Quoted text reads as the reference reads it,
//   including its quirk that a U+0085 it wrote raw in single quotes comes
//   back as a space.
// - a secret key with a trailing line break ("secret-x\n", which Python's
//   `$` lets through) is refused;
// - aliases are refused: the reference never writes them, and expanding
//   them is how a small hostile file becomes a huge one;
// - values the reference coerces by accident (a string where a list is
//   expected becomes a list of characters) are refused.

namespace pprotect::store {

namespace {

constexpr std::string_view k_secret_prefix = "secret-";
// Names (domains, custodians, keys) in parse errors are cut after this many
// characters: a hostile 100 KB key must not become a 100 KB message.
constexpr std::size_t k_max_quoted_name = 60;

std::string_view event_kind(const yaml_event_t& event) {
  switch (event.type) {
  case YAML_MAPPING_START_EVENT:
    return "a mapping";
  case YAML_SEQUENCE_START_EVENT:
    return "a sequence";
  case YAML_SCALAR_EVENT:
    return "a scalar";
  case YAML_ALIAS_EVENT:
    return "an alias";
  case YAML_MAPPING_END_EVENT:
    return "the end of a mapping";
  case YAML_SEQUENCE_END_EVENT:
    return "the end of a sequence";
  case YAML_DOCUMENT_START_EVENT:
    return "another document";
  case YAML_DOCUMENT_END_EVENT:
    return "the end of the document";
  case YAML_STREAM_END_EVENT:
    return "the end of the file";
  default:
    return "an unexpected event";
  }
}

bool is_valid_secret_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (!alpha(name.front())) {
    return false;
  }
  for (char c : name.substr(1)) {
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

class EventReader {
public:
  EventReader(std::string_view text, std::string_view path) : m_text(text), m_path(path) {
    if (yaml_parser_initialize(&m_parser) == 0) {
      throw StoreError(std::string(m_path) + ": cannot initialise the YAML parser");
    }
    yaml_parser_set_input_string(&m_parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  }
  ~EventReader() {
    if (m_has_event) {
      yaml_event_delete(&m_event);
    }
    yaml_parser_delete(&m_parser);
  }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  // Advances to the next event; throws StoreError on malformed YAML.
  const yaml_event_t& next() {
    if (m_has_event) {
      yaml_event_delete(&m_event);
      m_has_event = false;
    }
    if (yaml_parser_parse(&m_parser, &m_event) == 0) {
      throw_parser_error();
    }
    m_has_event = true;
    return m_event;
  }

  [[noreturn]] void fail(const yaml_mark_t& mark, std::string_view what) const {
    throw StoreError(std::string(m_path) + ":" + std::to_string(mark.line + 1) + ":" +
                     std::to_string(mark.column + 1) + ": " + std::string(what));
  }
  [[noreturn]] void fail(std::string_view what) const { fail(m_event.start_mark, what); }

private:
  [[noreturn]] void throw_parser_error() const {
    std::string what = m_parser.problem != nullptr ? m_parser.problem : "malformed YAML";
    if (m_parser.error == YAML_READER_ERROR) {
      // Reader errors carry a byte offset, not a mark.
      fail(mark_of_offset(m_parser.problem_offset), "invalid text: " + what);
    }
    if (m_parser.context != nullptr) {
      what += " (" + std::string(m_parser.context) + " at line " +
              std::to_string(m_parser.context_mark.line + 1) + ")";
    }
    fail(m_parser.problem_mark, "malformed YAML: " + what);
  }

  // Line and column (in characters) of a byte offset into the text.
  yaml_mark_t mark_of_offset(std::size_t offset) const {
    yaml_mark_t mark{};
    const std::size_t end = offset < m_text.size() ? offset : m_text.size();
    for (std::size_t i = 0; i < end; ++i) {
      const auto byte = static_cast<unsigned char>(m_text[i]);
      if (byte == '\n') {
        ++mark.line;
        mark.column = 0;
      } else if ((byte & 0xC0) != 0x80) {
        ++mark.column;
      }
    }
    mark.index = end;
    return mark;
  }

  std::string_view m_text;
  std::string_view m_path;
  yaml_parser_t m_parser{};
  yaml_event_t m_event{};
  bool m_has_event = false;
};

// Where a key stands in the text, and how it is quoted.
struct KeySpan {
  yaml_mark_t start;
  yaml_mark_t end;
  yaml_scalar_style_t style;
};

KeySpan key_span(const yaml_event_t& key) {
  return {key.start_mark, key.end_mark,
          key.type == YAML_SCALAR_EVENT ? key.data.scalar.style : YAML_ANY_SCALAR_STYLE};
}

// Which layouts could have written the text (store/yaml/yaml_layout.hpp), from
// the entries where they differ: only a line that reaches past column 100
// can tell them apart. Each such entry is compared with what every layout
// still possible would write for it; once one layout is left, nothing more
// is looked at, so a file costs a few comparisons. An entry that no
// remaining layout writes as it stands (a hand edit) says nothing.
class LayoutEvidence {
public:
  explicit LayoutEvidence(std::string_view text) : m_text(text) {
    if (m_text.substr(0, 3) == "\xef\xbb\xbf") {
      m_cursor_bytes = 3; // libyaml's marks do not count the byte order mark
    }
  }

  // The newest layout the text fits.
  YamlLayout layout() const {
    for (std::size_t i = k_yaml_layout_count; i-- > 1;) {
      if ((m_possible & bit(k_layouts[i])) != 0) {
        return k_layouts[i];
      }
    }
    return YamlLayout::a;
  }

  // "key: value" with a scalar value.
  void scalar_entry(const KeySpan& key, std::string_view key_text, const yaml_event_t& value,
                    std::string_view value_text) {
    const yaml_mark_t& value_end = value.end_mark;
    if (decided() || only_double_quotes_can_tell({key.style, value.data.scalar.style}) ||
        (value_end.line == key.start.line && value_end.column <= YamlEmitter::k_best_width &&
         !astral_in_double_quotes(key.style, key_text) &&
         !astral_in_double_quotes(value.data.scalar.style, value_text))) {
      return;
    }
    if (value.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && key.end.line == key.start.line &&
        key.end.column < YamlEmitter::k_best_width && value.start_mark.line == value_end.line &&
        value_text.find(' ') == std::string_view::npos) {
      const SingleWord word = single_word_fits(key, value);
      if ((m_possible & word.own_line) == 0 || (m_possible & word.same_line) == 0) {
        return; // every layout still possible puts it in the same place
      }
      if (is_base64(value_text)) {
        single_word_value(key, value, word);
        return;
      }
    }
    compare(key.start, value_end,
            [&](YamlEmitter& out, std::size_t indent) { out.scalar_entry(indent, key_text, value_text); });
  }

  // A key whose value is a mapping (a domain or a custodian).
  void mapping_key(const KeySpan& key, std::string_view key_text) {
    if (decided() || only_double_quotes_can_tell({key.style}) ||
        (key.end.line == key.start.line && key.end.column < YamlEmitter::k_best_width &&
         !astral_in_double_quotes(key.style, key_text))) {
      return;
    }
    compare(key.start, key.end,
            [&](YamlEmitter& out, std::size_t indent) { out.mapping_entry(indent, key_text); });
  }

  // An item of the audit log.
  void sequence_item(const yaml_event_t& item, std::string_view text) {
    const yaml_mark_t& end = item.end_mark;
    if (decided() || only_double_quotes_can_tell({item.data.scalar.style}) ||
        (end.line == item.start_mark.line && end.column <= YamlEmitter::k_best_width &&
         !astral_in_double_quotes(item.data.scalar.style, text))) {
      return;
    }
    compare(item.start_mark, end,
            [&](YamlEmitter& out, std::size_t indent) { out.sequence_item(indent, text); });
  }

private:
  static constexpr unsigned bit(YamlLayout layout) { return 1U << static_cast<unsigned>(layout); }
  static constexpr unsigned k_all = (1U << k_yaml_layout_count) - 1; // every layout's bit
  // b's variants, which differ only inside double quotes.
  static constexpr unsigned k_b = (1U << static_cast<unsigned>(YamlLayout::b_0_17_22)) |
                                  (1U << static_cast<unsigned>(YamlLayout::b_0_17_26)) |
                                  (1U << static_cast<unsigned>(YamlLayout::b_0_18_11)) |
                                  (1U << static_cast<unsigned>(YamlLayout::b_0_18_12));
  static constexpr YamlLayout k_layouts[] = {YamlLayout::a,         YamlLayout::b_0_17_22,
                                             YamlLayout::b_0_17_26, YamlLayout::b_0_18_11,
                                             YamlLayout::b_0_18_12, YamlLayout::c};
  static_assert(std::size(k_layouts) == k_yaml_layout_count);

  bool decided() const { return (m_possible & (m_possible - 1)) == 0; }

  // Only b's variants are left and none of `styles` is double-quoted: b's
  // variants write the entry alike (a scalar the emitter would double-quote
  // cannot match the text in any of them), so it cannot tell them apart.
  // Without this a b file, which most often shows no variant, would be
  // compared entry by entry to the end.
  bool only_double_quotes_can_tell(std::initializer_list<yaml_scalar_style_t> styles) const {
    if ((m_possible & ~k_b) != 0) {
      return false;
    }
    for (const yaml_scalar_style_t style : styles) {
      if (style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
        return false;
      }
    }
    return true;
  }

  // Keeps the layouts in `fits` unless none of them is still possible.
  void narrow(unsigned fits) {
    if ((m_possible & fits) != 0) {
      m_possible &= fits;
    }
  }

  // Layouts a and b_0_17_22 escape characters beyond U+FFFF inside double
  // quotes; the later ones write them as they are, so even a short line can
  // tell.
  static bool astral_in_double_quotes(yaml_scalar_style_t style, std::string_view text) {
    if (style != YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
      return false;
    }
    for (const char c : text) {
      if (static_cast<unsigned char>(c) >= 0xF0) {
        return true;
      }
    }
    return false;
  }

  static bool is_base64(std::string_view text) {
    for (const char c : text) {
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
            c == '/' || c == '=')) {
        return false;
      }
    }
    return true;
  }

  // The usual evidence, decided without emitting: a base64 value either
  // follows "key: " or stands on the next line after "key: " with its
  // trailing space. Layout a never moves it; b moves words longer than the
  // width; c moves any word that would pass it.
  struct SingleWord {
    unsigned own_line;  // the layouts that put it on a line of its own
    unsigned same_line; // those that leave it after "key: "
  };

  static SingleWord single_word_fits(const KeySpan& key, const yaml_event_t& value) {
    const std::size_t length = value.end_mark.column - value.start_mark.column;
    const std::size_t column = key.end.column + 2;
    const unsigned own_line = (length > YamlEmitter::k_best_width ? k_b : 0U) |
                              (column + length > YamlEmitter::k_best_width ? bit(YamlLayout::c) : 0U);
    return {own_line, ~own_line & k_all};
  }

  void single_word_value(const KeySpan& key, const yaml_event_t& value, const SingleWord& word) {
    const std::size_t after_key = byte_offset(key.end);
    const std::size_t value_start = byte_offset(value.start_mark);
    if (value_start < after_key) {
      return;
    }
    const std::string_view between = m_text.substr(after_key, value_start - after_key);
    if (between == ": ") {
      narrow(word.same_line);
    } else if (between.substr(0, 3) == ": \n" && between.size() == 3 + key.start.column + 2 &&
               between.find_first_not_of(' ', 3) == std::string_view::npos) {
      narrow(word.own_line);
    }
  }

  // Emits the entry starting at `start` in each layout still possible and
  // keeps those that write the text up to `end` as it stands. Before the
  // entry, its line holds its indentation, or "- " (an item), "? " (an
  // explicit key) or ": " (the first key of an explicit key's value, which
  // stands where its indentation would).
  template <typename Emit> void compare(const yaml_mark_t& start, const yaml_mark_t& end, const Emit& emit) {
    const std::size_t start_byte = byte_offset(start);
    if (start_byte < start.column) {
      return;
    }
    const std::size_t line_start = start_byte - start.column;
    const std::string_view lead = m_text.substr(line_start, start.column);
    const std::size_t indicator = lead.find_first_not_of(' ');
    std::size_t entry_indent = start.column;
    std::size_t skipped = 0; // leading characters of the emitted text not compared
    if (indicator != std::string_view::npos) {
      const std::string_view marker = lead.substr(indicator);
      if (marker == "- " || marker == "? ") {
        entry_indent = indicator;
      } else if (marker == ": ") {
        skipped = start.column;
      } else {
        return;
      }
    }
    const std::size_t end_byte = byte_offset(end);
    if (end_byte < start_byte) {
      return;
    }
    const std::size_t written = end_byte - line_start;
    unsigned fits = 0;
    bool b_variants_alike = false; // one b variant stood for all of them
    for (const YamlLayout layout : k_layouts) {
      if ((m_possible & bit(layout)) == 0 || (b_variants_alike && is_layout_b(layout))) {
        continue;
      }
      YamlEmitter out(layout);
      try {
        emit(out, entry_indent);
      } catch (const StoreError&) {
        continue; // this layout would not write it at all
      }
      const std::string_view text = out.text();
      const bool match = text.size() >= written && text.size() >= skipped &&
                         m_text.substr(line_start + skipped, text.size() - skipped) == text.substr(skipped);
      if (is_layout_b(layout) && !out.b_variants_may_differ()) {
        b_variants_alike = true;
        fits |= match ? k_b : 0U;
      } else if (match) {
        fits |= bit(layout);
      }
    }
    narrow(fits);
  }

  // The byte offset of a mark, whose index counts characters. Marks come in
  // order, so the cursor only walks forward through the text.
  std::size_t byte_offset(const yaml_mark_t& mark) {
    if (mark.index < m_cursor_chars) {
      m_cursor_chars = 0;
      m_cursor_bytes = m_text.substr(0, 3) == "\xef\xbb\xbf" ? 3 : 0;
    }
    while (m_cursor_chars < mark.index && m_cursor_bytes < m_text.size()) {
      // Eight ASCII bytes at a time: most of a protected file is base64.
      if (mark.index - m_cursor_chars >= 8 && m_text.size() - m_cursor_bytes >= 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, m_text.data() + m_cursor_bytes, 8);
        if ((word & 0x8080808080808080ULL) == 0) {
          m_cursor_bytes += 8;
          m_cursor_chars += 8;
          continue;
        }
      }
      ++m_cursor_bytes;
      while (m_cursor_bytes < m_text.size() &&
             (static_cast<unsigned char>(m_text[m_cursor_bytes]) & 0xC0) == 0x80) {
        ++m_cursor_bytes;
      }
      ++m_cursor_chars;
    }
    return m_cursor_bytes;
  }

  std::string_view m_text;
  unsigned m_possible = k_all;
  std::size_t m_cursor_chars = 0;
  std::size_t m_cursor_bytes = 0;
};

class ProtectedYamlParser {
public:
  ProtectedYamlParser(std::string_view text, std::string_view path, LayoutEvidence* evidence)
      : m_events(text, path), m_evidence(evidence) {}

  FileData parse() {
    FileData data;
    if (m_events.next().type != YAML_STREAM_START_EVENT) {
      m_events.fail("expected the start of the file");
    }
    const yaml_event_t& first = m_events.next();
    if (first.type == YAML_STREAM_END_EVENT) {
      m_events.fail("expected a mapping with 'key-custodians' and 'audit-log', found an empty file");
    }
    // DOCUMENT_START (possibly implicit)
    const yaml_event_t& root = m_events.next();
    expect_mapping_start(root, "the top level");
    const yaml_mark_t root_mark = root.start_mark;
    bool have_custodians = false;
    bool have_audit_log = false;
    while (true) {
      const yaml_event_t& key_event = m_events.next();
      if (key_event.type == YAML_MAPPING_END_EVENT) {
        break;
      }
      const yaml_mark_t key_mark = key_event.start_mark;
      const KeySpan key_where = key_span(key_event);
      std::string key = read_key(key_event, "the top level");
      if (key == "audit-log") {
        check_unique(!have_audit_log, key_mark, key, "the top level");
        have_audit_log = true;
        parse_audit_log(data.audit_log);
      } else if (key == "key-custodians") {
        check_unique(!have_custodians, key_mark, key, "the top level");
        have_custodians = true;
        parse_custodians(data.custodians);
      } else {
        auto [it, inserted] = data.domains.try_emplace(std::move(key));
        check_unique(inserted, key_mark, it->first, "the top level");
        if (m_evidence != nullptr) {
          m_evidence->mapping_key(key_where, it->first);
        }
        parse_domain(it->first, it->second);
      }
    }
    if (!have_custodians) {
      m_events.fail(root_mark, "expected a 'key-custodians' key in the top-level mapping");
    }
    if (!have_audit_log) {
      m_events.fail(root_mark, "expected an 'audit-log' key in the top-level mapping");
    }
    m_events.next(); // DOCUMENT_END
    const yaml_event_t& end = m_events.next();
    if (end.type != YAML_STREAM_END_EVENT) {
      m_events.fail("expected a single document, found another document");
    }
    return data;
  }

private:
  void check_unique(bool unique, const yaml_mark_t& mark, std::string_view key,
                    std::string_view where) const {
    if (!unique) {
      m_events.fail(mark, "duplicate key " + sys::quoted_name(key, k_max_quoted_name) + " in " +
                              std::string(where));
    }
  }

  void expect_mapping_start(const yaml_event_t& event, std::string_view what) const {
    if (event.type == YAML_MAPPING_START_EVENT) {
      check_collection_tag(event.data.mapping_start.tag, "tag:yaml.org,2002:map");
      return;
    }
    m_events.fail("expected a mapping for " + std::string(what) + ", found " + describe(event));
  }

  void expect_sequence_start(const yaml_event_t& event, std::string_view what) const {
    if (event.type == YAML_SEQUENCE_START_EVENT) {
      check_collection_tag(event.data.sequence_start.tag, "tag:yaml.org,2002:seq");
      return;
    }
    m_events.fail("expected a sequence for " + std::string(what) + ", found " + describe(event));
  }

  void check_collection_tag(const yaml_char_t* tag, std::string_view allowed) const {
    if (tag == nullptr) {
      return;
    }
    const std::string_view text(reinterpret_cast<const char*>(tag));
    if (text != allowed && text != "!") {
      m_events.fail("unsupported tag " + sys::quoted_name(text, k_max_quoted_name));
    }
  }

  // "a sequence", "an int", "null", ... for the found part of a message.
  std::string describe(const yaml_event_t& event) const {
    if (event.type != YAML_SCALAR_EVENT) {
      return std::string(event_kind(event));
    }
    if (event.data.scalar.tag == nullptr && event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
      const std::string_view text(reinterpret_cast<const char*>(event.data.scalar.value),
                                  event.data.scalar.length);
      return std::string(plain_scalar_type_name(resolve_plain_scalar(text)));
    }
    return "a string";
  }

  // The text of a scalar that must be a string; `what` names it for errors.
  // `show_text` is false for values, so no field content ends in a message.
  std::string read_string(const yaml_event_t& event, std::string_view what, bool show_text) const {
    if (event.type == YAML_ALIAS_EVENT) {
      m_events.fail("aliases are not supported (in " + std::string(what) + ")");
    }
    if (event.type != YAML_SCALAR_EVENT) {
      m_events.fail("expected a string for " + std::string(what) + ", found " + describe(event));
    }
    const auto& scalar = event.data.scalar;
    std::string text(reinterpret_cast<const char*>(scalar.value), scalar.length);
    if (scalar.tag != nullptr) {
      const std::string_view tag(reinterpret_cast<const char*>(scalar.tag));
      if (tag != "tag:yaml.org,2002:str" && tag != "!") {
        m_events.fail("unsupported tag " + sys::quoted_name(tag, k_max_quoted_name) + " for " +
                      std::string(what) + " (only strings are allowed)");
      }
      return text;
    }
    if (scalar.style == YAML_PLAIN_SCALAR_STYLE) {
      const PlainScalarType type = resolve_plain_scalar(text);
      // The reference's loader constructs a plain "=" as the string "=".
      if (type != PlainScalarType::string && type != PlainScalarType::value) {
        std::string message = "expected a string for " + std::string(what) + ", found " +
                              std::string(plain_scalar_type_name(type));
        if (show_text && !text.empty()) {
          message += " " + text;
        }
        if (type != PlainScalarType::null || !text.empty()) {
          message += " (quote it to make it a string)";
        }
        m_events.fail(message);
      }
    }
    return text;
  }

  std::string read_key(const yaml_event_t& event, std::string_view where) const {
    if (event.type != YAML_SCALAR_EVENT && event.type != YAML_ALIAS_EVENT) {
      m_events.fail("expected a string key in " + std::string(where) + ", found " + describe(event));
    }
    return read_string(event, "a key in " + std::string(where), true);
  }

  void parse_audit_log(std::vector<std::string>& log) {
    expect_sequence_start(m_events.next(), "'audit-log'");
    while (true) {
      const yaml_event_t& event = m_events.next();
      if (event.type == YAML_SEQUENCE_END_EVENT) {
        return;
      }
      log.push_back(read_string(event, "an 'audit-log' entry", false));
      if (m_evidence != nullptr) {
        m_evidence->sequence_item(event, log.back());
      }
    }
  }

  void parse_custodians(std::map<std::string, std::string>& custodians) {
    expect_mapping_start(m_events.next(), "'key-custodians'");
    while (true) {
      const yaml_event_t& key_event = m_events.next();
      if (key_event.type == YAML_MAPPING_END_EVENT) {
        return;
      }
      const yaml_mark_t key_mark = key_event.start_mark;
      const KeySpan key_where = key_span(key_event);
      std::string name = read_key(key_event, "'key-custodians'");
      auto [it, inserted] = custodians.try_emplace(std::move(name));
      check_unique(inserted, key_mark, it->first, "'key-custodians'");
      if (m_evidence != nullptr) {
        m_evidence->mapping_key(key_where, it->first);
      }
      const std::string where = "key custodian " + sys::quoted_name(it->first, k_max_quoted_name);
      const yaml_event_t& record = m_events.next();
      expect_mapping_start(record, where);
      const yaml_mark_t record_mark = record.start_mark;
      bool have_pwdkm = false;
      while (true) {
        const yaml_event_t& field = m_events.next();
        if (field.type == YAML_MAPPING_END_EVENT) {
          break;
        }
        const yaml_mark_t field_mark = field.start_mark;
        const KeySpan field_where = key_span(field);
        const std::string field_name = read_key(field, where);
        if (field_name != "pwdkm") {
          m_events.fail(field_mark, "unexpected key " + sys::quoted_name(field_name, k_max_quoted_name) +
                                        " in " + where + " (expected only 'pwdkm')");
        }
        check_unique(!have_pwdkm, field_mark, field_name, where);
        have_pwdkm = true;
        const yaml_event_t& value = m_events.next();
        it->second = read_string(value, "'pwdkm' of " + where, false);
        if (m_evidence != nullptr) {
          m_evidence->scalar_entry(field_where, field_name, value, it->second);
        }
      }
      if (!have_pwdkm) {
        m_events.fail(record_mark, "expected a 'pwdkm' key in " + where);
      }
    }
  }

  void parse_domain(const std::string& name, DomainData& domain) {
    const std::string where = "domain " + sys::quoted_name(name, k_max_quoted_name);
    const yaml_event_t& start = m_events.next();
    expect_mapping_start(start, where);
    const yaml_mark_t domain_mark = start.start_mark;
    bool have_meta = false;
    while (true) {
      const yaml_event_t& key_event = m_events.next();
      if (key_event.type == YAML_MAPPING_END_EVENT) {
        break;
      }
      const yaml_mark_t key_mark = key_event.start_mark;
      const KeySpan key_where = key_span(key_event);
      std::string key = read_key(key_event, where);
      if (key == "meta") {
        check_unique(!have_meta, key_mark, key, where);
        have_meta = true;
        parse_meta(where, domain);
        continue;
      }
      const std::string_view key_view(key);
      if (key_view.substr(0, k_secret_prefix.size()) != k_secret_prefix ||
          !is_valid_secret_name(key_view.substr(k_secret_prefix.size()))) {
        m_events.fail(key_mark, "unexpected key " + sys::quoted_name(key, k_max_quoted_name) + " in " +
                                    where +
                                    " (expected 'meta' or 'secret-<name>', name matching "
                                    "[A-Za-z][-_A-Za-z0-9]*)");
      }
      auto [it, inserted] = domain.secrets.try_emplace(key.substr(k_secret_prefix.size()));
      check_unique(inserted, key_mark, key, where);
      const yaml_event_t& value = m_events.next();
      it->second = read_string(
          value, "secret " + sys::quoted_name(it->first, k_max_quoted_name) + " of " + where, false);
      if (m_evidence != nullptr) {
        m_evidence->scalar_entry(key_where, key, value, it->second);
      }
    }
    if (!have_meta) {
      m_events.fail(domain_mark, "expected a 'meta' key in " + where);
    }
  }

  void parse_meta(const std::string& where, DomainData& domain) {
    const std::string meta_where = "'meta' of " + where;
    const yaml_event_t& start = m_events.next();
    expect_mapping_start(start, meta_where);
    const yaml_mark_t meta_mark = start.start_mark;
    bool have_owners = false;
    bool have_public_key = false;
    while (true) {
      const yaml_event_t& key_event = m_events.next();
      if (key_event.type == YAML_MAPPING_END_EVENT) {
        break;
      }
      const yaml_mark_t key_mark = key_event.start_mark;
      const KeySpan key_where = key_span(key_event);
      const std::string key = read_key(key_event, meta_where);
      if (key == "public-key") {
        check_unique(!have_public_key, key_mark, key, meta_where);
        have_public_key = true;
        const yaml_event_t& value = m_events.next();
        domain.public_key = read_string(value, "'public-key' of " + where, false);
        if (m_evidence != nullptr) {
          m_evidence->scalar_entry(key_where, key, value, domain.public_key);
        }
      } else if (key == "owners") {
        check_unique(!have_owners, key_mark, key, meta_where);
        have_owners = true;
        parse_owners(where, domain.owners);
      } else {
        m_events.fail(key_mark, "unexpected key " + sys::quoted_name(key, k_max_quoted_name) + " in " +
                                    meta_where + " (expected 'owners' and 'public-key')");
      }
    }
    if (!have_owners) {
      m_events.fail(meta_mark, "expected an 'owners' key in " + meta_where);
    }
    if (!have_public_key) {
      m_events.fail(meta_mark, "expected a 'public-key' key in " + meta_where);
    }
  }

  void parse_owners(const std::string& where, std::map<std::string, std::string>& owners) {
    const std::string owners_where = "'owners' of " + where;
    const yaml_event_t& start = m_events.next();
    expect_mapping_start(start, owners_where);
    const yaml_mark_t owners_mark = start.start_mark;
    while (true) {
      const yaml_event_t& key_event = m_events.next();
      if (key_event.type == YAML_MAPPING_END_EVENT) {
        break;
      }
      const yaml_mark_t key_mark = key_event.start_mark;
      const KeySpan key_where = key_span(key_event);
      std::string name = read_key(key_event, owners_where);
      auto [it, inserted] = owners.try_emplace(std::move(name));
      check_unique(inserted, key_mark, it->first, owners_where);
      const yaml_event_t& value = m_events.next();
      it->second = read_string(
          value, "owner " + sys::quoted_name(it->first, k_max_quoted_name) + " of " + where, false);
      if (m_evidence != nullptr) {
        m_evidence->scalar_entry(key_where, it->first, value, it->second);
      }
    }
    // The reference's schema ({str: str}) requires at least one owner.
    if (owners.empty()) {
      m_events.fail(owners_mark, "expected at least one owner in " + owners_where);
    }
  }

  EventReader m_events;
  LayoutEvidence* m_evidence; // null when the layout is not wanted
};

} // namespace

FileData parse_protected_yaml(std::string_view text, std::string_view path, YamlLayout* layout) {
  if (layout == nullptr) {
    ProtectedYamlParser parser(text, path, nullptr);
    return parser.parse();
  }
  LayoutEvidence evidence(text);
  ProtectedYamlParser parser(text, path, &evidence);
  FileData data = parser.parse();
  *layout = evidence.layout();
  return data;
}

std::string emit_protected_yaml(const FileData& data, YamlLayout layout) {
  // Layout of the reference: domains (sorted), key-custodians, audit-log;
  // in a domain, secrets (sorted) before meta. std::map gives the order.
  YamlEmitter out(layout);
  for (const auto& [name, domain] : data.domains) {
    // The reference writes such a domain and silently loses it (the section
    // overwrites it); refuse instead of writing a file that reads back
    // differently.
    if (name == "audit-log" || name == "key-custodians") {
      throw StoreError("cannot write a domain named " + sys::quoted_name(name, k_max_quoted_name) +
                       ": the name is a section of the file");
    }
    out.mapping_entry(0, name);
    for (const auto& [secret, value] : domain.secrets) {
      out.scalar_entry(2, std::string(k_secret_prefix) + secret, value);
    }
    out.mapping_entry(2, "meta");
    out.scalar_entry(4, "public-key", domain.public_key);
    if (domain.owners.empty()) {
      out.empty_flow_entry(4, "owners", "{}");
    } else {
      out.mapping_entry(4, "owners");
      for (const auto& [owner, entry] : domain.owners) {
        out.scalar_entry(6, owner, entry);
      }
    }
  }
  if (data.custodians.empty()) {
    out.empty_flow_entry(0, "key-custodians", "{}");
  } else {
    out.mapping_entry(0, "key-custodians");
    for (const auto& [name, pwdkm] : data.custodians) {
      out.mapping_entry(2, name);
      out.scalar_entry(4, "pwdkm", pwdkm);
    }
  }
  if (data.audit_log.empty()) {
    out.empty_flow_entry(0, "audit-log", "[]");
  } else {
    out.mapping_entry(0, "audit-log");
    for (const auto& entry : data.audit_log) {
      out.sequence_item(0, entry);
    }
  }
  return out.finish();
}

} // namespace pprotect::store
