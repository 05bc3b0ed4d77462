// aiir: one binary, every command. Wiring only; see src/cli/ and src/app/.
#include "cli/cli.h"

int main(int argc, char** argv) { return aiir::cli::run(argc, argv); }
