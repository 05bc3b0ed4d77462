// HTTP behaviour of the OTLP endpoints that exporters and collectors rely on, driven with plain
// fetch: gzip and chunked bodies accepted, wrong content types and missing keys refused with
// problem+json.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { withAiir, dump } from './lib/aiir.mjs';

// One chat span in OTLP/JSON (hex ids, 64-bit integers as strings, as the JS exporter sends them).
function otlpJsonTrace() {
  const traceId = crypto.randomBytes(16).toString('hex');
  const spanId = crypto.randomBytes(8).toString('hex');
  const now = BigInt(Date.now()) * 1_000_000n;
  const str = (key, value) => ({ key, value: { stringValue: value } });
  const int = (key, value) => ({ key, value: { intValue: String(value) } });
  const body = {
    resourceSpans: [{
      resource: { attributes: [str('service.name', 'support-refunds-agent')] },
      scopeSpans: [{
        scope: { name: 'aiir-e2e-fetch', version: '1.0.0' },
        spans: [{
          traceId,
          spanId,
          name: 'chat gpt-4o',
          kind: 3,
          startTimeUnixNano: String(now - 250_000_000n),
          endTimeUnixNano: String(now),
          attributes: [
            str('gen_ai.operation.name', 'chat'),
            str('gen_ai.provider.name', 'openai'),
            str('gen_ai.request.model', 'gpt-4o'),
            int('gen_ai.usage.input_tokens', 11),
            int('gen_ai.usage.output_tokens', 7),
          ],
          status: {},
        }],
      }],
    }],
  };
  return { traceId, spanId, json: JSON.stringify(body) };
}

async function expectProblem(res, status, what) {
  const text = await res.text();
  assert.equal(res.status, status, `${what}: status (body: ${text})`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, `${what}: content type (body: ${text})`);
  const problem = JSON.parse(text);
  assert.equal(problem.status, status, `${what}: problem.status`);
  assert.ok(problem.title, `${what}: problem.title`);
}

async function expectOtlpOk(res, what) {
  const text = await res.text();
  assert.equal(res.status, 200, `${what}: status (body: ${text})`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${what}: content type`);
  const answer = JSON.parse(text);
  assert.ok(!answer.partialSuccess?.rejectedSpans || Number(answer.partialSuccess.rejectedSpans) === 0,
    `${what}: nothing rejected (answer: ${text})`);
}

test('gzip-compressed OTLP/JSON body is accepted and stored', async () => {
  await withAiir(async (server) => {
    const key = await server.createKey('ingest');
    const { traceId, spanId, json } = otlpJsonTrace();
    const res = await fetch(server.url('/v1/traces'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: zlib.gzipSync(json),
    });
    await expectOtlpOk(res, 'gzip POST /v1/traces');
    const trace = await server.waitForTrace(traceId, { spans: 1 });
    assert.equal(trace.spans[0].span_id, spanId, dump(trace));
    assert.equal(trace.spans[0].kind, 'llm', dump(trace));
    assert.deepEqual(trace.spans[0].usage, { input_tokens: 11, output_tokens: 7 }, dump(trace));
  });
});

test('chunked OTLP/JSON body (no Content-Length) is accepted and stored', async () => {
  await withAiir(async (server) => {
    const key = await server.createKey('ingest');
    const { traceId, json } = otlpJsonTrace();
    // A stream body makes fetch send Transfer-Encoding: chunked; two chunks split mid-document.
    const bytes = Buffer.from(json);
    const half = Math.floor(bytes.length / 2);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes.subarray(0, half));
        controller.enqueue(bytes.subarray(half));
        controller.close();
      },
    });
    const res = await fetch(server.url('/v1/traces'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    await expectOtlpOk(res, 'chunked POST /v1/traces');
    const trace = await server.waitForTrace(traceId, { spans: 1 });
    assert.equal(trace.spans[0].workflow, 'support-refunds', dump(trace));
  });
});

test('text/plain body is refused with 415 problem+json', async () => {
  await withAiir(async (server) => {
    const key = await server.createKey('ingest');
    const res = await fetch(server.url('/v1/traces'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'text/plain' },
      body: otlpJsonTrace().json,
    });
    await expectProblem(res, 415, 'text/plain POST /v1/traces');
  });
});

test('a body that does not decode is refused with 400 problem+json', async () => {
  await withAiir(async (server) => {
    const key = await server.createKey('ingest');
    const res = await fetch(server.url('/v1/traces'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: '{"resourceSpans": [',
    });
    await expectProblem(res, 400, 'truncated JSON POST /v1/traces');
  });
});

test('requests without a key get 401, with a key of another role 403', async () => {
  await withAiir(async (server) => {
    for (const path of ['/v1/traces', '/v1/logs']) {
      const res = await fetch(server.url(path), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      await expectProblem(res, 401, `POST ${path} without a key`);
    }
    const viewer = await server.createKey('viewer');
    const res = await fetch(server.url('/v1/traces'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${viewer}`, 'Content-Type': 'application/json' },
      body: otlpJsonTrace().json,
    });
    await expectProblem(res, 403, 'POST /v1/traces with a viewer key');
  });
});
