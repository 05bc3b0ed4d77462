#pragma once
// `aiir <noun> <verb>`: the command line. `aiir serve` runs the server, and `aiir demo` runs one of
// its own to walk through. `aiir validate` and `aiir audit verify` work offline, on the config
// directory and the store file. Every other command is a client of a running server's REST API.

namespace aiir::cli {

// Exit statuses: 0 success, 1 the operation failed (the message says why), 2 usage error.
int run(int argc, char** argv);

}  // namespace aiir::cli
