// The official `openai` client instrumented by @arizeai/openinference-instrumentation-openai (the
// OpenInference dialect: openinference.span.kind, llm.*, flattened llm.input_messages.N.message.*),
// talking to a fake OpenAI server and exporting to aiir. All content is on the span itself.
//
// Runs in its own process (its own file): only one instrumentation may patch `openai` at a time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withAiir, dump } from './lib/aiir.mjs';
import { flushAndCheck, traceExporter, tracerProvider } from './lib/otel.mjs';
import {
  startFakeOpenAI, CHAT_REQUEST, CUSTOMER_EMAIL, FAKE_RESPONSE_MODEL, FAKE_TOOL_ARGUMENTS, FAKE_USAGE,
  SYSTEM_TEXT, USER_TEXT,
} from './lib/fake-openai.mjs';
import { openAIWithOpenInference } from './lib/instrumented-openai.mjs';

const USER_TEXT_REDACTED = USER_TEXT.replace(CUSTOMER_EMAIL, '<EMAIL>');

for (const protocol of ['json', 'proto']) {
  test(`openinference-instrumentation-openai (${protocol}): chat completion with a tool call`, async () => {
    const fake = await startFakeOpenAI();
    try {
      await withAiir(async (server) => {
        const key = await server.createKey('ingest');
        const spans = traceExporter({ baseUrl: server.baseUrl, key, protocol });
        const tp = tracerProvider({ serviceName: 'support-refunds-agent', exporter: spans });
        const { OpenAI } = await openAIWithOpenInference({ tracerProvider: tp });
        const client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'test', maxRetries: 0 });

        // A parent span of our own makes the trace id known up front.
        let traceId = null;
        let completion;
        await tp.getTracer('aiir-e2e-app').startActiveSpan('handle refund request', async (parent) => {
          traceId = parent.spanContext().traceId;
          try {
            completion = await client.chat.completions.create(CHAT_REQUEST);
          } finally {
            parent.end();
          }
        });
        try {
          await flushAndCheck(tp, spans);
        } finally {
          await tp.shutdown();
        }
        assert.equal(fake.requests.length, 1, 'requests seen by the fake OpenAI server');
        assert.equal(completion.choices[0].message.tool_calls[0].function.name, 'issue_refund');

        const trace = await server.waitForTrace(traceId, { spans: 2 });
        const ctx = `\ntrace as read back:\n${dump(trace)}`;
        assert.equal(trace.span_count, 2, `span_count${ctx}`);
        const llmSpans = trace.spans.filter((s) => s.kind === 'llm');
        assert.equal(llmSpans.length, 1, `exactly one llm span (openinference.span.kind=LLM)${ctx}`);
        const llm = llmSpans[0];
        const parent = trace.spans.find((s) => s !== llm);
        assert.equal(llm.parent_span_id, parent.span_id, `llm span is a child of the app span${ctx}`);

        assert.equal(llm.workflow, 'support-refunds', `workflow${ctx}`);
        assert.equal(llm.registered, true, `registered${ctx}`);
        assert.equal(llm.provider, 'openai', `provider (llm.system)${ctx}`);
        // On the wire llm.model_name holds the response model (the instrumentation overwrites the
        // requested one when the answer comes); the requested model is only in
        // llm.invocation_parameters (JSON) and input.value.
        assert.equal(llm.response_model, FAKE_RESPONSE_MODEL, `response_model (llm.model_name)${ctx}`);
        assert.equal(llm.request_model, 'gpt-4o-mini', `request_model (llm.invocation_parameters.model)${ctx}`);
        assert.deepEqual(
          llm.usage,
          { input_tokens: FAKE_USAGE.prompt_tokens, output_tokens: FAKE_USAGE.completion_tokens },
          `usage (llm.token_count.prompt / .completion)${ctx}`);

        assert.deepEqual(llm.input_messages?.map((m) => m.role), ['system', 'user'], `input roles${ctx}`);
        assert.equal(llm.input_messages[0].content, SYSTEM_TEXT, `system message${ctx}`);
        assert.equal(llm.input_messages[1].content, USER_TEXT_REDACTED, `user message (redacted)${ctx}`);
        const calls = (llm.output_messages ?? []).flatMap((m) => m.tool_calls ?? []);
        assert.equal(calls.length, 1, `one tool call in output_messages${ctx}`);
        assert.equal(calls[0].name, 'issue_refund', `tool call name${ctx}`);
        const args = typeof calls[0].arguments === 'string' ? JSON.parse(calls[0].arguments) : calls[0].arguments;
        assert.deepEqual(args, JSON.parse(FAKE_TOOL_ARGUMENTS), `tool call arguments${ctx}`);

        // input.value / output.value carry the whole request and response as JSON: the address
        // must be redacted there too, wherever aiir keeps them.
        const whole = JSON.stringify(trace);
        assert.ok(!whole.includes(CUSTOMER_EMAIL), `the e-mail address leaked into the trace${ctx}`);
      });
    } finally {
      await fake.close();
    }
  });
}
