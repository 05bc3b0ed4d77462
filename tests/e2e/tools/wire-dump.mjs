// Shows what an instrumented OpenAI call actually puts on the wire, for whoever maps attributes in
// the server: runs one chat completion against the fake OpenAI server, exports to a tiny OTLP/JSON
// capture server on 127.0.0.1 (not aiir), and prints every span's and log record's attributes.
//
//   node tools/wire-dump.mjs otel           # @opentelemetry/instrumentation-openai
//   node tools/wire-dump.mjs openinference  # @arizeai/openinference-instrumentation-openai
//   node tools/wire-dump.mjs otel --full    # also print the raw OTLP JSON bodies

import http from 'node:http';
import { startFakeOpenAI, CHAT_REQUEST } from '../lib/fake-openai.mjs';
import { traceExporter, logExporter, tracerProvider, loggerProvider } from '../lib/otel.mjs';
import { openAIWithOtelInstrumentation, openAIWithOpenInference } from '../lib/instrumented-openai.mjs';

const which = process.argv[2];
const full = process.argv.includes('--full');
if (which !== 'otel' && which !== 'openinference') {
  console.error('usage: node tools/wire-dump.mjs otel|openinference [--full]');
  process.exit(2);
}

async function startCapture() {
  const bodies = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ path: req.url, contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks)) });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${server.address().port}`, bodies, close: () => server.close() };
}

// OTLP/JSON AnyValue → a short printable form.
function show(v) {
  if (v === undefined || v === null) return 'null';
  if ('stringValue' in v) return JSON.stringify(v.stringValue);
  if ('intValue' in v) return `int ${v.intValue}`;
  if ('doubleValue' in v) return `double ${v.doubleValue}`;
  if ('boolValue' in v) return `bool ${v.boolValue}`;
  if ('arrayValue' in v) return `[${(v.arrayValue.values ?? []).map(show).join(', ')}]`;
  if ('kvlistValue' in v) return `{${(v.kvlistValue.values ?? []).map((kv) => `${kv.key}: ${show(kv.value)}`).join(', ')}}`;
  if ('bytesValue' in v) return `bytes ${v.bytesValue}`;
  return JSON.stringify(v);
}

function printAttributes(attrs, indent) {
  for (const kv of attrs ?? []) console.log(`${indent}${kv.key} = ${show(kv.value)}`);
}

const capture = await startCapture();
const fake = await startFakeOpenAI();
const spans = traceExporter({ baseUrl: capture.baseUrl, key: 'capture', protocol: 'json' });
const logs = logExporter({ baseUrl: capture.baseUrl, key: 'capture' });
const tp = tracerProvider({ serviceName: 'support-refunds-agent', exporter: spans });
const lp = loggerProvider({ serviceName: 'support-refunds-agent', exporter: logs });
const { OpenAI } = which === 'otel'
  ? await openAIWithOtelInstrumentation({ tracerProvider: tp, loggerProvider: lp })
  : await openAIWithOpenInference({ tracerProvider: tp });

const client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'test', maxRetries: 0 });
const first = await client.chat.completions.create(CHAT_REQUEST);
// A second turn replaying the tool call and its result, to show how assistant tool calls and tool
// messages are encoded in the request.
const call = first.choices[0].message.tool_calls[0];
await client.chat.completions.create({
  ...CHAT_REQUEST,
  messages: [
    ...CHAT_REQUEST.messages,
    { role: 'assistant', content: null, tool_calls: [call] },
    { role: 'tool', tool_call_id: call.id, content: '{"refund_id":"R-5501","status":"issued"}' },
  ],
});
await tp.forceFlush();
await lp.forceFlush();
await tp.shutdown();
await lp.shutdown();

for (const { path, contentType, body } of capture.bodies) {
  console.log(`POST ${path} (${contentType})`);
  if (full) console.log(JSON.stringify(body, null, 2));
  for (const rs of body.resourceSpans ?? []) {
    console.log('  resource:');
    printAttributes(rs.resource?.attributes, '    ');
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        console.log(`  span "${s.name}" kind=${s.kind} status=${JSON.stringify(s.status ?? {})} scope=${ss.scope?.name}@${ss.scope?.version}`);
        printAttributes(s.attributes, '    ');
        for (const e of s.events ?? []) {
          console.log(`    event "${e.name}"`);
          printAttributes(e.attributes, '      ');
        }
      }
    }
  }
  for (const rl of body.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        console.log(`  log record eventName=${JSON.stringify(r.eventName)} traceId=${r.traceId ? 'set' : 'none'} spanId=${r.spanId ? 'set' : 'none'} scope=${sl.scope?.name}`);
        printAttributes(r.attributes, '    ');
        console.log(`    body = ${show(r.body)}`);
      }
    }
  }
}
await fake.close();
capture.close();
