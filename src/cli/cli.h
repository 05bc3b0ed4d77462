#pragma once
// `aiir <noun> <verb>`: the command line. `aiir serve` runs the server; every other command is a
// client of its REST API.

namespace aiir::cli {

// Exit statuses: 0 success, 1 the operation failed (the message says why), 2 usage error.
int run(int argc, char** argv);

}  // namespace aiir::cli
