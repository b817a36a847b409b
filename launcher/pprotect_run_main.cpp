#include "launcher/run_cli.hpp"
#include "sys/standard_streams.hpp"

int main(int argc, char** argv) {
  // Before anything opens a descriptor: a closed stdout must not become
  // our signalfd or the child's pipe (sys/standard_streams.hpp).
  pprotect::sys::hold_closed_standard_streams();
  // First thing after: no signal may be lost before the child exists.
  const auto signals = pprotect::supervisor::StartupSignals::block_all();
  return pprotect::launcher::run_cli(argc, argv, signals);
}
