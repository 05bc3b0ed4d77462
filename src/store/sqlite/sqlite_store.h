#pragma once
// The embedded store: one SQLite file in WAL mode with foreign keys on and a busy timeout.
// Only files under store/sqlite/ include sqlite3.h.

#include <memory>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace aiir::store {

struct SqliteOptions {
  // The database file; its directory is created if missing. ":memory:" for tests that need no file.
  std::string path = "./data/aiir.db";
  // How long a statement waits for a lock held by another connection before failing (ms).
  int busy_timeout_ms = 5000;
  // NORMAL in WAL mode is durable across process crashes (not power loss) and several times
  // faster than FULL; FULL adds an fsync per commit.
  bool synchronous_full = false;
};

// Opens (creating if needed) and migrates the store. Fails with kFailedPrecondition when the file
// was written by a newer aiir, naming both schema versions.
core::Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

}  // namespace aiir::store
