#pragma once
// Finding many byte patterns at once in a buffer, fast when they are rare.
//
// The search reads a q-gram at every k-th position only: every pattern of a
// group is at least m bytes long, so an occurrence covers k = m - q + 1
// consecutive positions whose q-gram lies inside it, and one of the sampled
// positions falls on it. An index holds the q-grams at offsets 0..k-1 of
// every pattern of the group; a bitmap of their hashes answers "no" for
// almost every sample, and a hit is checked byte for byte against the
// patterns that hold that q-gram there. With 100 secrets of 16-64 bytes in
// all their forms (q = 4) k is 13: a 64 KiB read costs some 5,000 probes.
// One short secret would make k small for all: patterns under 16 bytes,
// when there are longer ones, form a group of their own, searched with
// 2-grams when they are 5 bytes or less (k = 3 for 4-byte values) and an
// index that holds only their q-grams.
// All of it (patterns, index, bitmaps) is secret material and lives in one
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
  // The sampling step k of the shortest patterns (the search's cost).
  std::size_t step() const;
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
  // Patterns searched with the same q and k, and their index (in m_arena).
  struct Group {
    std::size_t q = 4;
    std::uint32_t q_mask = 0xFFFFFFFFU;
    std::size_t step = 1;
    std::size_t shortest = 0;
    std::size_t entry_count = 0;
    unsigned bucket_shift = 32;
    unsigned bitmap_shift = 32;
    const Entry* entries = nullptr;                // sorted by bucket
    const std::uint32_t* buckets = nullptr;        // 2^bucket_bits + 1 starts into entries
    const std::uint64_t* bitmap = nullptr;         // a bit per hash prefix of an entry's key
    const std::uint32_t* short_prefixes = nullptr; // sorted: length << 24 | bytes, prefixes shorter than q
    std::size_t short_prefix_count = 0;
  };

  static std::uint32_t hash(std::uint32_t key) { return key * 0x9E3779B1U; }
  static bool in_bitmap(const Group& group, std::uint32_t key) {
    const std::uint32_t bit = hash(key) >> group.bitmap_shift;
    return ((group.bitmap[bit >> 6] >> (bit & 63)) & 1U) != 0;
  }
  void build(Group& group, const std::vector<std::uint32_t>& members, unsigned char* arena, std::size_t& at);
  void scan_group(const Group& group, const unsigned char* text, std::size_t size, std::size_t from,
                  std::size_t to, std::size_t& pending, std::vector<Occurrence>& found) const;
  void check_sample(const Group& group, const unsigned char* text, std::size_t size, std::size_t p,
                    std::uint32_t key, std::size_t from, std::size_t to, std::size_t& pending,
                    std::vector<Occurrence>& found) const;
  const unsigned char* pattern_bytes(std::uint32_t index) const { return m_bytes + m_offsets[index]; }

  sys::SecureBuffer m_arena;
  const unsigned char* m_bytes = nullptr; // the patterns, one after another, in m_arena
  std::vector<Group> m_groups;            // one or two
  std::vector<std::uint32_t> m_offsets;   // of each pattern in m_bytes
  std::vector<std::uint32_t> m_lengths;
  std::size_t m_shortest = 0;
  std::size_t m_longest = 0;
};

} // namespace pprotect::masking
