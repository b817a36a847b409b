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

unsigned ceil_log2(std::size_t n) {
  return n <= 1 ? 0U : static_cast<unsigned>(std::bit_width(n - 1));
}

std::size_t round_up8(std::size_t n) {
  return (n + 7) & ~std::size_t{7};
}

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

  m_q = std::min<std::size_t>(4, m_shortest);
  m_q_mask = m_q == 4 ? 0xFFFFFFFFU : (1U << (8 * m_q)) - 1;
  m_step = std::min(m_shortest - m_q + 1, k_max_step);
  const std::size_t entry_count = patterns.size() * m_step;
  const unsigned bucket_bits = std::clamp(ceil_log2(entry_count), 4U, k_max_bucket_bits);
  const unsigned bitmap_bits = std::clamp(ceil_log2(entry_count) + 5, 12U, k_max_bitmap_bits);
  m_bucket_shift = 32 - bucket_bits;
  m_bitmap_shift = 32 - bitmap_bits;
  const std::size_t bucket_count = std::size_t{1} << bucket_bits;
  const std::size_t short_prefix_room = patterns.size() * (m_q - 1);

  // One allocation: bitmap, entries, buckets, short prefixes, pattern bytes.
  const std::size_t bitmap_size = (std::size_t{1} << bitmap_bits) / 8;
  const std::size_t entries_at = bitmap_size;
  const std::size_t buckets_at = entries_at + round_up8(entry_count * sizeof(Entry));
  const std::size_t prefixes_at = buckets_at + round_up8((bucket_count + 1) * sizeof(std::uint32_t));
  const std::size_t bytes_at = prefixes_at + round_up8(short_prefix_room * sizeof(std::uint32_t));
  // sodium_malloc puts the end of the allocation at a page boundary, so
  // its start is only as aligned as its size.
  m_arena = sys::SecureBuffer((bytes_at + total + 15) & ~std::size_t{15});
  unsigned char* arena = m_arena.data();
  if (reinterpret_cast<std::uintptr_t>(arena) % alignof(std::uint64_t) != 0) {
    throw std::bad_alloc();
  }
  auto* bitmap = reinterpret_cast<std::uint64_t*>(arena);
  auto* entries = reinterpret_cast<Entry*>(arena + entries_at);
  auto* buckets = reinterpret_cast<std::uint32_t*>(arena + buckets_at);
  auto* prefixes = reinterpret_cast<std::uint32_t*>(arena + prefixes_at);
  unsigned char* bytes = arena + bytes_at;

  m_offsets.reserve(patterns.size());
  m_lengths.reserve(patterns.size());
  std::size_t offset = 0;
  for (const std::string_view p : patterns) {
    std::memcpy(bytes + offset, p.data(), p.size());
    m_offsets.push_back(static_cast<std::uint32_t>(offset));
    m_lengths.push_back(static_cast<std::uint32_t>(p.size()));
    offset += p.size();
  }

  std::size_t e = 0;
  std::size_t short_prefix_count = 0;
  for (std::uint32_t i = 0; i < patterns.size(); ++i) {
    const unsigned char* p = bytes + m_offsets[i];
    for (std::uint32_t j = 0; j < m_step; ++j) {
      const std::uint32_t key = key_of(p + j, m_q);
      entries[e++] = Entry{key, i << 8 | j};
      const std::uint32_t bit = hash(key) >> m_bitmap_shift;
      bitmap[bit >> 6] |= std::uint64_t{1} << (bit & 63);
    }
    for (std::size_t length = 1; length < m_q; ++length) {
      prefixes[short_prefix_count++] = static_cast<std::uint32_t>(length << 24) | key_of(p, length);
    }
  }
  // std::sort works in place: no copy of an entry leaves the arena.
  std::sort(entries, entries + entry_count, [&](const Entry& a, const Entry& b) {
    const std::uint32_t ba = hash(a.key) >> m_bucket_shift;
    const std::uint32_t bb = hash(b.key) >> m_bucket_shift;
    return ba != bb ? ba < bb : a.target < b.target;
  });
  std::size_t at = 0;
  for (std::size_t b = 0; b <= bucket_count; ++b) {
    while (at < entry_count && (hash(entries[at].key) >> m_bucket_shift) < b) {
      ++at;
    }
    buckets[b] = static_cast<std::uint32_t>(at);
  }
  std::sort(prefixes, prefixes + short_prefix_count);
  m_short_prefix_count =
      static_cast<std::size_t>(std::unique(prefixes, prefixes + short_prefix_count) - prefixes);

  m_bytes = bytes;
  m_entries = entries;
  m_buckets = buckets;
  m_bitmap = bitmap;
  m_short_prefixes = prefixes;
}

