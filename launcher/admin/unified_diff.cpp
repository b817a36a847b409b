#include "launcher/admin/unified_diff.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <tuple>
#include <utility>

namespace pprotect::admin {

namespace {

// Python's str.splitlines() for the line breaks a YAML file can hold.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    if (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') {
      ++end;
    }
    start = end + 1;
  }
  return lines;
}

struct Match {
  std::size_t a = 0;
  std::size_t b = 0;
  std::size_t size = 0;
};

enum class Tag { equal, replace, remove, insert };

struct Opcode {
  Tag tag;
  std::size_t i1, i2, j1, j2;
};

// difflib.SequenceMatcher without a junk function, with its "autojunk"
// rule: in a b of 200 lines or more, lines occurring more than 1% + 1
// times are not used to start a match (they can still extend one).
class SequenceMatcher {
public:
  SequenceMatcher(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b)
      : m_a(a), m_b(b) {
    for (std::size_t j = 0; j < m_b.size(); ++j) {
      m_b2j[m_b[j]].push_back(j);
    }
    if (m_b.size() >= 200) {
      const std::size_t limit = m_b.size() / 100 + 1;
      for (auto it = m_b2j.begin(); it != m_b2j.end();) {
        it = it->second.size() > limit ? m_b2j.erase(it) : std::next(it);
      }
    }
  }

  std::vector<Opcode> opcodes() const {
    std::vector<Opcode> codes;
    std::size_t i = 0;
    std::size_t j = 0;
    for (const Match& m : matching_blocks()) {
      if (i < m.a && j < m.b) {
        codes.push_back({Tag::replace, i, m.a, j, m.b});
      } else if (i < m.a) {
        codes.push_back({Tag::remove, i, m.a, j, m.b});
      } else if (j < m.b) {
        codes.push_back({Tag::insert, i, m.a, j, m.b});
      }
      i = m.a + m.size;
      j = m.b + m.size;
      if (m.size > 0) {
        codes.push_back({Tag::equal, m.a, i, m.b, j});
      }
    }
    return codes;
  }

private:
  Match longest_match(std::size_t alo, std::size_t ahi, std::size_t blo, std::size_t bhi) const {
    Match best{alo, blo, 0};
    std::map<std::size_t, std::size_t> j2len;
    for (std::size_t i = alo; i < ahi; ++i) {
      std::map<std::size_t, std::size_t> next_j2len;
      const auto found = m_b2j.find(m_a[i]);
      if (found != m_b2j.end()) {
        for (const std::size_t j : found->second) {
          if (j < blo) {
            continue;
          }
          if (j >= bhi) {
            break;
          }
          const auto previous = j > 0 ? j2len.find(j - 1) : j2len.end();
          const std::size_t k = (previous == j2len.end() ? 0 : previous->second) + 1;
          next_j2len[j] = k;
          if (k > best.size) {
            best = {i + 1 - k, j + 1 - k, k};
          }
        }
      }
      j2len = std::move(next_j2len);
    }
    while (best.a > alo && best.b > blo && m_a[best.a - 1] == m_b[best.b - 1]) {
      --best.a;
      --best.b;
      ++best.size;
    }
    while (best.a + best.size < ahi && best.b + best.size < bhi &&
           m_a[best.a + best.size] == m_b[best.b + best.size]) {
      ++best.size;
    }
    return best;
  }

  std::vector<Match> matching_blocks() const {
    std::vector<Match> found;
    std::vector<std::tuple<std::size_t, std::size_t, std::size_t, std::size_t>> stack{
        {0, m_a.size(), 0, m_b.size()}};
    while (!stack.empty()) {
      const auto [alo, ahi, blo, bhi] = stack.back();
      stack.pop_back();
      const Match m = longest_match(alo, ahi, blo, bhi);
      if (m.size > 0) {
        found.push_back(m);
        if (alo < m.a && blo < m.b) {
          stack.emplace_back(alo, m.a, blo, m.b);
        }
        if (m.a + m.size < ahi && m.b + m.size < bhi) {
          stack.emplace_back(m.a + m.size, ahi, m.b + m.size, bhi);
        }
      }
    }
    std::sort(found.begin(), found.end(), [](const Match& x, const Match& y) {
      return std::tie(x.a, x.b, x.size) < std::tie(y.a, y.b, y.size);
    });
    std::vector<Match> merged;
    Match current{0, 0, 0};
    for (const Match& m : found) {
      if (current.a + current.size == m.a && current.b + current.size == m.b) {
        current.size += m.size;
      } else {
        if (current.size > 0) {
          merged.push_back(current);
        }
        current = m;
      }
    }
    if (current.size > 0) {
      merged.push_back(current);
    }
    merged.push_back({m_a.size(), m_b.size(), 0});
    return merged;
  }

