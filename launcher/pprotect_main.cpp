#include "launcher/cli.hpp"

int main(int argc, char** argv) { return pprotect::launcher::pprotect_main(argc, argv); }
