// A trace written by hand with the OpenTelemetry JS SDK in the current GenAI semantic conventions,
// exported by the stock OTLP/HTTP exporters (JSON, protobuf, protobuf+gzip), comes back from aiir
// normalized: structure, kinds, models, usage, messages, tool call, workflow attribution, custom
// attributes kept, and personal data redacted under the workflow's content policy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace as otelTrace } from '@opentelemetry/api';
import { withAiir, findOneSpan, dump } from './lib/aiir.mjs';
import { flushAndCheck, traceExporter, tracerProvider } from './lib/otel.mjs';

const CUSTOMER_EMAIL = 'jane.doe@example.org';
const USER_TEXT = `Order A-1001 arrived broken, please refund it. Reach me at ${CUSTOMER_EMAIL}.`;
const USER_TEXT_REDACTED = 'Order A-1001 arrived broken, please refund it. Reach me at <EMAIL>.';
const ASSISTANT_TEXT = 'Sorry to hear that. I am refunding order A-1001 now.';
const TOOL_ARGUMENTS = '{"order_id":"A-1001","amount":25}';
const TOOL_RESULT = '{"refund_id":"R-5501","status":"issued"}';

// Builds agent → (chat, execute_tool) and ends every span; returns the ids to look for.
function writeRefundTrace(provider) {
  const tracer = provider.getTracer('aiir-e2e-handmade', '1.0.0');

  const agent = tracer.startSpan('invoke_agent refunds-agent', {
    kind: SpanKind.INTERNAL,
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'openai',
      'gen_ai.agent.name': 'refunds-agent',
      'gen_ai.conversation.id': 'conv-e2e-77',
      'user.id': 'customer-4711',
    },
  });
  const inAgent = otelTrace.setSpan(ROOT_CONTEXT, agent);

  const chat = tracer.startSpan('chat gpt-4o', {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.temperature': 0.3,
      'gen_ai.request.max_tokens': 512,
      'gen_ai.conversation.id': 'conv-e2e-77',
      'user.id': 'customer-4711',
      'aiir.account.id': 'acct-9',
      'aiir.record.id': 'A-1001',
      'aiir.prompt.version': 'v7',
      'shop.region': 'eu',
      'gen_ai.input.messages': JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: USER_TEXT }] },
      ]),
    },
  }, inAgent);
  chat.setAttributes({
    'gen_ai.response.model': 'gpt-4o-2024-08-06',
    'gen_ai.response.id': 'chatcmpl-handmade-1',
    'gen_ai.response.finish_reasons': ['tool_calls'],
    'gen_ai.usage.input_tokens': 120,
    'gen_ai.usage.output_tokens': 35,
    'gen_ai.output.messages': JSON.stringify([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: ASSISTANT_TEXT },
          { type: 'tool_call', id: 'call_handmade_1', name: 'issue_refund', arguments: JSON.parse(TOOL_ARGUMENTS) },
        ],
        finish_reason: 'tool_calls',
      },
    ]),
  });
  chat.end();

  const tool = tracer.startSpan('execute_tool issue_refund', {
    kind: SpanKind.INTERNAL,
    attributes: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'issue_refund',
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.call.id': 'call_handmade_1',
      'gen_ai.tool.call.arguments': TOOL_ARGUMENTS,
      'shop.region': 'eu',
    },
  }, inAgent);
  tool.setAttribute('gen_ai.tool.call.result', TOOL_RESULT);
  tool.setStatus({ code: SpanStatusCode.OK });
  tool.end();

  agent.end();
  return {
    traceId: agent.spanContext().traceId,
    agentId: agent.spanContext().spanId,
    chatId: chat.spanContext().spanId,
    toolId: tool.spanContext().spanId,
  };
}

