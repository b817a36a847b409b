#include "launcher/masking/matcher.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <numeric>
#include <stdexcept>

namespace pprotect::masking {

namespace {

constexpr std::size_t k_max_step = 32;           // the offset of a q-gram fits the Entry's low byte
constexpr std::size_t k_max_patterns = 1U << 24; // and the pattern index the rest
constexpr unsigned k_max_bitmap_bits = 21;       // 256 KiB: within a core's L2 cache
constexpr unsigned k_max_bucket_bits = 20;

// The q-gram at bytes, little-endian whatever the machine, as the scan
// loads it.
std::uint32_t key_of(const unsigned char* bytes, std::size_t q) {
  std::uint32_t key = 0;
  for (std::size_t i = 0; i < q; ++i) {
    key |= static_cast<std::uint32_t>(bytes[i]) << (8 * i);
  }
  return key;
}

std::uint32_t load32(const unsigned char* bytes) {
  std::uint32_t key = 0;
  std::memcpy(&key, bytes, sizeof key);
  if constexpr (std::endian::native == std::endian::big) {
    key = __builtin_bswap32(key);
  }
  return key;
}

// memcmp(a, b, n) == 0 without a call: most checks are of a few bytes
// that differ at once (a q-gram of a short pattern met in ordinary text),
// where the call costs more than the comparison.
bool same_bytes(const unsigned char* a, const unsigned char* b, std::size_t n) {
  for (; n >= 8; a += 8, b += 8, n -= 8) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) {
      return false;
    }
  }
  for (; n > 0; ++a, ++b, --n) {
    if (*a != *b) {
      return false;
    }
  }
  return true;
}

unsigned ceil_log2(std::size_t n) {
  return n <= 1 ? 0U : static_cast<unsigned>(std::bit_width(n - 1));
}

std::size_t round_up8(std::size_t n) {
  return (n + 7) & ~std::size_t{7};
}

// Patterns this long or longer are searched apart from shorter ones.
constexpr std::size_t k_long_pattern = 16;

// How a group is searched and how big its index is.
struct Plan {
  std::vector<std::uint32_t> members;
  std::size_t shortest = SIZE_MAX;
  std::size_t q = 4;
  std::size_t step = 1;
  std::size_t entry_count = 0;
  unsigned bucket_bits = 4;
  unsigned bitmap_bits = 12;
  std::size_t prefix_room = 0;

  // q-grams of 4 bytes; of 2 for a group of short patterns alone, whose
  // 4-grams would leave k at 1 or 2 (a 2-gram index of a few short
  // patterns is nearly empty, where one of every pattern would not be).
  void finish(bool apart_from_longer) {
    q = std::min<std::size_t>(apart_from_longer && shortest <= 5 ? 2 : 4, shortest);
    step = std::min(shortest - q + 1, k_max_step);
    entry_count = members.size() * step;
    bucket_bits = std::clamp(ceil_log2(entry_count), 4U, k_max_bucket_bits);
    bitmap_bits = std::clamp(ceil_log2(entry_count) + 5, 12U, k_max_bitmap_bits);
    prefix_room = members.size() * (q - 1);
  }
  std::size_t bitmap_size() const { return (std::size_t{1} << bitmap_bits) / 8; }
  std::size_t entries_size() const { return round_up8(entry_count * 8); }
  std::size_t buckets_size() const { return round_up8(((std::size_t{1} << bucket_bits) + 1) * 4); }
  std::size_t prefixes_size() const { return round_up8(prefix_room * 4); }
  std::size_t size() const { return bitmap_size() + entries_size() + buckets_size() + prefixes_size(); }
};

} // namespace

