// Starts the Unleash server (npm unleash-server, pinned in package.json) for scripts/bench-peers:
// on loopback, against the PostgreSQL database the script started. Everything comes from the
// environment the script sets: UNLEASH_PORT, DATABASE_URL, and the INIT_*_API_TOKENS variables
// Unleash reads itself to create its API tokens at first start.
'use strict';

const unleash = require('unleash-server');

const port = Number(process.env.UNLEASH_PORT);
if (!port) {
  console.error('start-unleash: set UNLEASH_PORT (and DATABASE_URL); scripts/bench-peers does');
  process.exit(2);
}

unleash
  .start({
    databaseUrl: process.env.DATABASE_URL,
    db: { ssl: false },
    server: { host: '127.0.0.1', port },
    // Warnings only: a request log would cost the peer time the benchmark is measuring.
    logLevel: 'warn',
    // No telemetry or version checks leave the machine during a benchmark.
    versionCheck: { enable: false },
    telemetry: false,
  })
  .catch((err) => {
    console.error('start-unleash: Unleash did not start:', err);
    process.exit(1);
  });
