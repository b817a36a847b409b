#include "launcher/masking/masker.hpp"

#include "launcher/masking/encodings.hpp"
#include "sys/secure_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace pprotect::masking {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// The parts of a value whose forms are masked: the value, the value
// trimmed, and each line of a value of several lines, trimmed. Views into
// value: nothing is copied.
std::vector<std::string_view> parts_of(std::string_view value, std::size_t min_length) {
  std::vector<std::string_view> parts{value};
  const auto add = [&](std::string_view part) {
    if (part.size() >= min_length && std::find(parts.begin(), parts.end(), part) == parts.end()) {
      parts.push_back(part);
    }
  };
  add(trimmed(value));
  if (value.find_first_of("\r\n") != std::string_view::npos) {
    std::size_t at = 0;
    while (at <= value.size()) {
      const std::size_t end = std::min(value.find_first_of("\r\n", at), value.size());
      add(trimmed(value.substr(at, end - at)));
      at = end + 1;
    }
  }
  return parts;
}

// A name as a label shows it: a control character of a hostile name must
// not reach a terminal.
std::string label_for(std::string_view name) {
  std::string label = "[REDACTED:";
  for (const char c : name) {
    const auto b = static_cast<unsigned char>(c);
    label += b < 0x20 || b == 0x7F ? '?' : c;
  }
  label += ']';
  return label;
}

struct PatternPlace {
  std::size_t offset = 0; // in the arena
  std::size_t length = 0;
  std::uint32_t name = 0;
};

} // namespace

Masker::Masker(std::span<const NamedSecret> secrets, const MaskOptions& options) {
  const std::size_t min_length = std::max<std::size_t>(options.min_length, 1);
  for (const std::string& unmasked : options.unmasked_names) {
    const bool known =
        std::any_of(secrets.begin(), secrets.end(), [&](const NamedSecret& s) { return s.name == unmasked; });
    if (!known) {
      m_unknown_unmasked.push_back(unmasked);
    }
  }

  // The parts to mask, each with the index of its name.
  std::vector<std::pair<std::string_view, std::uint32_t>> parts;
  std::size_t longest_part = 0;
  for (const NamedSecret& secret : secrets) {
    const auto& unmasked = options.unmasked_names;
    if (std::find(unmasked.begin(), unmasked.end(), secret.name) != unmasked.end()) {
      continue;
    }
    // Whitespace around a value does not count: a value of four spaces
    // would mask every indentation.
    if (trimmed(secret.value).size() < min_length) {
      m_too_short.emplace_back(secret.name);
      continue;
    }
    const auto name = static_cast<std::uint32_t>(m_names.size());
    m_names.emplace_back(secret.name);
    m_labels.push_back(options.fixed_label ? *options.fixed_label : label_for(secret.name));
    for (const std::string_view part : parts_of(secret.value, min_length)) {
      parts.emplace_back(part, name);
      longest_part = std::max(longest_part, part.size());
    }
  }
  if (parts.empty()) {
    return;
  }

  // Each form is encoded twice, into locked scratch memory: once to size
  // the arena, once to fill it. Encoding is cheap; an arena that grows
  // would leave copies behind in memory it gave back.
  sys::SecureBuffer scratch(max_encoded_size(longest_part));
  std::size_t total = 0;
  for (const auto& [part, name] : parts) {
    for (const Form form : k_all_forms) {
      const std::size_t size = encode(form, part, scratch.data());
      total += size >= min_length ? size : 0;
    }
  }
  sys::SecureBuffer arena(total);
  std::vector<PatternPlace> places;
  std::size_t offset = 0;
  for (const auto& [part, name] : parts) {
    for (const Form form : k_all_forms) {
      const std::size_t size = encode(form, part, scratch.data());
      if (size >= min_length) {
        std::memcpy(arena.data() + offset, scratch.data(), size);
        places.push_back(PatternPlace{offset, size, name});
        offset += size;
      }
    }
  }
  const auto view = [&](const PatternPlace& place) {
    return std::string_view(reinterpret_cast<const char*>(arena.data()) + place.offset, place.length);
  };

  // The same bytes twice read as the secret given first: sort by bytes,
  // then by the order of discovery, and keep the first of each run.
  std::vector<std::uint32_t> order(places.size());
  std::iota(order.begin(), order.end(), 0U);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const std::string_view va = view(places[a]);
    const std::string_view vb = view(places[b]);
    return va != vb ? va < vb : a < b;
  });
  std::vector<std::uint32_t> kept;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || view(places[order[i]]) != view(places[order[i - 1]])) {
      kept.push_back(order[i]);
    }
  }
  std::sort(kept.begin(), kept.end());

  std::vector<std::string_view> patterns;
  patterns.reserve(kept.size());
  m_label_of.reserve(kept.size());
  for (const std::uint32_t index : kept) {
    patterns.push_back(view(places[index]));
    m_label_of.push_back(places[index].name);
  }
  m_matcher = Matcher(patterns);
}

} // namespace pprotect::masking
