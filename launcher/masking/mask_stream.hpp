#pragma once
// The streaming filter: one per output stream (the child's stdout, its
// stderr). Bytes in, masked bytes out, in order; it knows nothing of
// processes, pipes or timers.
//
// What is masked. Take every occurrence of every pattern in the whole
// stream; occurrences that overlap join into one region (transitively), and
// each region is replaced by one label: that of its longest occurrence (of
// equal lengths, the first). So the longest match wins, a value inside
// another or overlapping it shows none of either, and two values side by
// side read as two labels. The rest passes byte for byte: binary data and
// invalid UTF-8 unchanged.
//
// What is held back. feed() writes at once every byte that no occurrence
// can still cover: it holds only the longest tail of the stream that is a
// proper prefix of some pattern (at most the longest pattern less a byte),
// and a region that a later occurrence could still extend. A tail that
// ends inside a UTF-8 character (1-3 bytes) is held too, so what one call
// writes never ends in part of a character that the next read completes
// (write a call's pieces together, as one writev). A line that ends in a
// newline is written when it is fed, unless it ends the way a pattern
// with a line break in it begins (a multi-line value's first line, the
// first line of a value's wrapped base64): no other line waits for the
// idle timer.
//
// The idle rule. After ~10 ms without input the caller calls
// flush_idle(), which writes every held byte except a held tail of at
// least k_idle_hold bytes (4) that is a proper prefix of some pattern:
//   - a prompt (`Password: `, `Continue [y/N] `, `login`) whose last 1-3
//     bytes happen to begin some pattern shows at idle; one whose last 4 or
//     more bytes begin a pattern waits for more output or for finish(), as
//     that is a secret's start as often as not;
//   - a value whose first 4 or more bytes came seconds before its rest is
//     masked whole;
//   - a value whose first 1-3 bytes were written at idle before its rest
//     came: those bytes stay written (output is never taken back), and the
//     rest of the value is masked: an occurrence that starts in written
//     output is masked from the first byte not yet written. A label never
//     stands for bytes already written.
//   - an unfinished UTF-8 character is let go too: the child stopped in
//     its middle.
// An open region is closed at idle (its label written); an occurrence that
// later overlaps it starts a new region after it.
//
// finish() at the end of the stream writes everything: complete
// occurrences masked, an incomplete prefix as it is.

#include "launcher/masking/masker.hpp"
#include "sys/secure_buffer.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace pprotect::masking {

// Where a MaskStream writes the masked stream, piece by piece, in order.
class Sink {
public:
  virtual ~Sink() = default;
  // bytes stay valid until the next call on the MaskStream that wrote
  // them, provided the input they come from does: a piece may point into
  // the input of feed(), into the stream's own held bytes, or at a label.
  virtual void write(std::string_view bytes) = 0;
};

class MaskStream {
public:
  // The shortest held tail that flush_idle() keeps (see the idle rule).
  static constexpr std::size_t k_idle_hold = 4;

  // masker must outlive the stream. Throws std::bad_alloc when locked
  // memory for the held bytes cannot be had.
  explicit MaskStream(const Masker& masker);

  // Takes the next bytes of the stream and writes to out all that can be
  // written now.
  void feed(std::string_view input, Sink& out);
  // Call after a short time without input (at most 10 ms): writes what the
  // idle rule lets go.
  void flush_idle(Sink& out);
  // The end of the stream: writes everything held. The stream starts
  // afresh after it.
  void finish(Sink& out);
  // True while bytes (or a label) wait to be written. The caller arms its
  // idle timer when this is true after a feed, and calls flush_idle() once
  // when it fires with no input in between; what flush_idle() keeps waits
  // for more input or finish().
  bool holding() const { return m_written < m_end || m_region_open; }
  // Bytes of the stream held back now.
  std::size_t held() const { return m_hold_size; }
  // Bytes of locked memory the stream takes (its held bytes, twice, and
  // the seam).
  std::size_t locked_bytes() const { return m_hold[0].size() + m_hold[1].size() + m_seam.size(); }

private:
  // A match in stream positions.
  struct Match {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::uint32_t pattern = 0;
  };
  // Where the bytes of stream positions [m_keep, m_end) are during a call:
  // the held bytes, then the input of feed().
  struct Bytes {
    const unsigned char* held = nullptr;
    std::uint64_t held_end = 0;
    std::string_view input;
  };

  void collect(const std::vector<Matcher::Occurrence>& found, std::uint64_t base);
  void find_held(std::uint64_t to);
  void take_matches(const Bytes& bytes, std::uint64_t limit, Sink& out);
  void take(const Match& match, const Bytes& bytes, Sink& out);
  void close_region(Sink& out);
  void write_raw(const Bytes& bytes, std::uint64_t to, Sink& out);
  unsigned char* held_bytes() { return m_hold[m_current].data(); }

  const Masker& m_masker;
  const Matcher& m_matcher;
  // Two buffers for the held bytes, used in turn: the pieces a call wrote
  // from one stay valid while the next call fills the other. The seam holds
  // the held bytes and the input's first bytes, to find occurrences that
  // start in the one and end in the other.
  sys::SecureBuffer m_hold[2];
  sys::SecureBuffer m_seam;
  int m_current = 0;
  std::size_t m_hold_size = 0;

  // Stream positions (bytes since the start).
  std::uint64_t m_keep = 0;    // the first held byte: before it, everything is decided
  std::uint64_t m_end = 0;     // bytes taken
  std::uint64_t m_pending = 0; // the start of the held proper prefix of a pattern (m_end if none)
  std::uint64_t m_written = 0; // output is written up to here (or to an open region's start)

  // The region being built: its label is written once nothing can extend it.
  bool m_region_open = false;
  std::uint64_t m_region_end = 0;
  std::uint64_t m_region_best_length = 0;
  std::uint32_t m_region_best = 0;

  std::vector<Matcher::Occurrence> m_found;
  std::vector<Match> m_matches;
};

} // namespace pprotect::masking
