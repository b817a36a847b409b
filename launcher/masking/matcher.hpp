#pragma once
// Finding many byte patterns at once in a buffer, fast when they are rare.
//
// The search reads a q-gram (q = min(4, shortest pattern)) at every k-th
// position only, k = shortest - q + 1 (at most 32): every occurrence of a
// pattern covers k consecutive positions whose q-gram lies inside it, so
// one of the sampled positions falls on it. An index holds the q-grams at
// offsets 0..k-1 of every pattern; a bitmap of their hashes answers "no"
// for almost every sample, and a hit is checked byte for byte against the
// patterns that hold that q-gram there. With 100 secrets of 16-64 bytes in
// all their forms k is 13: a 64 KiB read costs some 5,000 bitmap probes.
// All of it (patterns, index, bitmap) is secret material and lives in one
// locked, wiped allocation.

#include "sys/secure_buffer.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace pprotect::masking {

class Matcher {
public:
  // An occurrence of pattern `pattern` (its index in the constructor's
  // list) at byte `start` of the scanned text.
  struct Occurrence {
    std::size_t start = 0;
    std::uint32_t pattern = 0;
  };

  Matcher() = default;
  // Copies the patterns into locked memory. Throws std::invalid_argument
  // for an empty or repeated pattern, std::bad_alloc when locked memory
  // cannot be had.
  explicit Matcher(std::span<const std::string_view> patterns);

  std::size_t size() const { return m_lengths.size(); }
  bool empty() const { return m_lengths.empty(); }
  // WARNING: a view of secret material; never copy it to ordinary memory.
  std::string_view pattern(std::uint32_t index) const;
  std::size_t pattern_length(std::uint32_t index) const { return m_lengths[index]; }
  std::size_t shortest() const { return m_shortest; }
  std::size_t longest() const { return m_longest; }
  // The sampling step k.
  std::size_t step() const { return m_step; }
  // Bytes of locked memory the patterns and the index take.
  std::size_t locked_bytes() const { return m_arena.size(); }

  // Appends to found every occurrence that starts in [from, to) and ends
  // within text, in no particular order. Returns the smallest start s in
  // [from, to) at which text[s..] is a proper prefix of some pattern (an
  // occurrence that more bytes could complete), or text.size() if none.
  // Requires from <= to <= text.size().
  std::size_t scan(std::string_view text, std::size_t from, std::size_t to,
                   std::vector<Occurrence>& found) const;

private:
  struct Entry {
    std::uint32_t key;    // the q-gram, little-endian
    std::uint32_t target; // pattern << 8 | offset of the q-gram in it
  };

  std::uint32_t hash(std::uint32_t key) const { return key * 0x9E3779B1U; }
  bool in_bitmap(std::uint32_t h) const {
    const std::uint32_t bit = h >> m_bitmap_shift;
    return (m_bitmap[bit >> 6] >> (bit & 63)) & 1U;
  }
  void check_sample(const unsigned char* text, std::size_t size, std::size_t p, std::uint32_t key,
                    std::size_t from, std::size_t to, std::size_t& pending,
                    std::vector<Occurrence>& found) const;
  bool is_short_prefix(const unsigned char* bytes, std::size_t length) const;
  const unsigned char* pattern_bytes(std::uint32_t index) const { return m_bytes + m_offsets[index]; }

  sys::SecureBuffer m_arena;
  // Into m_arena:
  const unsigned char* m_bytes = nullptr;   // the patterns, one after another
  const Entry* m_entries = nullptr;         // sorted by bucket
  const std::uint32_t* m_buckets = nullptr; // 2^bucket_bits + 1 starts into m_entries
  const std::uint64_t* m_bitmap = nullptr;  // a bit per hash prefix of an entry's key
  const std::uint32_t* m_short_prefixes =
      nullptr; // sorted: length << 24 | bytes, the prefixes shorter than q
  std::size_t m_short_prefix_count = 0;

  std::vector<std::uint32_t> m_offsets; // of each pattern in m_bytes
  std::vector<std::uint32_t> m_lengths;
  std::size_t m_shortest = 0;
  std::size_t m_longest = 0;
  std::size_t m_q = 4;
  std::uint32_t m_q_mask = 0xFFFFFFFFU;
  std::size_t m_step = 1;
  unsigned m_bucket_shift = 32;
  unsigned m_bitmap_shift = 32;
};

} // namespace pprotect::masking
