// Masking benchmark: prints figures, asserts nothing.
//   1. building the masker for 100 secrets of 16-64 bytes, every form of each
//   2. 512 MiB of log output through a MaskStream in 64 KiB reads, into an
//      output buffer, with no secret in it and with a secret every 4 KiB;
//      side by side, a memcpy of the same reads into the same buffer
//   3. 1,000 lines fed one by one: the time until each is written
// MB/s are 10^6 bytes a second of this thread's CPU time, medians of
// several runs; the latencies are wall time.

#include "launcher/masking/mask_stream.hpp"
#include "launcher/masking/masker.hpp"
#include "mask_workload.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace pprotect::masking;
using pprotect::bench::make_log;
using pprotect::bench::make_values;
using pprotect::bench::median;

namespace {

constexpr std::size_t k_read = std::size_t{64} * 1024; // a pipe's buffer: what one read() returns at most
constexpr std::size_t k_data = 64 << 20;               // distinct bytes, well beyond the caches
constexpr int k_passes = 8;                            // 8 x 64 MiB = 512 MiB a run
constexpr int k_runs = 5;
constexpr std::size_t k_small_read = std::size_t{4} * 1024; // a child that writes a line or a page at a time

// CPU time of this thread: on a shared machine it varies less than wall
// time, which waits for a core.
double cpu_seconds_of(const std::function<void()>& work) {
  timespec start{};
  timespec end{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  work();
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
  return static_cast<double>(end.tv_sec - start.tv_sec) +
         static_cast<double>(end.tv_nsec - start.tv_nsec) / 1e9;
}

double seconds_of(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What the supervisor's writer does with the pieces of one read: gather
// them into its buffer.
struct BufferSink : Sink {
  std::vector<char> buffer = std::vector<char>(4 * k_read);
  std::size_t used = 0;
  std::size_t total = 0;
  void write(std::string_view bytes) override {
    if (used + bytes.size() > buffer.size()) {
      used = 0;
    }
    std::memcpy(buffer.data() + used, bytes.data(), bytes.size());
    used += bytes.size();
    total += bytes.size();
  }
};

struct Throughput {
  double masked_mb_s;
  double discarded_mb_s; // the filter alone: pieces dropped
  double memcpy_mb_s;
};

Throughput measure(const Masker& masker, const std::string& data, std::size_t read_size = k_read) {
  const double bytes = static_cast<double>(data.size()) * k_passes;
  std::vector<double> masked, discarded, copied;
  for (int run = 0; run < k_runs; ++run) {
    BufferSink sink;
    masked.push_back(cpu_seconds_of([&] {
      MaskStream stream(masker);
      for (int pass = 0; pass < k_passes; ++pass) {
        for (std::size_t at = 0; at < data.size(); at += read_size) {
          sink.used = 0;
          stream.feed(std::string_view(data).substr(at, read_size), sink);
        }
      }
      stream.finish(sink);
    }));
    struct Drop : Sink {
      std::size_t total = 0;
      void write(std::string_view b) override { total += b.size(); }
    } drop;
    discarded.push_back(cpu_seconds_of([&] {
      MaskStream stream(masker);
      for (int pass = 0; pass < k_passes; ++pass) {
        for (std::size_t at = 0; at < data.size(); at += read_size) {
          stream.feed(std::string_view(data).substr(at, read_size), drop);
        }
      }
      stream.finish(drop);
    }));
    BufferSink plain;
    copied.push_back(cpu_seconds_of([&] {
      for (int pass = 0; pass < k_passes; ++pass) {
        for (std::size_t at = 0; at < data.size(); at += read_size) {
          plain.used = 0;
          plain.write(std::string_view(data).substr(at, read_size));
        }
      }
    }));
    if (sink.total == 0 || drop.total == 0 || plain.total == 0) {
      std::printf("nothing written?\n");
    }
  }
  return {bytes / median(masked) / 1e6, bytes / median(discarded) / 1e6, bytes / median(copied) / 1e6};
}

} // namespace

int main() {
  std::mt19937 random(20240501);
  const std::vector<std::string> values = make_values(random);
  std::vector<std::string> names;
  std::vector<NamedSecret> secrets;
  for (std::size_t i = 0; i < values.size(); ++i) {
    names.push_back("SECRET_" + std::to_string(i));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    secrets.push_back({names[i], values[i]});
  }

  // 1. Build.
  std::vector<double> builds;
  for (int i = 0; i < 11; ++i) {
    builds.push_back(cpu_seconds_of([&] { const Masker m(secrets); }));
  }
  const Masker masker(secrets);
  const Matcher& matcher = masker.matcher();
  std::printf("1. build for %zu secrets of 16-64 bytes: %zu patterns (%zu-%zu bytes, sampling step %zu)\n",
              secrets.size(), matcher.size(), matcher.shortest(), matcher.longest(), matcher.step());
  std::printf(
      "   median %.2f ms (CPU) of 11; locked memory %zu KiB for the patterns and index, %zu bytes a stream\n",
      median(builds) * 1e3, matcher.locked_bytes() / 1024, MaskStream(masker).locked_bytes());

  // 2. Throughput.
  const std::string clean = make_log(random, k_data);
  {
    // Check once, untimed, that the clean data holds no secret.
    BufferSink check;
    struct Equal : Sink {
      const std::string& data;
      std::size_t at = 0;
      bool same = true;
      explicit Equal(const std::string& d) : data(d) {}
      void write(std::string_view b) override {
        same = same && data.compare(at, b.size(), b) == 0;
        at += b.size();
      }
    } equal(clean);
    MaskStream stream(masker);
    stream.feed(clean, equal);
    stream.finish(equal);
    if (!equal.same || equal.at != clean.size()) {
      std::printf("the clean data holds a pattern: pick another seed\n");
      return 1;
    }
  }
  std::string dirty = clean;
  std::size_t planted = 0;
  for (std::size_t at = 0; at + 512 < dirty.size(); at += 4096) {
    const std::string_view p = matcher.pattern(static_cast<std::uint32_t>(random() % matcher.size()));
    dirty.replace(at, p.size(), p);
    ++planted;
  }
  std::printf("2. %d MiB in %zu KiB reads, median of %d runs (MB/s = 10^6 bytes a CPU second):\n",
              k_passes * 64, k_read / 1024, k_runs);
  const Throughput a = measure(masker, clean);
  std::printf(
      "   no secret:            masked %6.0f MB/s (filter alone %6.0f), memcpy %6.0f MB/s: %.0f%% of it\n",
      a.masked_mb_s, a.discarded_mb_s, a.memcpy_mb_s, 100 * a.masked_mb_s / a.memcpy_mb_s);
  const Throughput b = measure(masker, dirty);
  std::printf(
      "   a secret every 4 KiB: masked %6.0f MB/s (filter alone %6.0f), memcpy %6.0f MB/s: %.0f%% of it"
      " (%zu a pass, any form)\n",
      b.masked_mb_s, b.discarded_mb_s, b.memcpy_mb_s, 100 * b.masked_mb_s / b.memcpy_mb_s, planted);
  const Throughput c = measure(masker, clean, k_small_read);
  std::printf(
      "   no secret, 4 KiB reads: masked %6.0f MB/s (filter alone %6.0f), memcpy %6.0f MB/s: %.0f%% of it\n",
      c.masked_mb_s, c.discarded_mb_s, c.memcpy_mb_s, 100 * c.masked_mb_s / c.memcpy_mb_s);
  // The hardest output that holds no secret: base64 all through (a child
  // that dumps a blob), whose 4-grams look like those of the base64 forms.
  std::string blob(clean.size(), '\0');
  {
    const std::string b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < blob.size(); ++i) {
      blob[i] = i % 77 == 76 ? '\n' : b64[random() % 64];
    }
  }
  const Throughput d = measure(masker, blob);
  std::printf(
      "   base64 blob:          masked %6.0f MB/s (filter alone %6.0f), memcpy %6.0f MB/s: %.0f%% of it\n",
      d.masked_mb_s, d.discarded_mb_s, d.memcpy_mb_s, 100 * d.masked_mb_s / d.memcpy_mb_s);

  // A short secret among them shortens the sampling step.
  for (const std::string_view short_value : {"pin-1234", "pin1"}) {
    std::vector<NamedSecret> with_short = secrets;
    with_short.push_back({"SHORT", short_value});
    const Masker short_masker(with_short);
    const Throughput e = measure(short_masker, clean);
    std::printf("   no secret, with a %zu-byte secret among them (step %zu): masked %6.0f MB/s (filter alone "
                "%6.0f)\n",
                short_value.size(), short_masker.matcher().step(), e.masked_mb_s, e.discarded_mb_s);
  }

  // 3. Latency of a line fed alone.
  std::vector<double> latencies;
  {
    MaskStream stream(masker);
    BufferSink sink;
    std::size_t at = 0;
    for (int i = 0; i < 1000; ++i) {
      const std::size_t end = clean.find('\n', at) + 1;
      const std::string_view line = std::string_view(clean).substr(at, end - at);
      at = end;
      latencies.push_back(seconds_of([&] { stream.feed(line, sink); }));
      if (stream.holding()) {
        std::printf("a line was held\n");
      }
    }
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf(
      "3. 1,000 lines fed one by one: written after %.2f us median, %.2f us p99 (the filter's part of\n"
      "   the 10 ms target; a line ending in a newline is never held for the idle timer)\n",
      latencies[500] * 1e6, latencies[990] * 1e6);
  return 0;
}
