// A child for signal-delivery tests: counts every signal it receives (by
// number, and for real-time signals the sigqueue values in the order they
// came), then, on SIGTERM, writes the tally to the file named by argv[1] and
// exits 42. Every signal is blocked and read from a signalfd, so none is
// lost to a handler's race; standard signals still coalesce as the kernel
// makes them.
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <map>
#include <string>
#include <sys/signalfd.h>
#include <unistd.h>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: signal_counter TALLY_FILE\n");
    return 2;
  }
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  const int fd = signalfd(-1, &all, SFD_CLOEXEC);
  if (fd < 0) {
    std::perror("signalfd");
    return 2;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  std::map<int, long> counts;
  std::map<int, std::vector<int>> values;
  for (;;) {
    signalfd_siginfo info{};
    if (read(fd, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) {
      continue;
    }
    const int number = static_cast<int>(info.ssi_signo);
    if (number == SIGTERM) {
      break;
    }
    ++counts[number];
    if (number >= SIGRTMIN && info.ssi_code == SI_QUEUE) {
      values[number].push_back(info.ssi_int);
    }
  }
  FILE* out = std::fopen(argv[1], "w");
  if (out == nullptr) {
    return 2;
  }
  for (const auto& [number, count] : counts) {
    std::fprintf(out, "%d %ld", number, count);
    for (const int value : values[number]) {
      std::fprintf(out, " %d", value);
    }
    std::fprintf(out, "\n");
  }
  std::fclose(out);
  return 42;
}
