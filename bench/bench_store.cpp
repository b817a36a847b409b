// Store benchmark: prints figures, asserts nothing.
//   1. load + validate a ~1.1 MB protected file (200 domains x 25 secrets)
//   2. unlock + decrypt a 2,000-secret domain with a raw custodian
//   3. Argon2id derivations and wall time of unlock + decrypt for a hard
//      custodian (must be exactly one derivation)
//   4. unlock once: unlock + decrypt of a hard custodian's 25-secret domain
//      with the passphrase (one Argon2id) and with the key `pprotect unlock`
//      caches in the session keyring (none), side by side
//   5. unlock once, whole processes: `pprotect decrypt-domain` of that
//      domain with the passphrase and after `pprotect unlock` with
//      --use-keyring, each started directly (posix_spawn, no shell),
//      interleaved in one run, medians side by side

#include "policy/keyring_cache.hpp"
#include "store/crypto.hpp"
#include "store/protected_file.hpp"
#include "sys/keyring.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using pprotect::store::KeyFile;
using pprotect::store::KeyType;

namespace {

constexpr int k_runs = 15;
const std::string k_owner = "ci@example.com";
const std::string k_raw_pass = "P" + std::string(64, '7') + "P";

// CPU time of the whole process (all threads): on a shared machine it
// varies less than wall time, which waits for a core.
double cpu_ms() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

struct Figure {
  double wall_ms = 0;
  double cpu_ms = 0;
};

// Times one run of work; whatever work leaves alive is freed by the caller.
Figure time_of(const std::function<void()>& work) {
  const double cpu_start = cpu_ms();
  const auto start = std::chrono::steady_clock::now();
  work();
  const auto end = std::chrono::steady_clock::now();
  return Figure{std::chrono::duration<double, std::milli>(end - start).count(), cpu_ms() - cpu_start};
}

// Median wall and CPU time (each its own median) of runs.
Figure median_of(std::vector<Figure> runs) {
  Figure median;
  std::sort(runs.begin(), runs.end(), [](const Figure& a, const Figure& b) { return a.wall_ms < b.wall_ms; });
  median.wall_ms = runs[runs.size() / 2].wall_ms;
  std::sort(runs.begin(), runs.end(), [](const Figure& a, const Figure& b) { return a.cpu_ms < b.cpu_ms; });
  median.cpu_ms = runs[runs.size() / 2].cpu_ms;
  return median;
}

Figure median_of(int runs, const std::function<void()>& work) {
  std::vector<Figure> figures;
  for (int i = 0; i < runs; ++i) {
    figures.push_back(time_of(work));
  }
  return median_of(figures);
}

// Times runs of work (an unlock and a decrypt). The secrets it returns are
// freed outside the timed part: a command frees them at exit, and
// sodium_free of many guarded buffers is not decryption. count is how many
// the last run decrypted.
std::vector<Figure> decrypt_runs(int runs, const std::function<pprotect::store::SecretValues()>& work,
                                 std::size_t& count) {
  std::vector<Figure> figures;
  for (int i = 0; i < runs; ++i) {
    pprotect::store::SecretValues values;
    figures.push_back(time_of([&] { values = work(); }));
    count = values.size();
  }
  return figures;
}

void print_figure(const char* label, const Figure& figure, const char* target, int runs = k_runs) {
  std::printf("   %-34s median %7.2f ms wall, %7.2f ms CPU, of %d runs%s\n", label, figure.wall_ms,
              figure.cpu_ms, runs, target);
}

std::string value_of(int domain, int secret) {
  // ~55 bytes per value: a token or a short connection string.
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, "pg://svc_%03d_%02d:%s@db-%03d:5432", domain, secret,
                "x7Qe9vLmT2pZ8rWc4N", domain);
  return buffer;
}

// One whole process: argv run with envp, stdout to /dev/null, from spawn to
// reaped exit; the CPU time is the child's (all its threads). Negative wall
// time when it could not be started or did not exit 0.
Figure time_process(const std::vector<std::string>& argv, const std::vector<std::string>& envp) {
  std::vector<char*> args;
  for (const auto& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  std::vector<char*> env;
  for (const auto& entry : envp) {
    env.push_back(const_cast<char*>(entry.c_str()));
  }
  env.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    return Figure{-1, 0};
  }
  int status = 0;
  rusage usage{};
  if (::wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Figure{-1, 0};
  }
  const double wall =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const auto ms = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) * 1e3 + static_cast<double>(time.tv_usec) / 1e3;
  };
  return Figure{wall, ms(usage.ru_utime) + ms(usage.ru_stime)};
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