std::string_view Matcher::pattern(std::uint32_t index) const {
  return {reinterpret_cast<const char*>(pattern_bytes(index)), m_lengths[index]};
}

bool Matcher::is_short_prefix(const unsigned char* bytes, std::size_t length) const {
  const std::uint32_t packed = static_cast<std::uint32_t>(length << 24) | key_of(bytes, length);
  return std::binary_search(m_short_prefixes, m_short_prefixes + m_short_prefix_count, packed);
}

void Matcher::check_sample(const unsigned char* text, std::size_t size, std::size_t p, std::uint32_t key,
                           std::size_t from, std::size_t to, std::size_t& pending,
                           std::vector<Occurrence>& found) const {
  const std::uint32_t bucket = hash(key) >> m_bucket_shift;
  for (std::uint32_t e = m_buckets[bucket]; e < m_buckets[bucket + 1]; ++e) {
    const Entry entry = m_entries[e];
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
      if (std::memcmp(text + start, pattern_bytes(index), length) == 0) {
        found.push_back(Occurrence{start, index});
      }
    } else if (start < pending && std::memcmp(text + start, pattern_bytes(index), size - start) == 0) {
      pending = start;
    }
  }
}

std::size_t Matcher::scan(std::string_view text_view, std::size_t from, std::size_t to,
                          std::vector<Occurrence>& found) const {
  const std::size_t size = text_view.size();
  std::size_t pending = size;
  if (empty() || from >= to) {
    return pending;
  }
  const auto* text = reinterpret_cast<const unsigned char*>(text_view.data());
  const std::size_t k = m_step;

  // Every start in [from, to) has a sample in [start, start + k - 1]; a
  // sample whose q-gram runs past the text can be part of no occurrence.
  if (size >= m_q) {
    const std::size_t samples_end = std::min(to + k - 1, size - m_q + 1);
    std::size_t p = from;
    const std::size_t whole_loads_end = size >= 4 ? std::min(samples_end, size - 3) : 0;
    for (; p < whole_loads_end; p += k) {
      const std::uint32_t key = load32(text + p) & m_q_mask;
      if (in_bitmap(hash(key))) [[unlikely]] {
        check_sample(text, size, p, key, from, to, pending, found);
      }
    }
    for (; p < samples_end; p += k) {
      const std::uint32_t key = key_of(text + p, m_q);
      if (in_bitmap(hash(key))) {
        check_sample(text, size, p, key, from, to, pending, found);
      }
    }
  }

  // A proper prefix shorter than the shortest pattern may hold no sample:
  // look at each of the last shortest - 1 starts.
  const std::size_t first = std::max(from, size > m_shortest - 1 ? size - (m_shortest - 1) : 0);
  for (std::size_t start = first; start < to && start < pending; ++start) {
    const std::size_t length = size - start;
    if (length < m_q) {
      if (is_short_prefix(text + start, length)) {
        pending = start;
      }
      continue;
    }
    const std::uint32_t key = key_of(text + start, m_q);
    if (!in_bitmap(hash(key))) {
      continue;
    }
    const std::uint32_t bucket = hash(key) >> m_bucket_shift;
    for (std::uint32_t e = m_buckets[bucket]; e < m_buckets[bucket + 1]; ++e) {
      const Entry entry = m_entries[e];
      if (entry.key == key && (entry.target & 0xFFU) == 0 &&
          std::memcmp(text + start, pattern_bytes(entry.target >> 8), length) == 0) {
        pending = start;
        break;
      }
    }
  }
  return pending;
}

} // namespace pprotect::masking
