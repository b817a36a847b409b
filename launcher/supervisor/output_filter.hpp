#pragma once
// What --mask puts between the child's output and ours. The supervisor
// relays bytes through a filter without knowing what it does: the launcher
// implements it with the masking library (launcher/mask_filter.hpp), the
// relay's unit tests with fakes.

#include <functional>
#include <memory>
#include <string_view>

namespace pprotect::supervisor {

// Where a filter writes its output, piece by piece, in order.
class OutputSink {
public:
  virtual ~OutputSink() = default;
  // bytes stay valid until the next call on the filter that wrote them.
  virtual void write(std::string_view bytes) = 0;
};

// One output stream's filter: bytes in, filtered bytes out, in order. Used
// by one thread at a time.
class OutputFilter {
public:
  virtual ~OutputFilter() = default;
  // The next bytes of the stream; writes to out all that can be written now.
  virtual void feed(std::string_view input, OutputSink& out) = 0;
  // Called once after a short time without input while holding().
  virtual void flush_idle(OutputSink& out) = 0;
  // The end of the stream: writes everything held.
  virtual void finish(OutputSink& out) = 0;
  // True while bytes wait to be written.
  [[nodiscard]] virtual bool holding() const = 0;
};

// Makes the filter of one stream (the child's stdout, its stderr, or both
// merged). Throws what the filter's construction throws (std::bad_alloc for
// locked memory).
using OutputFilterFactory = std::function<std::unique_ptr<OutputFilter>()>;

} // namespace pprotect::supervisor
