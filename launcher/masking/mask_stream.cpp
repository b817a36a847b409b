#include "launcher/masking/mask_stream.hpp"

#include "sys/utf8.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace pprotect::masking {

namespace {

std::string_view chars(const unsigned char* bytes, std::size_t size) {
  return {reinterpret_cast<const char*>(bytes), size};
}

// How many of the last bytes (0-3) before `end` are the start of a UTF-8
// character still missing bytes. byte_at(pos) reads the stream; bytes
// before `from` are gone (written), so a character begun there is not
// held.
template <class ByteAt>
std::size_t incomplete_utf8_tail(std::uint64_t from, std::uint64_t end, const ByteAt& byte_at) {
  for (std::size_t i = 1; i <= 3 && i <= end - from; ++i) {
    const unsigned char b = byte_at(end - i);
    if ((b & 0xC0) == 0x80) {
      continue; // a continuation byte: look further back for its lead
    }
    const std::size_t need = sys::utf8_sequence_length(b);
    return need > i ? i : 0;
  }
  return 0;
}

} // namespace

MaskStream::MaskStream(const Masker& masker) : m_masker(masker), m_matcher(masker.matcher()) {
  // With nothing to mask the stream still holds an unfinished UTF-8
  // character: 3 bytes.
  const std::size_t hold = m_matcher.longest() + 4;
  const std::size_t seam = hold + m_matcher.longest() + m_matcher.step() + 8;
  auto slices = sys::SecureBuffer::slices({hold, hold, seam});
  m_hold[0] = std::move(slices[0]);
  m_hold[1] = std::move(slices[1]);
  m_seam = std::move(slices[2]);
}

void MaskStream::collect(const std::vector<Matcher::Occurrence>& found, std::uint64_t base) {
  for (const Matcher::Occurrence& o : found) {
    const std::uint64_t start = base + o.start;
    m_matches.push_back(Match{start, start + m_matcher.pattern_length(o.pattern), o.pattern});
  }
}

void MaskStream::write_raw(const Bytes& bytes, std::uint64_t to, Sink& out) {
  if (to <= m_written) {
    return;
  }
  assert(!m_region_open && m_written >= m_keep);
  if (m_written < bytes.held_end) {
    const std::uint64_t end = std::min(to, bytes.held_end);
    out.write(chars(bytes.held + (m_written - m_keep), end - m_written));
    m_written = end;
  }
  if (m_written < to) {
    out.write(bytes.input.substr(m_written - bytes.held_end, to - m_written));
    m_written = to;
  }
}

void MaskStream::close_region(Sink& out) {
  out.write(m_masker.label(m_region_best));
  m_written = m_region_end;
  m_region_open = false;
}

void MaskStream::take(const Match& match, const Bytes& bytes, Sink& out) {
  if (match.end <= m_written) {
    return; // written at idle, or masked then
  }
  const std::uint64_t length = match.end - match.start;
  if (m_region_open) {
    if (match.start < m_region_end) {
      m_region_end = std::max(m_region_end, match.end);
      if (length > m_region_best_length) {
        m_region_best_length = length;
        m_region_best = match.pattern;
      }
      return;
    }
    close_region(out);
  }
  // What was written stays written: the occurrence is masked from the
  // first byte that was not.
  const std::uint64_t start = std::max(match.start, m_written);
  write_raw(bytes, start, out);
  m_region_open = true;
  m_region_end = match.end;
  m_region_best_length = length;
  m_region_best = match.pattern;
}

void MaskStream::take_matches(const Bytes& bytes, std::uint64_t limit, Sink& out) {
  std::sort(m_matches.begin(), m_matches.end(), [](const Match& a, const Match& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });
  for (const Match& match : m_matches) {
    if (match.start >= limit) {
      break; // found again when the bytes after it come
    }
    take(match, bytes, out);
  }
}

