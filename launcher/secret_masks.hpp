#pragma once
// --mask in the launcher: the masker of the injected secrets, and the
// supervisor's output filter made of it (the supervisor relays the child's
// output through an OutputFilter and knows nothing of masking; the masking
// library knows nothing of processes: here they meet).

#include "launcher/masking/mask_stream.hpp"
#include "launcher/masking/masker.hpp"
#include "launcher/supervisor/output_filter.hpp"
#include "sys/secure_buffer.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace pprotect::launcher {

// The masker of the secrets the child gets, replaced when --watch brings
// new values. A replaced value stays masked (a rotated secret may still be
// valid, and still printed): with Remember::yes every value ever given is
// kept, in locked memory, for the next masker.
class SecretMasks {
public:
  enum class Remember { no, yes };

  SecretMasks(masking::MaskOptions options, Remember remember);
  SecretMasks(const SecretMasks&) = delete;
  SecretMasks& operator=(const SecretMasks&) = delete;

  // Builds the masker of secrets (with those given before, when
  // remembering) and makes it the one streams use from their next input.
  // Returns the names newly left unmasked for being shorter than
  // --mask-min-length. Throws std::bad_alloc when locked memory cannot be
  // had.
  std::vector<std::string> update(std::span<const masking::NamedSecret> secrets);

  // The masker now, and its generation (which update() raises).
  std::pair<std::shared_ptr<const masking::Masker>, std::uint64_t> current() const;
  std::uint64_t generation() const { return m_generation.load(std::memory_order_acquire); }

private:
  struct Remembered {
    std::string name;
    sys::SecureBuffer value;
  };

  masking::MaskOptions m_options;
  Remember m_remember;
  std::vector<Remembered> m_remembered;
  std::vector<std::string> m_said_too_short;
  mutable std::mutex m_mutex;
  std::shared_ptr<const masking::Masker> m_masker;
  std::atomic<std::uint64_t> m_generation{0};
};

// One output stream masked with the current masker of a SecretMasks.
class MaskFilter final : public supervisor::OutputFilter {
public:
  explicit MaskFilter(std::shared_ptr<const SecretMasks> masks);

  void feed(std::string_view input, supervisor::OutputSink& out) override;
  void flush_idle(supervisor::OutputSink& out) override;
  void finish(supervisor::OutputSink& out) override;
  bool holding() const override { return m_stream->holding(); }

private:
  void take_new_masker(supervisor::OutputSink& out);

  std::shared_ptr<const SecretMasks> m_masks;
  std::shared_ptr<const masking::Masker> m_masker;
  std::uint64_t m_generation = 0;
  std::unique_ptr<masking::MaskStream> m_stream;
  // What the previous stream held when the masker changed, fed to the new
  // one; kept until the next call, as its pieces may point into it.
  sys::SecureBuffer m_carried;
};

} // namespace pprotect::launcher