Matcher::Matcher(std::span<const std::string_view> patterns) {
  if (patterns.empty()) {
    return;
  }
  if (patterns.size() >= k_max_patterns) {
    throw std::invalid_argument("masking: too many patterns");
  }
  std::size_t total = 0;
  m_shortest = SIZE_MAX;
  for (const std::string_view p : patterns) {
    if (p.empty()) {
      throw std::invalid_argument("masking: an empty pattern would match everywhere");
    }
    if (p.size() > UINT32_MAX - total) {
      throw std::invalid_argument("masking: patterns too long");
    }
    total += p.size();
    m_shortest = std::min(m_shortest, p.size());
    m_longest = std::max(m_longest, p.size());
  }
  {
    // Sorting indices compares the caller's bytes in place: no copy.
    std::vector<std::uint32_t> order(patterns.size());
    std::iota(order.begin(), order.end(), 0U);
    std::sort(order.begin(), order.end(),
              [&](std::uint32_t a, std::uint32_t b) { return patterns[a] < patterns[b]; });
    for (std::size_t i = 1; i < order.size(); ++i) {
      if (patterns[order[i]] == patterns[order[i - 1]]) {
        throw std::invalid_argument("masking: a pattern is given twice");
      }
    }
  }

  // One group, or the short patterns apart when there are long ones too.
  std::vector<Plan> plans(m_shortest < k_long_pattern && m_longest >= k_long_pattern ? 2 : 1);
  for (std::uint32_t i = 0; i < patterns.size(); ++i) {
    Plan& plan = plans[plans.size() == 2 && patterns[i].size() >= k_long_pattern ? 1 : 0];
    plan.members.push_back(i);
    plan.shortest = std::min(plan.shortest, patterns[i].size());
  }
  std::size_t tables = 0;
  for (Plan& plan : plans) {
    plan.finish(plans.size() == 2);
    tables += plan.size();
  }

  // One allocation: each group's bitmap, entries, buckets and short
  // prefixes, then the pattern bytes. sodium_malloc puts the end of the
  // allocation at a page boundary, so its start is only as aligned as its
  // size.
  m_arena = sys::SecureBuffer((tables + total + 15) & ~std::size_t{15});
  unsigned char* arena = m_arena.data();
  if (reinterpret_cast<std::uintptr_t>(arena) % alignof(std::uint64_t) != 0) {
    throw std::bad_alloc();
  }
  unsigned char* bytes = arena + tables;
  m_offsets.reserve(patterns.size());
  m_lengths.reserve(patterns.size());
  std::size_t offset = 0;
  for (const std::string_view p : patterns) {
    std::memcpy(bytes + offset, p.data(), p.size());
    m_offsets.push_back(static_cast<std::uint32_t>(offset));
    m_lengths.push_back(static_cast<std::uint32_t>(p.size()));
    offset += p.size();
  }
  m_bytes = bytes;

  std::size_t at = 0;
  for (const Plan& plan : plans) {
    Group group;
    group.q = plan.q;
    group.q_mask = plan.q == 4 ? 0xFFFFFFFFU : (1U << (8 * plan.q)) - 1;
    group.step = plan.step;
    group.shortest = plan.shortest;
    group.entry_count = plan.entry_count;
    group.bucket_shift = 32 - plan.bucket_bits;
    group.bitmap_shift = 32 - plan.bitmap_bits;
    auto* bitmap = reinterpret_cast<std::uint64_t*>(arena + at);
    auto* entries = reinterpret_cast<Entry*>(arena + at + plan.bitmap_size());
    auto* buckets = reinterpret_cast<std::uint32_t*>(arena + at + plan.bitmap_size() + plan.entries_size());
    auto* prefixes = reinterpret_cast<std::uint32_t*>(arena + at + plan.bitmap_size() + plan.entries_size() +
                                                      plan.buckets_size());
    at += plan.size();

    std::size_t e = 0;
    std::size_t prefix_count = 0;
    for (const std::uint32_t i : plan.members) {
      const unsigned char* p = pattern_bytes(i);
      for (std::uint32_t j = 0; j < plan.step; ++j) {
        const std::uint32_t key = key_of(p + j, plan.q);
        entries[e++] = Entry{key, i << 8 | j};
        const std::uint32_t bit = hash(key) >> group.bitmap_shift;
        bitmap[bit >> 6] |= std::uint64_t{1} << (bit & 63);
      }
      for (std::size_t length = 1; length < plan.q; ++length) {
        prefixes[prefix_count++] = static_cast<std::uint32_t>(length << 24) | key_of(p, length);
      }
    }
    // std::sort works in place: no copy of an entry leaves the arena.
    const unsigned bucket_shift = group.bucket_shift;
    std::sort(entries, entries + e, [bucket_shift](const Entry& a, const Entry& b) {
      const std::uint32_t ba = hash(a.key) >> bucket_shift;
      const std::uint32_t bb = hash(b.key) >> bucket_shift;
      return ba != bb ? ba < bb : a.target < b.target;
    });
    std::size_t next = 0;
    for (std::size_t b = 0; b <= (std::size_t{1} << plan.bucket_bits); ++b) {
      while (next < e && (hash(entries[next].key) >> bucket_shift) < b) {
        ++next;
      }
      buckets[b] = static_cast<std::uint32_t>(next);
    }
    std::sort(prefixes, prefixes + prefix_count);
    group.short_prefix_count =
        static_cast<std::size_t>(std::unique(prefixes, prefixes + prefix_count) - prefixes);
    group.entries = entries;
    group.buckets = buckets;
    group.bitmap = bitmap;
    group.short_prefixes = prefixes;
    m_groups.push_back(group);
  }
}

