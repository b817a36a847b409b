#include "launcher/admin/pprotect_main.hpp"

int main(int argc, char** argv) {
  return pprotect::admin::pprotect_main(argc, argv);
}
