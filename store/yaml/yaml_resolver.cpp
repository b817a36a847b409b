#include "store/yaml/yaml_resolver.hpp"

#include <cstddef>

// The matchers below are hand-written equivalents of ruamel.yaml's YAML 1.2
// implicit resolver patterns (no std::regex: it is slow and these run on
// every plain scalar of a 1 MB file). Each consumes the whole text or fails.

namespace pprotect::store {

namespace {

class Cursor {
public:
  explicit Cursor(std::string_view text) : m_text(text) {}

  bool at_end() const { return m_pos == m_text.size(); }
  char peek() const { return at_end() ? '\0' : m_text[m_pos]; }
  std::size_t pos() const { return m_pos; }
  void reset(std::size_t pos) { m_pos = pos; }

  bool accept(char c) {
    if (!at_end() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }
  template <typename Pred> std::size_t accept_run(Pred pred) {
    std::size_t start = m_pos;
    while (!at_end() && pred(m_text[m_pos])) {
      ++m_pos;
    }
    return m_pos - start;
  }
  template <typename Pred> bool accept_one(Pred pred) {
    if (!at_end() && pred(m_text[m_pos])) {
      ++m_pos;
      return true;
    }
    return false;
  }
  bool accept_word(std::string_view word) {
    if (m_text.substr(m_pos, word.size()) == word) {
      m_pos += word.size();
      return true;
    }
    return false;
  }

private:
  std::string_view m_text;
  std::size_t m_pos = 0;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_digit_or_underscore(char c) {
  return is_digit(c) || c == '_';
}
bool is_sign(char c) {
  return c == '-' || c == '+';
}

bool is_bool(std::string_view t) {
  return t == "true" || t == "True" || t == "TRUE" || t == "false" || t == "False" || t == "FALSE";
}

bool is_null(std::string_view t) {
  return t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL";
}

// [-+]?0b[0-1_]+ | [-+]?0o?[0-7_]+ | [-+]?[0-9_]+ | [-+]?0x[0-9a-fA-F_]+
bool is_int(std::string_view t) {
  Cursor c(t);
  c.accept_one(is_sign);
  const std::size_t body = c.pos();
  if (c.accept_word("0b") && c.accept_run([](char ch) { return ch == '0' || ch == '1' || ch == '_'; }) > 0 &&
      c.at_end()) {
    return true;
  }
  c.reset(body);
  if (c.accept_word("0o") &&
      c.accept_run([](char ch) { return (ch >= '0' && ch <= '7') || ch == '_'; }) > 0 && c.at_end()) {
    return true;
  }
  c.reset(body);
  if (c.accept_run(is_digit_or_underscore) > 0 && c.at_end()) {
    return true;
  }
  c.reset(body);
  return c.accept_word("0x") && c.accept_run([](char ch) {
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') || ch == '_';
  }) > 0 &&
         c.at_end();
}

// [eE][-+]?[0-9]+ (sign_required: [eE][-+][0-9]+)
bool accept_exponent(Cursor& c, bool sign_required) {
  if (!c.accept('e') && !c.accept('E')) {
    return false;
  }
  if (!c.accept_one(is_sign) && sign_required) {
    return false;
  }
  return c.accept_run(is_digit) > 0;
}

bool is_float(std::string_view t) {
  if (t == ".nan" || t == ".NaN" || t == ".NAN") {
    return true;
  }
  Cursor c(t);
  c.accept_one(is_sign);
  const std::size_t body = c.pos();
  if (c.accept_word(".inf") || c.accept_word(".Inf") || c.accept_word(".INF")) {
    if (c.at_end()) {
      return true;
    }
  }
  c.reset(body);
  if (c.accept_one(is_digit)) {
    // [0-9][0-9_]* then either \.[0-9_]*(exp)? or (exp)
    c.accept_run(is_digit_or_underscore);
    if (c.accept('.')) {
      c.accept_run(is_digit_or_underscore);
      if (c.at_end()) {
        return true;
      }
      return accept_exponent(c, false) && c.at_end();
    }
    return accept_exponent(c, false) && c.at_end();
  }
  c.reset(body);
  // \.[0-9_]+([eE][-+][0-9]+)?
  if (c.accept('.') && c.accept_run(is_digit_or_underscore) > 0) {
    if (c.at_end()) {
      return true;
    }
    return accept_exponent(c, true) && c.at_end();
  }
  return false;
}

// [0-9]{4}-[0-9]{2}-[0-9]{2}
// | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?
//   ([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?
bool is_timestamp(std::string_view t) {
  auto digits = [](Cursor& c, std::size_t min, std::size_t max) {
    std::size_t n = 0;
    while (n < max && c.accept_one(is_digit)) {
      ++n;
    }
    return n >= min;
  };
  Cursor c(t);
  if (!digits(c, 4, 4) || !c.accept('-')) {
    return false;
  }
  const std::size_t month = c.pos();
  if (digits(c, 2, 2) && c.accept('-') && digits(c, 2, 2) && c.at_end()) {
    return true;
  }
  c.reset(month);
  if (!digits(c, 1, 2) || !c.accept('-') || !digits(c, 1, 2)) {
    return false;
  }
  if (!c.accept('T') && !c.accept('t') &&
      c.accept_run([](char ch) { return ch == ' ' || ch == '\t'; }) == 0) {
    return false;
  }
  if (!digits(c, 1, 2) || !c.accept(':') || !digits(c, 2, 2) || !c.accept(':') || !digits(c, 2, 2)) {
    return false;
  }
  if (c.accept('.')) {
    c.accept_run(is_digit);
  }
  if (c.at_end()) {
    return true;
  }
  c.accept_run([](char ch) { return ch == ' ' || ch == '\t'; });
  if (c.accept('Z')) {
    return c.at_end();
  }
  if (!c.accept_one(is_sign) || !digits(c, 1, 2)) {
    return false;
  }
  if (c.at_end()) {
    return true;
  }
  return c.accept(':') && digits(c, 2, 2) && c.at_end();
}

} // namespace

PlainScalarType resolve_plain_scalar(std::string_view text) {
  // Like ruamel.yaml, only patterns registered for the first character apply.
  if (text.empty()) {
    return PlainScalarType::null;
  }
  switch (text.front()) {
  case 't':
  case 'T':
  case 'f':
  case 'F':
    return is_bool(text) ? PlainScalarType::boolean : PlainScalarType::string;
  case '~':
  case 'n':
  case 'N':
    return is_null(text) ? PlainScalarType::null : PlainScalarType::string;
  case '<':
    return text == "<<" ? PlainScalarType::merge : PlainScalarType::string;
  case '=':
    return text == "=" ? PlainScalarType::value : PlainScalarType::string;
  case '!':
  case '&':
  case '*':
    return text.size() == 1 ? PlainScalarType::yaml : PlainScalarType::string;
  case '.':
    return is_float(text) ? PlainScalarType::floating : PlainScalarType::string;
  case '-':
  case '+':
    if (is_float(text)) {
      return PlainScalarType::floating;
    }
    return is_int(text) ? PlainScalarType::integer : PlainScalarType::string;
  default:
    break;
  }
  if (is_digit(text.front())) {
    if (is_float(text)) {
      return PlainScalarType::floating;
    }
    if (is_int(text)) {
      return PlainScalarType::integer;
    }
    return is_timestamp(text) ? PlainScalarType::timestamp : PlainScalarType::string;
  }
  return PlainScalarType::string;
}

std::string_view plain_scalar_type_name(PlainScalarType type) {
  switch (type) {
  case PlainScalarType::string:
    return "a string";
  case PlainScalarType::boolean:
    return "a boolean";
  case PlainScalarType::integer:
    return "an int";
  case PlainScalarType::floating:
    return "a float";
  case PlainScalarType::null:
    return "null";
  case PlainScalarType::timestamp:
    return "a timestamp";
  case PlainScalarType::merge:
    return "a merge key";
  case PlainScalarType::value:
    return "a value key";
  case PlainScalarType::yaml:
    return "a YAML indicator";
  }
  return "an unknown type";
}

} // namespace pprotect::store
