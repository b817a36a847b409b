#include "launcher/admin/pprotect_main.hpp"

#include "sys/standard_streams.hpp"

int main(int argc, char** argv) {
  // Before anything opens a descriptor: a closed stdout must not become
  // the temp file a write makes, nor exec's child's pipe
  // (sys/standard_streams.hpp).
  pprotect::sys::hold_closed_standard_streams();
  return pprotect::admin::pprotect_main(argc, argv);
}