  const std::vector<std::string_view>& m_a;
  const std::vector<std::string_view>& m_b;
  std::map<std::string_view, std::vector<std::size_t>> m_b2j;
};

// difflib.SequenceMatcher.get_grouped_opcodes(n).
std::vector<std::vector<Opcode>> grouped_opcodes(std::vector<Opcode> codes, std::size_t n) {
  if (codes.empty()) {
    codes.push_back({Tag::equal, 0, 1, 0, 1});
  }
  if (codes.front().tag == Tag::equal) {
    Opcode& c = codes.front();
    c.i1 = std::max(c.i1, c.i2 > n ? c.i2 - n : 0);
    c.j1 = std::max(c.j1, c.j2 > n ? c.j2 - n : 0);
  }
  if (codes.back().tag == Tag::equal) {
    Opcode& c = codes.back();
    c.i2 = std::min(c.i2, c.i1 + n);
    c.j2 = std::min(c.j2, c.j1 + n);
  }
  std::vector<std::vector<Opcode>> groups;
  std::vector<Opcode> group;
  for (Opcode c : codes) {
    if (c.tag == Tag::equal && c.i2 - c.i1 > 2 * n) {
      group.push_back({Tag::equal, c.i1, std::min(c.i2, c.i1 + n), c.j1, std::min(c.j2, c.j1 + n)});
      groups.push_back(std::move(group));
      group.clear();
      c.i1 = std::max(c.i1, c.i2 - n);
      c.j1 = std::max(c.j1, c.j2 - n);
    }
    group.push_back(c);
  }
  if (!group.empty() && !(group.size() == 1 && group.front().tag == Tag::equal)) {
    groups.push_back(std::move(group));
  }
  return groups;
}

std::string format_range(std::size_t start, std::size_t stop) {
  std::size_t beginning = start + 1;
  const std::size_t length = stop - start;
  if (length == 1) {
    return std::to_string(beginning);
  }
  if (length == 0) {
    --beginning;
  }
  return std::to_string(beginning) + "," + std::to_string(length);
}

// Built by append: GCC 12 warns (-Wrestrict, falsely) on "x" + std::string.
std::string prefixed(char tag, std::string_view line) {
  std::string out(1, tag);
  out.append(line);
  return out;
}

constexpr std::string_view k_red = "\x1b[31m";
constexpr std::string_view k_green = "\x1b[32m";
constexpr std::string_view k_reset = "\x1b[0m";

} // namespace

std::vector<std::string> unified_diff(std::string_view before, std::string_view after,
                                      std::string_view from_name, std::string_view to_name, Color color) {
  const auto a = split_lines(before);
  const auto b = split_lines(after);
  const SequenceMatcher matcher(a, b);
  std::vector<std::string> lines;
  bool started = false;
  for (const auto& group : grouped_opcodes(matcher.opcodes(), 3)) {
    if (!started) {
      started = true;
      lines.push_back("--- " + std::string(from_name) + "\n");
      lines.push_back("+++ " + std::string(to_name) + "\n");
    }
    const Opcode& first = group.front();
    const Opcode& last = group.back();
    lines.push_back("@@ -" + format_range(first.i1, last.i2) + " +" + format_range(first.j1, last.j2) +
                    " @@\n");
    for (const Opcode& c : group) {
      if (c.tag == Tag::equal) {
        for (std::size_t i = c.i1; i < c.i2; ++i) {
          lines.push_back(prefixed(' ', a[i]));
        }
        continue;
      }
      if (c.tag == Tag::replace || c.tag == Tag::remove) {
        for (std::size_t i = c.i1; i < c.i2; ++i) {
          lines.push_back(prefixed('-', a[i]));
        }
      }
      if (c.tag == Tag::replace || c.tag == Tag::insert) {
        for (std::size_t j = c.j1; j < c.j2; ++j) {
          lines.push_back(prefixed('+', b[j]));
        }
      }
    }
  }
  if (color == Color::yes) {
    for (std::string& line : lines) {
      if (!line.empty() && (line[0] == '-' || line[0] == '+')) {
        std::string colored(line[0] == '-' ? k_red : k_green);
        colored.append(line);
        colored.append(k_reset);
        line = std::move(colored);
      }
    }
  }
  return lines;
}

std::string confirm_diff_text(const std::vector<std::string>& diff_lines) {
  std::string text = "Changes to be written:\n\n";
  for (std::size_t i = 0; i < diff_lines.size(); ++i) {
    if (i > 0) {
      text += '\n';
    }
    text += diff_lines[i];
  }
  text += "\n\n";
  return text;
}

} // namespace pprotect::admin