std::size_t Matcher::step() const {
  std::size_t step = SIZE_MAX;
  for (const Group& group : m_groups) {
    step = std::min(step, group.step);
  }
  return m_groups.empty() ? 1 : step;
}

std::string_view Matcher::pattern(std::uint32_t index) const {
  return {reinterpret_cast<const char*>(pattern_bytes(index)), m_lengths[index]};
}

void Matcher::check_sample(const Group& group, const unsigned char* text, std::size_t size, std::size_t p,
                           std::uint32_t key, std::size_t from, std::size_t to, std::size_t& pending,
                           std::vector<Occurrence>& found) const {
  const std::uint32_t bucket = hash(key) >> group.bucket_shift;
  for (std::uint32_t e = group.buckets[bucket]; e < group.buckets[bucket + 1]; ++e) {
    const Entry entry = group.entries[e];
    if (entry.key != key) {
      continue;
    }
    const std::uint32_t index = entry.target >> 8;
    const std::size_t offset = entry.target & 0xFFU;
    if (offset > p || p - offset < from || p - offset >= to) {
      continue;
    }
    const std::size_t start = p - offset;
    const std::size_t length = m_lengths[index];
    if (length <= size - start) {
      if (same_bytes(text + start, pattern_bytes(index), length)) {
        found.push_back(Occurrence{start, index});
      }
    } else if (start < pending && same_bytes(text + start, pattern_bytes(index), size - start)) {
      pending = start;
    }
  }
}

void Matcher::scan_group(const Group& group, const unsigned char* text, std::size_t size, std::size_t from,
                         std::size_t to, std::size_t& pending, std::vector<Occurrence>& found) const {
  const std::size_t k = group.step;
  const std::size_t q = group.q;
  // Every start in [from, to) has a sample in [start, start + k - 1]; a
  // sample whose q-gram runs past the text can be part of no occurrence.
  if (size >= q) {
    const std::size_t samples_end = std::min(to + k - 1, size - q + 1);
    std::size_t p = from;
    const std::size_t whole_loads_end = size >= 4 ? std::min(samples_end, size - 3) : 0;
    for (; p < whole_loads_end; p += k) {
      const std::uint32_t key = load32(text + p) & group.q_mask;
      if (in_bitmap(group, key)) [[unlikely]] {
        check_sample(group, text, size, p, key, from, to, pending, found);
      }
    }
    for (; p < samples_end; p += k) {
      const std::uint32_t key = key_of(text + p, q);
      if (in_bitmap(group, key)) {
        check_sample(group, text, size, p, key, from, to, pending, found);
      }
    }
  }

  // A proper prefix shorter than the group's shortest pattern may hold no
  // sample: look at each of the last shortest - 1 starts.
  const std::size_t first = std::max(from, size > group.shortest - 1 ? size - (group.shortest - 1) : 0);
  for (std::size_t start = first; start < to && start < pending; ++start) {
    const std::size_t length = size - start;
    if (length < q) {
      const std::uint32_t packed = static_cast<std::uint32_t>(length << 24) | key_of(text + start, length);
      if (std::binary_search(group.short_prefixes, group.short_prefixes + group.short_prefix_count, packed)) {
        pending = start;
      }
      continue;
    }
    const std::uint32_t key = key_of(text + start, q);
    if (!in_bitmap(group, key)) {
      continue;
    }
    const std::uint32_t bucket = hash(key) >> group.bucket_shift;
    for (std::uint32_t e = group.buckets[bucket]; e < group.buckets[bucket + 1]; ++e) {
      const Entry entry = group.entries[e];
      if (entry.key == key && (entry.target & 0xFFU) == 0 &&
          same_bytes(text + start, pattern_bytes(entry.target >> 8), length)) {
        pending = start;
        break;
      }
    }
  }
}

std::size_t Matcher::scan(std::string_view text, std::size_t from, std::size_t to,
                          std::vector<Occurrence>& found) const {
  std::size_t pending = text.size();
  if (from < to) {
    for (const Group& group : m_groups) {
      scan_group(group, reinterpret_cast<const unsigned char*>(text.data()), text.size(), from, to, pending,
                 found);
    }
  }
  return pending;
}

} // namespace pprotect::masking
