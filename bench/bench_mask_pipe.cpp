// pprotect-run --mask end to end, beside cat through the same pipes.
// Prints figures, asserts nothing.
//
// A protected file with 100 secrets of 16-64 bytes (a raw custodian: no
// key derivation). The child is this program again (--generate), writing
// 512 MiB of log lines to its stdout in 64 KiB writes, with no secret in
// them, then with one every 4 KiB (the child reads the values from its
// environment: pprotect-run put them there; cat's child gets the same).
//   masked: child -> pipe -> pprotect-run --mask -> pipe -> this program
//   cat:    child -> pipe -> cat                -> pipe -> this program
// Every process is started directly (posix_spawn, no shell). Each run is
// timed from the spawn to the end of the output, masked and cat runs
// interleaved; MB/s are 10^6 bytes of the child's output a wall second,
// medians of the runs. Wall time on a shared machine swings with its load,
// so the CPU time of the process in the middle (pprotect-run's own, all
// its threads, without its child; cat's) is printed beside it. Latency: the child writes 1,000 lines 1 ms
// apart, each with the CLOCK_MONOTONIC time it was written; this program reads them from pprotect-run
// --mask's stdout and takes the median delay (target: at most 10 ms).
//
// Usage: bench_mask_pipe [RUNS] [PPROTECT_RUN]  (default: 5 runs, the
// pprotect-run next to this program)

#include "mask_workload.hpp"
#include "store/key_file.hpp"
#include "store/key_type.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <random>
#include <spawn.h>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;
using pprotect::bench::make_log;
using pprotect::bench::make_values;
using pprotect::bench::median;

namespace {

constexpr std::size_t k_output = std::size_t{512} << 20;
constexpr std::size_t k_write = std::size_t{64} * 1024;
constexpr std::size_t k_block = std::size_t{8} << 20; // distinct bytes, repeated
constexpr std::size_t k_secrets = 100;
constexpr int k_lines = 1000;
const std::string k_user = "ci@example.com";
const std::string k_passphrase = "P" + std::string(64, '7') + "P";

std::uint64_t monotonic_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1000000000U + static_cast<std::uint64_t>(now.tv_nsec);
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// --generate clean|secrets BYTES: the child.
int generate(bool secrets, std::size_t bytes) {
  std::mt19937 engine(7);
  std::string block = make_log(engine, k_block);
  if (secrets) {
    std::vector<std::string> values;
    for (std::size_t i = 0; i < k_secrets; ++i) {
      const char* value = std::getenv(("SECRET_" + std::to_string(i)).c_str());
      if (value == nullptr) {
        std::fprintf(stderr, "generate: SECRET_%zu missing\n", i);
        return 1;
      }
      values.emplace_back(value);
    }
    std::size_t next = 0;
    for (std::size_t at = 0; at + 128 < block.size(); at += 4096) {
      const std::string& v = values[next++ % values.size()];
      block.replace(at, v.size(), v);
    }
  }
  for (std::size_t written = 0; written < bytes; written += k_write) {
    const std::size_t at = written % block.size();
    if (!write_all(STDOUT_FILENO, block.data() + at, std::min(k_write, bytes - written))) {
      return 1;
    }
  }
  return 0;
}

// --lines N: one line a millisecond, each with the time it was written.
int lines(int count) {
  for (int i = 0; i < count; ++i) {
    char line[64];
    const int n = std::snprintf(line, sizeof line, "line %d %llu\n", i,
                                static_cast<unsigned long long>(monotonic_ns()));
    if (!write_all(STDOUT_FILENO, line, static_cast<std::size_t>(n))) {
      return 1;
    }
    ::usleep(1000);
  }
  return 0;
}

struct Process {
  std::vector<std::string> argv;
  int stdin_fd = -1;
  int stdout_fd = -1;
};

pid_t start(const Process& process, const std::vector<std::string>& extra_env) {
  std::vector<std::string> env_storage;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    env_storage.emplace_back(*entry);
  }
  env_storage.insert(env_storage.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (auto& e : env_storage) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> argv_storage = process.argv;
  std::vector<char*> argv;
  for (auto& a : argv_storage) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (process.stdin_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, process.stdin_fd, STDIN_FILENO);
  }
  if (process.stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, process.stdout_fd, STDOUT_FILENO);
  }
  pid_t pid = -1;
  const int error = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    std::fprintf(stderr, "cannot start %s: %s\n", argv[0], std::strerror(error));
    std::exit(1);
  }
  return pid;
}

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
      std::perror("pipe2");
      std::exit(1);
    }
    read_end = ends[0];
    write_end = ends[1];
  }
};