void MaskStream::feed(std::string_view input, Sink& out) {
  if (input.empty()) {
    return;
  }
  const std::size_t held = m_hold_size;
  const std::size_t size = input.size();
  const std::uint64_t old_end = m_end;
  const std::uint64_t new_end = old_end + size;
  m_found.clear();
  m_matches.clear();

  std::uint64_t pending = 0;
  const std::size_t seam_input = std::min(size, m_matcher.longest() + m_matcher.step() + 8);
  if (held > 0) {
    // Occurrences that start in the held bytes end within the seam.
    unsigned char* seam = m_seam.data();
    std::memcpy(seam, held_bytes(), held);
    std::memcpy(seam + held, input.data(), seam_input);
    const std::string_view seam_text = chars(seam, held + seam_input);
    if (seam_input == size) {
      pending = m_keep + m_matcher.scan(seam_text, 0, seam_text.size(), m_found);
      collect(m_found, m_keep);
    } else {
      // The input is longer than any pattern: a proper prefix at its end
      // starts in it.
      (void)m_matcher.scan(seam_text, 0, held, m_found);
      collect(m_found, m_keep);
      m_found.clear();
      pending = old_end + m_matcher.scan(input, 0, size, m_found);
      collect(m_found, old_end);
    }
  } else {
    pending = old_end + m_matcher.scan(input, 0, size, m_found);
    collect(m_found, old_end);
  }

  const Bytes bytes{held_bytes(), old_end, input};
  const auto byte_at = [&](std::uint64_t pos) {
    return pos < old_end ? bytes.held[pos - m_keep] : static_cast<unsigned char>(input[pos - old_end]);
  };
  const std::uint64_t cut = new_end - incomplete_utf8_tail(m_keep, new_end, byte_at);
  const std::uint64_t limit = std::max(m_keep, std::min(pending, cut));
  m_pending = pending;
  take_matches(bytes, limit, out);
  // No occurrence not yet taken starts before limit, so none can reach
  // into a region that ends there.
  if (m_region_open && m_region_end <= limit) {
    close_region(out);
  }
  if (!m_region_open) {
    write_raw(bytes, limit, out);
  }

  // Keep [limit, new_end) in the other buffer: the pieces just written
  // from this one stay valid until the next call.
  unsigned char* next = m_hold[1 - m_current].data();
  std::size_t kept = 0;
  for (std::uint64_t pos = limit; pos < old_end; ++pos) {
    next[kept++] = bytes.held[pos - m_keep];
  }
  const std::uint64_t from_input = std::max(limit, old_end) - old_end;
  std::memcpy(next + kept, input.data() + from_input, size - from_input);
  kept += size - from_input;
  m_current = 1 - m_current;
  m_hold_size = kept;
  m_keep = limit;
  m_end = new_end;
}

void MaskStream::find_held(std::uint64_t to) {
  m_found.clear();
  m_matches.clear();
  (void)m_matcher.scan(chars(held_bytes(), m_hold_size), 0, to - m_keep, m_found);
  collect(m_found, m_keep);
}

void MaskStream::flush_idle(Sink& out) {
  const std::uint64_t release = m_end - m_pending >= k_idle_hold ? m_pending : m_end;
  if (release <= m_written && !m_region_open) {
    return;
  }
  // Complete occurrences in what is let go are masked now. The held bytes
  // stay (m_keep does not move): an occurrence that starts in them and
  // ends in bytes still to come is masked from the first unwritten byte.
  const Bytes bytes{held_bytes(), m_end, {}};
  if (release > m_keep) {
    find_held(release);
    take_matches(bytes, release, out);
  }
  if (m_region_open) {
    close_region(out);
  }
  write_raw(bytes, release, out);
}

void MaskStream::finish(Sink& out) {
  const Bytes bytes{held_bytes(), m_end, {}};
  if (m_hold_size > 0) {
    find_held(m_end);
    take_matches(bytes, m_end, out);
  }
  if (m_region_open) {
    close_region(out);
  }
  write_raw(bytes, m_end, out);
  m_keep = m_pending = m_written = m_end;
  m_hold_size = 0;
}

} // namespace pprotect::masking