// A JSON string attribute may come back as the string or parsed: compare as objects.
function asObject(value) {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function checkRefundTrace(trace, ids) {
  const ctx = `\ntrace as read back:\n${dump(trace)}`;
  assert.equal(trace.trace_id, ids.traceId, `trace_id${ctx}`);
  assert.equal(trace.span_count, 3, `span_count${ctx}`);
  assert.equal(trace.spans.length, 3, `spans${ctx}`);

  const agent = findOneSpan(trace, (s) => s.span_id === ids.agentId, 'invoke_agent');
  const chat = findOneSpan(trace, (s) => s.span_id === ids.chatId, 'chat');
  const tool = findOneSpan(trace, (s) => s.span_id === ids.toolId, 'execute_tool');

  // Structure: the agent is the root, chat and tool its children.
  assert.ok(!agent.parent_span_id, `agent span should have no parent${ctx}`);
  assert.equal(chat.parent_span_id, ids.agentId, `chat parent${ctx}`);
  assert.equal(tool.parent_span_id, ids.agentId, `tool parent${ctx}`);

  // Attribution: resource service.name support-refunds-agent → workflow support-refunds.
  for (const s of trace.spans) {
    assert.equal(s.workflow, 'support-refunds', `workflow of ${s.name}${ctx}`);
    assert.equal(s.registered, true, `registered of ${s.name}${ctx}`);
    assert.equal(s.service_name, 'support-refunds-agent', `service_name of ${s.name}${ctx}`);
    assert.equal(s.trace_id, ids.traceId, `trace_id of ${s.name}${ctx}`);
  }

  assert.equal(agent.kind, 'agent', `agent kind${ctx}`);
  assert.equal(agent.name, 'invoke_agent refunds-agent', `agent name${ctx}`);

  // The model call.
  assert.equal(chat.kind, 'llm', `chat kind${ctx}`);
  assert.equal(chat.name, 'chat gpt-4o', `chat name${ctx}`);
  assert.equal(chat.provider, 'openai', `provider${ctx}`);
  assert.equal(chat.operation, 'chat', `operation${ctx}`);
  assert.equal(chat.request_model, 'gpt-4o', `request_model${ctx}`);
  assert.equal(chat.response_model, 'gpt-4o-2024-08-06', `response_model${ctx}`);
  assert.equal(chat.temperature, 0.3, `temperature${ctx}`);
  assert.equal(chat.max_tokens, 512, `max_tokens${ctx}`);
  assert.deepEqual(chat.usage, { input_tokens: 120, output_tokens: 35 }, `usage${ctx}`);
  assert.ok(chat.finish_reasons?.includes('tool_calls'), `finish_reasons${ctx}`);
  assert.equal(chat.user_id, 'customer-4711', `user_id${ctx}`);
  assert.equal(chat.session_id, 'conv-e2e-77', `session_id (gen_ai.conversation.id)${ctx}`);
  assert.equal(chat.account_id, 'acct-9', `account_id${ctx}`);
  assert.equal(chat.record_id, 'A-1001', `record_id${ctx}`);
  assert.equal(chat.prompt_version, 'v7', `prompt_version${ctx}`);
  assert.equal(chat.content_policy, 'redact', `content_policy${ctx}`);

  // Messages: the user's text arrives with the e-mail address replaced, the rest untouched.
  assert.equal(chat.input_messages?.length, 1, `input_messages${ctx}`);
  assert.equal(chat.input_messages[0].role, 'user', `input role${ctx}`);
  assert.equal(chat.input_messages[0].content, USER_TEXT_REDACTED, `input content (redacted)${ctx}`);
  assert.equal(chat.output_messages?.length, 1, `output_messages${ctx}`);
  const answer = chat.output_messages[0];
  assert.equal(answer.role, 'assistant', `output role${ctx}`);
  assert.equal(answer.content, ASSISTANT_TEXT, `output content${ctx}`);
  assert.equal(answer.tool_calls?.length, 1, `output tool_calls${ctx}`);
  assert.equal(answer.tool_calls[0].name, 'issue_refund', `output tool call name${ctx}`);
  assert.deepEqual(asObject(answer.tool_calls[0].arguments), JSON.parse(TOOL_ARGUMENTS), `output tool call arguments${ctx}`);

  // Unclaimed attributes are kept as sent.
  assert.equal(chat.attributes?.['shop.region'], 'eu', `attributes['shop.region'] on chat${ctx}`);
  assert.equal(tool.attributes?.['shop.region'], 'eu', `attributes['shop.region'] on tool${ctx}`);

  // The tool step.
  assert.equal(tool.kind, 'tool', `tool kind${ctx}`);
  assert.equal(tool.status, 'ok', `tool status${ctx}`);
  assert.equal(tool.tool?.name, 'issue_refund', `tool.name${ctx}`);
  assert.equal(tool.tool?.call_id, 'call_handmade_1', `tool.call_id${ctx}`);
  assert.deepEqual(asObject(tool.tool?.arguments), JSON.parse(TOOL_ARGUMENTS), `tool.arguments${ctx}`);
  assert.deepEqual(asObject(tool.tool?.result), JSON.parse(TOOL_RESULT), `tool.result${ctx}`);

  // Redaction: the address is nowhere in what aiir hands back.
  const whole = JSON.stringify(trace);
  assert.ok(!whole.includes(CUSTOMER_EMAIL), `the e-mail address leaked into the trace${ctx}`);
  assert.ok(whole.includes('<EMAIL>'), `no <EMAIL> placeholder in the trace${ctx}`);
}

async function exportAndCheck(server, { protocol, compression }) {
  const key = await server.createKey('ingest');
  const exporter = traceExporter({ baseUrl: server.baseUrl, key, protocol, compression });
  const provider = tracerProvider({ serviceName: 'support-refunds-agent', exporter });
  let ids;
  try {
    ids = writeRefundTrace(provider);
    await flushAndCheck(provider, exporter);
  } finally {
    await provider.shutdown();
  }
  const trace = await server.waitForTrace(ids.traceId, { spans: 3 });
  checkRefundTrace(trace, ids);
}

test('OTLP/HTTP JSON exporter: hand-made GenAI trace is read back normalized', async () => {
  await withAiir((server) => exportAndCheck(server, { protocol: 'json', compression: 'none' }));
});

test('OTLP/HTTP protobuf exporter: hand-made GenAI trace is read back normalized', async () => {
  await withAiir((server) => exportAndCheck(server, { protocol: 'proto', compression: 'none' }));
});

test('OTLP/HTTP protobuf exporter with gzip: hand-made GenAI trace is read back normalized', async () => {
  await withAiir((server) => exportAndCheck(server, { protocol: 'proto', compression: 'gzip' }));
});

test('a service no workflow claims is stored as unregistered', async () => {
  await withAiir(async (server) => {
    const key = await server.createKey('ingest');
    const exporter = traceExporter({ baseUrl: server.baseUrl, key, protocol: 'json' });
    const provider = tracerProvider({ serviceName: 'e2e-unknown-service', exporter });
    let traceId;
    try {
      const span = provider.getTracer('aiir-e2e-handmade').startSpan('chat gpt-4o', {
        kind: SpanKind.CLIENT,
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' },
      });
      traceId = span.spanContext().traceId;
      span.end();
      await flushAndCheck(provider, exporter);
    } finally {
      await provider.shutdown();
    }
    const trace = await server.waitForTrace(traceId, { spans: 1 });
    const [span] = trace.spans;
    assert.equal(span.registered, false, `registered\n${dump(trace)}`);
    assert.equal(span.service_name, 'e2e-unknown-service', `service_name\n${dump(trace)}`);
    assert.equal(span.kind, 'llm', `kind\n${dump(trace)}`);
  });
});

test('aiir.workflow on a span attributes it to that workflow', async () => {
  await withAiir(async (server) => {
    const key = await server.createKey('ingest');
    const exporter = traceExporter({ baseUrl: server.baseUrl, key, protocol: 'proto' });
    const provider = tracerProvider({ serviceName: 'e2e-shared-gateway', exporter });
    let traceId;
    try {
      const span = provider.getTracer('aiir-e2e-handmade').startSpan('execute_tool issue_refund', {
        attributes: {
          'aiir.workflow': 'support-refunds',
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'issue_refund',
        },
      });
      traceId = span.spanContext().traceId;
      span.end();
      await flushAndCheck(provider, exporter);
    } finally {
      await provider.shutdown();
    }
    const trace = await server.waitForTrace(traceId, { spans: 1 });
    const [span] = trace.spans;
    assert.equal(span.workflow, 'support-refunds', `workflow\n${dump(trace)}`);
    assert.equal(span.registered, true, `registered\n${dump(trace)}`);
    assert.equal(span.kind, 'tool', `kind\n${dump(trace)}`);
  });
});