// Reads fd to its end; returns the bytes.
std::size_t drain(int fd) {
  static std::vector<char> buffer(std::size_t{1} << 20);
  std::size_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return total;
    }
    total += static_cast<std::size_t>(n);
  }
}

bool reaped_ok(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The CPU seconds a process used itself, all its threads, not its children
// (utime + stime of /proc/<pid>/stat), read once it has exited and before
// it is reaped.
double own_cpu_seconds(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0) {
    return -1;
  }
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren == std::string::npos) {
    return -1;
  }
  std::vector<std::string> fields;
  std::size_t at = paren + 2;
  while (at < text.size()) {
    const auto space = text.find(' ', at);
    fields.push_back(text.substr(at, space - at));
    at = space == std::string::npos ? text.size() : space + 1;
  }
  // fields[0] is field 3 (state): utime is field 14, stime 15.
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return fields.size() > 13 ? (std::stod(fields[11]) + std::stod(fields[12])) / ticks : -1;
}

// Seconds from the spawn to the end of the output, and the CPU seconds of
// the process in the middle (pprotect-run or cat).
struct Timing {
  double wall = -1;
  double cpu = -1;
};

struct Setup {
  std::string self;
  std::string run;
  std::string file;
  std::vector<std::string> secret_env; // SECRET_i=value, for cat's child
  std::vector<std::string> credentials;
};

Timing time_masked(const Setup& s, const std::string& mode) {
  Pipe out;
  const auto begin = std::chrono::steady_clock::now();
  const pid_t run = start({{s.run, "--file", s.file, "--domain", "bench", "--mask", "--quiet", "--", s.self,
                            "--generate", mode, std::to_string(k_output)},
                           -1,
                           out.write_end},
                          s.credentials);
  ::close(out.write_end);
  const std::size_t got = drain(out.read_end);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  ::close(out.read_end);
  const double cpu = own_cpu_seconds(run);
  return reaped_ok(run) && got > 0 ? Timing{seconds, cpu} : Timing{};
}

Timing time_cat(const Setup& s, const std::string& mode) {
  Pipe in;
  Pipe out;
  const auto begin = std::chrono::steady_clock::now();
  const pid_t child =
      start({{s.self, "--generate", mode, std::to_string(k_output)}, -1, in.write_end}, s.secret_env);
  const pid_t cat = start({{"cat"}, in.read_end, out.write_end}, {});
  ::close(in.write_end);
  ::close(in.read_end);
  ::close(out.write_end);
  const std::size_t got = drain(out.read_end);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  ::close(out.read_end);
  const double cpu = own_cpu_seconds(cat);
  const bool ok = reaped_ok(child) && reaped_ok(cat);
  return ok && got == k_output ? Timing{seconds, cpu} : Timing{};
}

