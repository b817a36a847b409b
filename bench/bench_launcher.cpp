// Start-up cost of pprotect-run next to the init-style launchers it is
// compared with: each round runs, interleaved, pprotect-run (raw custodian,
// small file) with /bin/true, `tini -s -- /bin/true`, `dumb-init /bin/true`
// and /bin/true alone, and times each from spawn to reaped exit. Prints the
// median, the ratio of medians to tini's, and the median of the paired
// ratios (each round's time over the same round's tini: the machine's load
// changes between rounds more than between neighbours). Targets (issue #12):
// pprotect-run at most 1.25x tini, --exec at most 1.0x.
//
// Usage: bench_launcher [ROUNDS] [PPROTECT_RUN...]  (default: 300 rounds,
// the pprotect-run next to this program; give several to compare builds,
// e.g. the one of `make static`)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <spawn.h>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

struct Contender {
  std::string name;
  std::vector<std::string> argv;
  std::vector<std::string> extra_env;
  std::vector<double> millis;
  bool available = true;
  bool small_environment = false; // only PATH and extra_env, not ours
};

// Runs argv once; returns wall milliseconds, or a negative value on failure.
double time_once(const Contender& contender) {
  std::vector<std::string> env_storage;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!contender.small_environment || std::string_view(*entry).substr(0, 5) == "PATH=") {
      env_storage.emplace_back(*entry);
    }
  }
  env_storage.insert(env_storage.end(), contender.extra_env.begin(), contender.extra_env.end());
  std::vector<char*> envp;
  for (auto& entry : env_storage) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  std::vector<char*> argv;
  std::vector<std::string> argv_storage = contender.argv;
  for (auto& arg : argv_storage) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data()) != 0) {
    return -1;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return -1;
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

} // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 300;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  std::vector<std::string> runs;
  for (int i = 2; i < argc; ++i) {
    runs.emplace_back(argv[i]);
  }
  if (runs.empty()) {
    runs.push_back((self.parent_path() / "pprotect-run").string());
  }
  const std::string fixture =
      (std::filesystem::path(__FILE__).parent_path().parent_path() / "tests" / "fixtures" / "raw.yaml")
          .string();
  const std::vector<std::string> credentials = {
      "PPROTECT_USER=ci@example.com",
      "PPROTECT_PASSPHRASE=P963b19ddf98f50e0e0096d14e1a4141bac989ea61effbfe75edf84b97af11b50P"};

  std::vector<Contender> contenders;
  for (const auto& run : runs) {
    // Named by build directory (build/bin/pprotect-run) or by file name (a
    // copy kept for comparison) when several are compared.
    const std::filesystem::path path = std::filesystem::absolute(run);
    const std::string name = path.filename() == "pprotect-run"
                                 ? path.parent_path().parent_path().filename().string()
                                 : path.filename().string();
    const std::string tag = runs.size() > 1 ? " (" + name + ")" : "";
    contenders.push_back({"pprotect-run" + tag,
                          {run, "--file", fixture, "--domain", "ci", "--", "/bin/true"},
                          credentials,
                          {}});
    contenders.push_back({"pprotect-run --exec" + tag,
                          {run, "--exec", "--file", fixture, "--domain", "ci", "--", "/bin/true"},
                          credentials,
                          {}});
    // The child environment costs one locked allocation per variable
    // (policy::ChildEnvironment): the same run with a 3-variable environment.
    Contender small{"pprotect-run, 3 variables" + tag,
                    {run, "--file", fixture, "--domain", "ci", "--", "/bin/true"},
                    credentials,
                    {}};
    small.small_environment = true;
    contenders.push_back(std::move(small));
  }
  contenders.push_back({"tini -s -- /bin/true", {"tini", "-s", "--", "/bin/true"}, {}, {}});
  contenders.push_back({"dumb-init /bin/true", {"dumb-init", "/bin/true"}, {}, {}});
  contenders.push_back({"/bin/true", {"/bin/true"}, {}, {}});
  // Warm-up (page cache, and finds out what is installed).
  for (auto& contender : contenders) {
    for (int i = 0; i < 10 && contender.available; ++i) {
      contender.available = time_once(contender) >= 0;
    }
    if (!contender.available) {
      std::fprintf(stderr, "bench_launcher: %s does not run here; skipped\n", contender.name.c_str());
    }
  }
  for (int round = 0; round < rounds; ++round) {
    for (auto& contender : contenders) {
      if (contender.available) {
        const double ms = time_once(contender);
        if (ms < 0) {
          // Paired ratios need every round: a run that fails is an error.
          std::fprintf(stderr, "bench_launcher: %s failed in round %d\n", contender.name.c_str(), round);
          return 1;
        }
        contender.millis.push_back(ms);
      }
    }
  }
  double tini = 0;
  for (const auto& contender : contenders) {
    if (contender.name.rfind("tini", 0) == 0 && contender.available) {
      tini = median(contender.millis);
    }
  }
  const Contender* tini_contender = nullptr;
  for (const auto& contender : contenders) {
    if (contender.name.rfind("tini", 0) == 0 && contender.available) {
      tini_contender = &contender;
    }
  }
  std::printf("%d rounds, interleaved; wall time from spawn to reaped exit\n", rounds);
  std::printf("%-46s %10s %10s %10s %8s %12s\n", "launcher", "median ms", "p10 ms", "p90 ms", "x tini",
              "paired x tini");
  for (const auto& contender : contenders) {
    if (!contender.available || contender.millis.empty()) {
      continue;
    }
    auto sorted = contender.millis;
    std::sort(sorted.begin(), sorted.end());
    const double p10 = sorted[sorted.size() / 10];
    const double p90 = sorted[sorted.size() * 9 / 10];
    const double med = median(contender.millis);
    // Rounds where both ran: each time over its round's tini.
    std::vector<double> ratios;
    if (tini_contender != nullptr && tini_contender->millis.size() == contender.millis.size()) {
      for (std::size_t i = 0; i < contender.millis.size(); ++i) {
        ratios.push_back(contender.millis[i] / tini_contender->millis[i]);
      }
    }
    std::printf("%-46s %10.3f %10.3f %10.3f %8.2f %12.2f\n", contender.name.c_str(), med, p10, p90,
                tini > 0 ? med / tini : 0.0, median(ratios));
  }
  return 0;
}
