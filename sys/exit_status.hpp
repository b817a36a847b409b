#pragma once
// The statuses pprotect and pprotect-run exit with, besides a child's own
// (which pprotect-run passes on, 128+N for a child killed by signal N).

namespace pprotect::sys {

enum ExitStatus : int {
  exit_success = 0,
  exit_failure = 1,          // pprotect: any failure the user can act on
  exit_usage = 2,            // pprotect: a usage error, a missing (or, for init, existing) protected file
  exit_timeout = 124,        // pprotect-run --timeout, as timeout(1)
  exit_launcher_error = 125, // pprotect-run's own failures, as env(1) and docker run
  exit_not_executable = 126,
  exit_not_found = 127,
  exit_interrupted = 130, // Ctrl-C at a prompt: 128 + SIGINT
};

} // namespace pprotect::sys
