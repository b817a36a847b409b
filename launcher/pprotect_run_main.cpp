#include "launcher/run_cli.hpp"

int main(int argc, char** argv) {
  // First thing: no signal may be lost before the child exists.
  const auto signals = pprotect::supervisor::StartupSignals::block_all();
  return pprotect::launcher::run_cli(argc, argv, signals);
}
