// Test harness for the end-to-end interoperability tests: starts one aiir server per test in a
// fresh temp dir (loopback only), creates keys over HTTP, reads traces back, and stops the server
// with SIGTERM, checking that it exits cleanly.

import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const here = path.dirname(fileURLToPath(import.meta.url));
export const EXAMPLE_WORKFLOWS = path.resolve(here, '../../../examples/workflows');

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;

const CONFIG_YAML = `version: 1
server: {listen_address: 127.0.0.1, port: 0, port_file: ../port}
store: {path: ../data/aiir.db}
auth: {admin_key_file: ../data/admin.key}
`;

export function aiirBinary() {
  const bin = process.env.AIIR_BINARY;
  if (!bin) {
    throw new Error(
      'AIIR_BINARY is not set: point it at the built server, e.g. ' +
        'AIIR_BINARY=../../build/dev/src/aiir node --test');
  }
  return path.resolve(bin);
}

// Servers still running when the process goes away (a test threw before stop()) are killed, so a
// failing run never leaves one behind.
const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export class AiirServer {
  constructor({ dir, child, port, adminKey, output }) {
    this.dir = dir;
    this.child = child;
    this.port = port;
    this.adminKey = adminKey;
    this.output = output; // { text } collected stdout+stderr, shown on failures
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve({ code: child.exitCode, signal: child.signalCode });
      } else {
        child.once('exit', (code, signal) => resolve({ code, signal }));
      }
    });
  }

  url(p) {
    return this.baseUrl + p;
  }

  // fetch with the given key (default: the admin key); returns the Response.
  async request(method, p, { key = this.adminKey, headers = {}, body } = {}) {
    const h = { ...headers };
    if (key) h.Authorization = `Bearer ${key}`;
    return fetch(this.url(p), { method, headers: h, body });
  }

  async createKey(role, name = 'e2e') {
    const res = await this.request('POST', '/v1/keys', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ role, name }),
    });
    const text = await res.text();
    if (res.status !== 201) {
      throw new Error(`POST /v1/keys (role ${role}) answered ${res.status}: ${text}`);
    }
    const secret = JSON.parse(text).secret;
    if (typeof secret !== 'string' || secret === '') {
      throw new Error(`POST /v1/keys answered 201 without a secret: ${text}`);
    }
    return secret;
  }

  // GET /v1/traces/{id}: the parsed JSON, or null while the trace is unknown (404).
  async getTrace(traceId) {
    const res = await this.request('GET', `/v1/traces/${traceId}`);
    const text = await res.text();
    if (res.status === 404) return null;
    if (res.status !== 200) {
      throw new Error(`GET /v1/traces/${traceId} answered ${res.status}: ${text}`);
    }
    return JSON.parse(text);
  }

  // Polls the trace until `ready(trace)` holds (default: at least `spans` spans), and returns it.
  // Ingest answers 200 only after commit, but exporters batch and log records arrive on their
  // own, so a short poll keeps the tests from depending on delivery order.
  async waitForTrace(traceId, { spans = 1, ready, timeoutMs = 10_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    const isReady = ready ?? ((t) => t.spans.length >= spans);
    let last = null;
    for (;;) {
      last = await this.getTrace(traceId);
      if (last && Array.isArray(last.spans) && isReady(last)) return last;
      if (Date.now() > deadline) {
        throw new Error(
          `trace ${traceId} not complete after ${timeoutMs} ms (wanted ${spans} span(s)); ` +
            `last answer: ${last === null ? '404' : JSON.stringify(last, null, 2)}`);
      }
      await sleep(100);
    }
  }

  // SIGTERM, then wait for a clean exit; SIGKILL if it hangs. Returns { code, signal }.
  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
    }
    // The timer is cancelled once the server exits, so it does not hold the test process open.
    const cancel = new AbortController();
    const timer = sleep(STOP_TIMEOUT_MS, 'timeout', { signal: cancel.signal }).catch(() => 'cancelled');
    const result = await Promise.race([this.exited, timer]);
    cancel.abort();
    if (result === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
      running.delete(this.child);
      throw new Error(`aiir did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM\n${this.output.text}`);
    }
    running.delete(this.child);
    return result;
  }

  async cleanup() {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

export async function startAiir({ workflowsDir = EXAMPLE_WORKFLOWS } = {}) {
  const bin = aiirBinary();
  try {
    await fs.access(bin, fs.constants.X_OK);
  } catch {
    throw new Error(`AIIR_BINARY=${bin} is not an executable file`);
  }

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aiir-e2e-'));
  const configDir = path.join(dir, 'config');
  await fs.mkdir(path.join(configDir, 'workflows'), { recursive: true });
  await fs.mkdir(path.join(dir, 'data'), { recursive: true });
  await fs.writeFile(path.join(configDir, 'aiir.yaml'), CONFIG_YAML);
  for (const name of await fs.readdir(workflowsDir)) {
    if (name.endsWith('.yaml') || name.endsWith('.yml')) {
      await fs.copyFile(path.join(workflowsDir, name), path.join(configDir, 'workflows', name));
    }
  }

  const child = spawn(bin, ['serve', '--config', configDir], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const output = { text: '' };
  const collect = (chunk) => {
    // Keep the tail only: enough to explain a failure without flooding the report.
    output.text = (output.text + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let spawnError = null;
  child.once('error', (e) => { spawnError = e; });

  const fail = async (why) => {
    child.kill('SIGKILL');
    running.delete(child);
    await fs.rm(dir, { recursive: true, force: true });
    throw new Error(`${why}\n--- aiir output ---\n${output.text}`);
  };

  const portFile = path.join(dir, 'port');
  const deadline = Date.now() + START_TIMEOUT_MS;
  let port = 0;
  while (!port) {
    if (spawnError) return fail(`could not start ${bin}: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      return fail(`aiir exited during start-up (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const text = (await fs.readFile(portFile, 'utf8')).trim();
      // The file may be seen half-written: only a complete line counts.
      if (/^\d+$/.test(text)) port = Number(text);
    } catch { /* not written yet */ }
    if (!port) {
      if (Date.now() > deadline) return fail(`no port in ${portFile} after ${START_TIMEOUT_MS} ms`);
      await sleep(50);
    }
  }

  let adminKey;
  try {
    adminKey = (await fs.readFile(path.join(dir, 'data', 'admin.key'), 'utf8')).trim();
  } catch (e) {
    return fail(`cannot read the admin key: ${e.message}`);
  }
  if (!adminKey) return fail('the admin key file is empty');

  return new AiirServer({ dir, child, port, adminKey, output });
}

// Runs `body(server)` against a fresh server and always stops it and removes its dir; asserts the
// server exited with status 0 on SIGTERM (unless the body already failed, whose error wins).
export async function withAiir(body, options) {
  const server = await startAiir(options);
  let failure = null;
  try {
    await body(server);
  } catch (e) {
    failure = e;
  }
  let exit;
  try {
    exit = await server.stop();
  } catch (e) {
    failure ??= e;
  }
  await server.cleanup();
  if (failure) {
    if (!(failure instanceof Error)) {
      failure = new Error(Array.isArray(failure) ? failure.map(String).join('; ') : String(failure));
    }
    if (!failure.aiirOutputAttached) {
      const how = exit ? `code ${exit.code}, signal ${exit.signal}` : 'did not stop';
      failure.message += `\n--- aiir (exit: ${how}) output, tail ---\n${server.output.text.slice(-4000)}`;
      failure.aiirOutputAttached = true;
    }
    throw failure;
  }
  if (exit.code !== 0) {
    throw new Error(
      `aiir exited with code ${exit.code} signal ${exit.signal} after SIGTERM, expected 0\n` +
        server.output.text);
  }
}

// ---- helpers for assertions on the normalized trace ----

export function findOneSpan(trace, predicate, what) {
  const found = trace.spans.filter(predicate);
  if (found.length !== 1) {
    throw new Error(
      `expected exactly one ${what} span, found ${found.length} in:\n${JSON.stringify(trace, null, 2)}`);
  }
  return found[0];
}

export function dump(value) {
  return JSON.stringify(value, null, 2);
}