// Median delay in ms from the child's write of a line to its arrival here.
double latency(const Setup& s, bool masked) {
  Pipe out;
  std::vector<std::string> argv = {s.self, "--lines", std::to_string(k_lines)};
  if (masked) {
    argv.insert(argv.begin(), {s.run, "--file", s.file, "--domain", "bench", "--mask", "--quiet", "--"});
  }
  const pid_t pid = start({argv, -1, out.write_end}, masked ? s.credentials : std::vector<std::string>{});
  ::close(out.write_end);
  std::vector<double> delays;
  std::string pending;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(out.read_end, buffer, sizeof buffer);
    if (n <= 0) {
      break;
    }
    const std::uint64_t now = monotonic_ns();
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t end = 0;
    while ((end = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      const auto space = line.rfind(' ');
      const std::uint64_t written = std::strtoull(line.c_str() + space + 1, nullptr, 10);
      delays.push_back(static_cast<double>(now - written) / 1e6);
    }
  }
  ::close(out.read_end);
  if (!reaped_ok(pid) || delays.size() != static_cast<std::size_t>(k_lines)) {
    return -1;
  }
  return median(delays);
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string_view(argv[1]) == "--generate") {
    return generate(std::string_view(argv[2]) == "secrets", std::strtoull(argv[3], nullptr, 10));
  }
  if (argc == 3 && std::string_view(argv[1]) == "--lines") {
    return lines(std::atoi(argv[2]));
  }
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  Setup setup;
  setup.self = fs::canonical("/proc/self/exe").string();
  setup.run = argc > 2 ? argv[2] : (fs::path(setup.self).parent_path() / "pprotect-run").string();
  if (!fs::exists(setup.run)) {
    std::fprintf(stderr, "%s not found (build pprotect-run, or name one)\n", setup.run.c_str());
    return 1;
  }

  char pattern[] = "/tmp/pprotect-bench-mask-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path dir = pattern;
  std::mt19937 random(20240501);
  const std::vector<std::string> values = make_values(random, k_secrets);
  {
    using pprotect::store::KeyFile;
    KeyFile file = KeyFile::create();
    file.add_key_custodian(k_user, k_passphrase, pprotect::store::KeyType::raw);
    file.add_domain("bench", k_user);
    for (std::size_t i = 0; i < values.size(); ++i) {
      file.add_secret("bench", "SECRET_" + std::to_string(i), values[i]);
      setup.secret_env.push_back("SECRET_" + std::to_string(i) + "=" + values[i]);
    }
    setup.file = (dir / "protected.yaml").string();
    std::ofstream(setup.file, std::ios::binary) << file.emit();
  }
  setup.credentials = {"PPROTECT_USER=" + k_user, "PPROTECT_PASSPHRASE=" + k_passphrase};

  std::printf("pprotect-run --mask beside cat: %zu MiB of log lines in %zu KiB writes, %zu secrets of 16-64 "
              "bytes (all forms), median of %d runs, wall time from spawn to the end of the output\n",
              k_output >> 20, k_write / 1024, k_secrets, runs);
  std::printf("  %-22s %12s %10s %7s   %s\n", "", "--mask MB/s", "cat MB/s", "ratio",
              "CPU of the middle process: --mask, cat (MB a CPU second)");
  for (const std::string mode : {"clean", "secrets"}) {
    std::vector<double> masked;
    std::vector<double> plain;
    std::vector<double> masked_cpu;
    std::vector<double> plain_cpu;
    for (int i = 0; i < runs; ++i) {
      const Timing m = time_masked(setup, mode);
      const Timing c = time_cat(setup, mode);
      if (m.wall < 0 || c.wall < 0) {
        std::fprintf(stderr, "a run failed (%s)\n", mode.c_str());
        return 1;
      }
      masked.push_back(m.wall);
      plain.push_back(c.wall);
      masked_cpu.push_back(m.cpu);
      plain_cpu.push_back(c.cpu);
    }
    const double bytes = static_cast<double>(k_output);
    const double masked_mb_s = bytes / median(masked) / 1e6;
    const double cat_mb_s = bytes / median(plain) / 1e6;
    std::printf("  %-22s %12.0f %10.0f %6.2fx   %.2f s, %.2f s (%.0f, %.0f)\n",
                mode == "clean" ? "no secret" : "a secret every 4 KiB", masked_mb_s, cat_mb_s,
                masked_mb_s / cat_mb_s, median(masked_cpu), median(plain_cpu),
                bytes / median(masked_cpu) / 1e6, bytes / median(plain_cpu) / 1e6);
  }
  std::printf("latency, %d lines 1 ms apart, median from the child's write to our read:\n", k_lines);
  const double with_mask = latency(setup, true);
  const double direct = latency(setup, false);
  std::printf("  through pprotect-run --mask %.3f ms (target <= 10 ms); the child's pipe alone %.3f ms\n",
              with_mask, direct);
  fs::remove_all(dir);
  return 0;
}