int main() {
  char pattern[] = "/tmp/pprotect-bench-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path dir = pattern;

  // 1. A large file.
  KeyFile big = KeyFile::create();
  big.add_key_custodian(k_owner, k_raw_pass, KeyType::raw);
  for (int d = 0; d < 200; ++d) {
    char name[32];
    std::snprintf(name, sizeof name, "service-%03d", d);
    big.add_domain(name, k_owner);
    for (int s = 0; s < 25; ++s) {
      big.add_secret(name, std::string("SECRET_").append(std::to_string(s)), value_of(d, s));
    }
  }
  const fs::path big_path = dir / "big.yaml";
  {
    std::ofstream out(big_path, std::ios::binary);
    out << big.emit();
  }
  const std::string big_text = read_text(big_path);
  std::printf("1. load + validate: file of %zu bytes, %zu domains x 25 secrets, %zu audit entries\n",
              big_text.size(), big.domain_names().size(), big.audit_log().size());
  print_figure("KeyFile::parse from text:",
               median_of(k_runs, [&] { (void)KeyFile::parse(big_text, "big.yaml"); }), " (target <= 30 ms)");
  print_figure("load_key_file (read + parse):",
               median_of(k_runs, [&] { (void)pprotect::store::load_key_file(big_path); }),
               " (target <= 30 ms)");
  print_figure("KeyFile::emit (for reference):", median_of(k_runs, [&] { (void)big.emit(); }), "");

  // 2. One domain with 2,000 secrets, raw custodian.
  KeyFile wide = KeyFile::create();
  wide.add_key_custodian(k_owner, k_raw_pass, KeyType::raw);
  wide.add_domain("wide", k_owner);
  for (int s = 0; s < 2000; ++s) {
    wide.add_secret("wide", std::string("SECRET_").append(std::to_string(s)), value_of(s % 1000, s % 100));
  }
  const KeyFile wide_loaded = KeyFile::parse(wide.emit(), "wide.yaml");
  std::size_t count = 0;
  const auto runs = decrypt_runs(
      k_runs, [&] { return wide_loaded.decrypt_domain("wide", wide_loaded.unlock(k_owner, k_raw_pass)); },
      count);
  std::printf("2. unlock + decrypt one domain of %zu secrets, raw custodian:\n", count);
  print_figure("unlock + decrypt_domain:", median_of(runs), " (target <= 100 ms)");

  // 3. A hard custodian: one Argon2id derivation per command.
  KeyFile hard = KeyFile::create();
  hard.add_key_custodian("alice@example.com", "correct horse battery staple", KeyType::hard);
  hard.add_domain("prod", "alice@example.com");
  hard.add_secret("prod", "db-pass", "hunter2");
  const fs::path hard_path = dir / "hard.yaml";
  {
    std::ofstream out(hard_path, std::ios::binary);
    out << hard.emit();
  }
  const auto before = pprotect::store::crypto::argon2_derivation_count();
  std::size_t hard_count = 0;
  const Figure hard_time = time_of([&] {
    const KeyFile loaded = pprotect::store::load_key_file(hard_path);
    const auto who = loaded.unlock("alice@example.com", "correct horse battery staple");
    hard_count = loaded.decrypt_domain("prod", who).size();
  });
  const auto derivations = pprotect::store::crypto::argon2_derivation_count() - before;
  std::printf("3. hard custodian, load + unlock + decrypt %zu secret(s): %llu Argon2id derivation(s), %.0f "
              "ms wall, %.0f ms CPU\n",
              hard_count, static_cast<unsigned long long>(derivations), hard_time.wall_ms, hard_time.cpu_ms);

  // 4. Unlock once: the same command with the passphrase and with the
  // cached key. Each run unlocks and decrypts; the file is loaded once.
  const std::string hard_owner = "alice@example.com";
  const std::string hard_pass = "correct horse battery staple";
  KeyFile hard25 = KeyFile::create();
  hard25.add_key_custodian(hard_owner, hard_pass, KeyType::hard);
  hard25.add_domain("service", hard_owner);
  for (int s = 0; s < 25; ++s) {
    hard25.add_secret("service", std::string("SECRET_").append(std::to_string(s)), value_of(7, s));
  }
  const fs::path hard25_path = dir / "hard25.yaml";
  {
    std::ofstream out(hard25_path, std::ios::binary);
    out << hard25.emit();
  }
  const KeyFile hard25_loaded = pprotect::store::load_key_file(hard25_path);
  bool cached_ok = true;
  // A session keyring of the benchmark's own: the user's cached keys stay
  // out of it, and it goes with the process.
  if (const int error = pprotect::sys::join_new_session_keyring(); error != 0) {
    std::printf("4. unlock once: skipped, the kernel refuses keyrings here (%s)\n", std::strerror(error));
  } else {
    constexpr int k_hard_runs = 5;
    std::size_t secrets = 0;
    const auto with_passphrase = decrypt_runs(
        k_hard_runs,
        [&] { return hard25_loaded.decrypt_domain("service", hard25_loaded.unlock(hard_owner, hard_pass)); },
        secrets);
    pprotect::policy::cache_custodian_key(hard25_loaded.unlock(hard_owner, hard_pass), hard25_path,
                                          std::chrono::seconds(300));
    const auto cached_before = pprotect::store::crypto::argon2_derivation_count();
    std::size_t cached_secrets = 0;
    const auto with_cached_key = decrypt_runs(
        k_runs,
        [&] {
          const auto who = pprotect::policy::cached_custodian(hard25_loaded, hard_owner, hard25_path, {});
          return who ? hard25_loaded.decrypt_domain("service", *who) : pprotect::store::SecretValues{};
        },
        cached_secrets);
    // Every run found the key, and none derived.
    cached_ok =
        cached_secrets == secrets && pprotect::store::crypto::argon2_derivation_count() == cached_before;
    (void)pprotect::policy::forget_cached_keys();
    const Figure passphrase_median = median_of(with_passphrase);
    const Figure cached_median = median_of(with_cached_key);
    std::printf("4. unlock once: hard custodian, unlock + decrypt a domain of %zu secrets:\n", secrets);
    print_figure("with the passphrase (Argon2id):", passphrase_median, "", k_hard_runs);
    print_figure("with the cached key (keyring):", cached_median, cached_ok ? "" : " (FAILED: not used)");
    std::printf("   %-34s %.0fx faster (wall), %.0fx (CPU) (target >= 50x)\n",
                "cached key:", passphrase_median.wall_ms / cached_median.wall_ms,
                passphrase_median.cpu_ms / cached_median.cpu_ms);
  }

  // 5. The same, as a user runs it: whole `pprotect decrypt-domain`
  // processes, in a new session keyring of the benchmark's own (the key
  // `pprotect unlock` caches is the benchmark's alone, and goes with it).
  bool processes_ok = true;
  const fs::path pprotect = fs::read_symlink("/proc/self/exe").parent_path() / "pprotect";
  if (pprotect::sys::join_new_session_keyring() != 0) {
    std::printf("5. unlock once, whole processes: skipped, the kernel refuses keyrings here\n");
  } else if (!fs::exists(pprotect)) {
    std::printf("5. unlock once, whole processes: skipped, no %s (make pprotect)\n", pprotect.c_str());
  } else {
    const fs::path passphrase_file = dir / "passphrase";
    std::ofstream(passphrase_file) << hard_pass << "\n";
    const std::vector<std::string> decrypt = {pprotect.string(), "decrypt-domain",     "service",
                                              "--file",          hard25_path.string(), "-u",
                                              hard_owner,        "--non-interactive"};
    std::vector<std::string> with_passphrase_argv = decrypt;
    with_passphrase_argv.insert(with_passphrase_argv.end(), {"--passphrase-file", passphrase_file.string()});
    std::vector<std::string> with_keyring_argv = decrypt;
    with_keyring_argv.emplace_back("--use-keyring");
    // No passphrase anywhere for the keyring runs: a miss fails them.
    const std::vector<std::string> envp = {"PATH=/usr/bin:/bin"};
    const Figure unlocked =
        time_process({pprotect.string(), "unlock", "--file", hard25_path.string(), "-u", hard_owner,
                      "--passphrase-file", passphrase_file.string(), "--ttl", "10m"},
                     envp);
    if (unlocked.wall_ms < 0) {
      std::printf("5. unlock once, whole processes: FAILED, pprotect unlock did not succeed\n");
      processes_ok = false;
    } else {
      constexpr int k_process_passphrase_runs = 5;
      constexpr int k_keyring_per_passphrase = 4;
      std::vector<Figure> passphrase_runs;
      std::vector<Figure> keyring_runs;
      (void)time_process(with_keyring_argv, envp); // page cache warm
      for (int round = 0; round < k_process_passphrase_runs && processes_ok; ++round) {
        passphrase_runs.push_back(time_process(with_passphrase_argv, envp));
        for (int i = 0; i < k_keyring_per_passphrase; ++i) {
          keyring_runs.push_back(time_process(with_keyring_argv, envp));
        }
        for (const auto* batch : {&passphrase_runs, &keyring_runs}) {
          processes_ok = processes_ok && std::none_of(batch->begin(), batch->end(),
                                                      [](const Figure& run) { return run.wall_ms < 0; });
        }
      }
      (void)time_process({pprotect.string(), "lock"}, envp);
      if (!processes_ok) {
        std::printf("5. unlock once, whole processes: FAILED, a decrypt-domain did not exit 0\n");
      } else {
        const Figure passphrase_median = median_of(passphrase_runs);
        const Figure keyring_median = median_of(keyring_runs);
        std::printf("5. unlock once, whole processes: `pprotect decrypt-domain` of a hard custodian's "
                    "25-secret domain (unlock itself: %.0f ms):\n",
                    unlocked.wall_ms);
        print_figure("with the passphrase (Argon2id):", passphrase_median, "", k_process_passphrase_runs);
        print_figure("after unlock, --use-keyring:", keyring_median, "",
                     k_process_passphrase_runs * k_keyring_per_passphrase);
        std::printf("   %-34s %.0fx faster (wall), %.0fx (CPU) (target >= 50x)\n",
                    "--use-keyring:", passphrase_median.wall_ms / keyring_median.wall_ms,
                    passphrase_median.cpu_ms / keyring_median.cpu_ms);
      }
    }
  }

  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return derivations == 1 && cached_ok && processes_ok ? 0 : 1;
}
