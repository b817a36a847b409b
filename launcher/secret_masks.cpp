#include "launcher/secret_masks.hpp"

#include <algorithm>
#include <cstring>

namespace pprotect::launcher {

namespace {

// A masking::Sink that writes to the supervisor's.
class ToOutput final : public masking::Sink {
public:
  explicit ToOutput(supervisor::OutputSink& out) : m_out(out) {}
  void write(std::string_view bytes) override { m_out.write(bytes); }

private:
  supervisor::OutputSink& m_out;
};

// Keeps the pieces of one call: they stay valid until the next call on the
// stream that wrote them.
class Collect final : public masking::Sink {
public:
  void write(std::string_view bytes) override {
    pieces.push_back(bytes);
    size += bytes.size();
  }
  std::vector<std::string_view> pieces;
  std::size_t size = 0;
};

} // namespace

SecretMasks::SecretMasks(masking::MaskOptions options, Remember remember)
    : m_options(std::move(options)), m_remember(remember) {}

std::vector<std::string> SecretMasks::update(std::span<const masking::NamedSecret> secrets) {
  std::vector<masking::NamedSecret> all(secrets.begin(), secrets.end());
  if (m_remember == Remember::yes) {
    for (const masking::NamedSecret& secret : secrets) {
      const bool known = std::any_of(m_remembered.begin(), m_remembered.end(), [&](const Remembered& r) {
        return r.name == secret.name && r.value.view() == secret.value;
      });
      if (!known) {
        m_remembered.push_back(
            Remembered{std::string(secret.name), sys::SecureBuffer::copy_of(secret.value)});
      }
    }
    // The current values first (a label names the secret given first),
    // then those replaced.
    for (const Remembered& old : m_remembered) {
      const bool current = std::any_of(secrets.begin(), secrets.end(), [&](const masking::NamedSecret& s) {
        return s.name == old.name && s.value == old.value.view();
      });
      if (!current) {
        all.push_back(masking::NamedSecret{old.name, old.value.view()});
      }
    }
  }
  auto masker = std::make_shared<const masking::Masker>(all, m_options);
  std::vector<std::string> newly_short;
  for (const std::string& name : masker->too_short()) {
    if (std::find(m_said_too_short.begin(), m_said_too_short.end(), name) == m_said_too_short.end()) {
      m_said_too_short.push_back(name);
      newly_short.push_back(name);
    }
  }
  {
    const std::lock_guard<std::mutex> lock(m_mutex);
    m_masker = std::move(masker);
    m_generation.fetch_add(1, std::memory_order_acq_rel);
  }
  return newly_short;
}

std::pair<std::shared_ptr<const masking::Masker>, std::uint64_t> SecretMasks::current() const {
  const std::lock_guard<std::mutex> lock(m_mutex);
  return {m_masker, m_generation.load(std::memory_order_relaxed)};
}

MaskFilter::MaskFilter(std::shared_ptr<const SecretMasks> masks) : m_masks(std::move(masks)) {
  std::tie(m_masker, m_generation) = m_masks->current();
  m_stream = std::make_unique<masking::MaskStream>(*m_masker);
}

void MaskFilter::take_new_masker(supervisor::OutputSink& out) {
  auto [masker, generation] = m_masks->current();
  // What the old stream holds (a prefix of a value, perhaps) goes through
  // the new one, whose masker has the old values too: it is still masked
  // when the rest comes.
  Collect held;
  m_stream->finish(held);
  auto stream = std::make_unique<masking::MaskStream>(*masker);
  if (held.size > 0) {
    // Copied out before the old stream and masker go (the pieces are
    // theirs), into locked memory: they may be the start of a secret.
    m_carried = sys::SecureBuffer(held.size);
    std::size_t at = 0;
    for (const std::string_view piece : held.pieces) {
      std::memcpy(m_carried.data() + at, piece.data(), piece.size());
      at += piece.size();
    }
    ToOutput sink(out);
    stream->feed(m_carried.view(), sink);
  }
  m_stream = std::move(stream);
  m_masker = std::move(masker);
  m_generation = generation;
}

void MaskFilter::feed(std::string_view input, supervisor::OutputSink& out) {
  if (!m_carried.empty()) {
    m_carried = sys::SecureBuffer(); // written by now
  }
  if (m_masks->generation() != m_generation) {
    take_new_masker(out);
  }
  ToOutput sink(out);
  m_stream->feed(input, sink);
}

void MaskFilter::flush_idle(supervisor::OutputSink& out) {
  ToOutput sink(out);
  m_stream->flush_idle(sink);
}

void MaskFilter::finish(supervisor::OutputSink& out) {
  ToOutput sink(out);
  m_stream->finish(sink);
}

} // namespace pprotect::launcher
