// The official `openai` client instrumented by @opentelemetry/instrumentation-openai, talking to a
// fake OpenAI server: its span (GenAI metadata) goes to aiir's /v1/traces and its content events
// (gen_ai.*.message / gen_ai.choice log records) to /v1/logs. aiir must join the two into one
// normalized llm span with its messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withAiir, dump } from './lib/aiir.mjs';
import {
  flushAndCheck, logExporter, loggerProvider, traceExporter, tracerProvider,
} from './lib/otel.mjs';
import {
  startFakeOpenAI, CHAT_REQUEST, CUSTOMER_EMAIL, FAKE_RESPONSE_MODEL, FAKE_TOOL_ARGUMENTS, FAKE_USAGE,
  SYSTEM_TEXT, USER_TEXT,
} from './lib/fake-openai.mjs';
import { openAIWithOtelInstrumentation } from './lib/instrumented-openai.mjs';

const USER_TEXT_REDACTED = USER_TEXT.replace(CUSTOMER_EMAIL, '<EMAIL>');

// The span arrives after its log records (they are emitted during the call, the span at its end);
// wait until both halves are joined.
function joined(trace) {
  const llm = trace.spans.find((s) => s.kind === 'llm');
  return llm && (llm.input_messages?.length ?? 0) >= 2 && (llm.output_messages?.length ?? 0) >= 1;
}

test('instrumentation-openai: chat completion with a tool call, spans + content log records', async () => {
  const fake = await startFakeOpenAI();
  try {
    await withAiir(async (server) => {
      const key = await server.createKey('ingest');
      const spans = traceExporter({ baseUrl: server.baseUrl, key, protocol: 'proto' });
      const logs = logExporter({ baseUrl: server.baseUrl, key });
      const tp = tracerProvider({ serviceName: 'support-refunds-agent', exporter: spans });
      const lp = loggerProvider({ serviceName: 'support-refunds-agent', exporter: logs });

      let traceId = null;
      const { OpenAI } = await openAIWithOtelInstrumentation({ tracerProvider: tp, loggerProvider: lp });
      const client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'test', maxRetries: 0 });

      // Run the call under a parent span of our own so the trace id is known up front.
      const tracer = tp.getTracer('aiir-e2e-app');
      let completion;
      await tracer.startActiveSpan('handle refund request', async (parent) => {
        traceId = parent.spanContext().traceId;
        try {
          completion = await client.chat.completions.create(CHAT_REQUEST);
        } finally {
          parent.end();
        }
      });

      try {
        await flushAndCheck(tp, spans);
        await flushAndCheck(lp, logs);
      } finally {
        await tp.shutdown();
        await lp.shutdown();
      }

      // The client really went through the fake server and parsed its answer.
      assert.equal(fake.requests.length, 1, 'requests seen by the fake OpenAI server');
      assert.equal(completion.choices[0].message.tool_calls[0].function.name, 'issue_refund');

      const trace = await server.waitForTrace(traceId, { spans: 2, ready: (t) => t.spans.length >= 2 && joined(t) });
      const ctx = `\ntrace as read back:\n${dump(trace)}`;
      assert.equal(trace.span_count, 2, `span_count${ctx}`);

      const llmSpans = trace.spans.filter((s) => s.kind === 'llm');
      assert.equal(llmSpans.length, 1, `exactly one llm span${ctx}`);
      const llm = llmSpans[0];
      const parent = trace.spans.find((s) => s !== llm);
      assert.equal(llm.parent_span_id, parent.span_id, `llm span is a child of the app span${ctx}`);

      assert.equal(llm.workflow, 'support-refunds', `workflow${ctx}`);
      assert.equal(llm.registered, true, `registered${ctx}`);
      assert.equal(llm.provider, 'openai', `provider (gen_ai.system)${ctx}`);
      assert.equal(llm.operation, 'chat', `operation${ctx}`);
      assert.equal(llm.request_model, 'gpt-4o-mini', `request_model${ctx}`);
      assert.equal(llm.response_model, FAKE_RESPONSE_MODEL, `response_model${ctx}`);
      assert.equal(llm.temperature, 0.2, `temperature${ctx}`);
      assert.equal(llm.max_tokens, 256, `max_tokens${ctx}`);
      assert.deepEqual(
        llm.usage,
        { input_tokens: FAKE_USAGE.prompt_tokens, output_tokens: FAKE_USAGE.completion_tokens },
        `usage${ctx}`);
      assert.ok(llm.finish_reasons?.includes('tool_calls'), `finish_reasons${ctx}`);

      // From the log records: system + user in, the tool call out.
      assert.deepEqual(llm.input_messages.map((m) => m.role), ['system', 'user'], `input roles${ctx}`);
      assert.equal(llm.input_messages[0].content, SYSTEM_TEXT, `system message${ctx}`);
      assert.equal(llm.input_messages[1].content, USER_TEXT_REDACTED, `user message (redacted)${ctx}`);
      const calls = llm.output_messages.flatMap((m) => m.tool_calls ?? []);
      assert.equal(calls.length, 1, `one tool call in output_messages${ctx}`);
      assert.equal(calls[0].name, 'issue_refund', `tool call name${ctx}`);
      const args = typeof calls[0].arguments === 'string' ? JSON.parse(calls[0].arguments) : calls[0].arguments;
      assert.deepEqual(args, JSON.parse(FAKE_TOOL_ARGUMENTS), `tool call arguments${ctx}`);

      const whole = JSON.stringify(trace);
      assert.ok(!whole.includes(CUSTOMER_EMAIL), `the e-mail address leaked into the trace${ctx}`);
    });
  } finally {
    await fake.close();
  }
});
