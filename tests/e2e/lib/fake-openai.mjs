// A stand-in for the OpenAI API on 127.0.0.1: answers POST /v1/chat/completions with one fixed,
// realistic chat.completion whose only choice calls the issue_refund tool. It records the request
// bodies so a test can check what the client sent.

import http from 'node:http';

export const FAKE_RESPONSE_MODEL = 'gpt-4o-mini-2024-07-18';
export const FAKE_TOOL_ARGUMENTS = '{"order_id":"A-1001","amount":25}';
export const FAKE_USAGE = { prompt_tokens: 42, completion_tokens: 17 };

function chatCompletion() {
  return {
    id: 'chatcmpl-e2eTest0001',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: FAKE_RESPONSE_MODEL,
    system_fingerprint: 'fp_e2e0000001',
    service_tier: 'default',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          annotations: [],
          tool_calls: [
            {
              id: 'call_e2eRefund01',
              type: 'function',
              function: { name: 'issue_refund', arguments: FAKE_TOOL_ARGUMENTS },
            },
          ],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: {
      prompt_tokens: FAKE_USAGE.prompt_tokens,
      completion_tokens: FAKE_USAGE.completion_tokens,
      total_tokens: FAKE_USAGE.prompt_tokens + FAKE_USAGE.completion_tokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0,
      },
    },
  };
}

export async function startFakeOpenAI() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'POST' && req.url === '/v1/chat/completions') {
        requests.push(JSON.parse(body));
        const payload = JSON.stringify(chatCompletion());
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
          'x-request-id': `req_e2e${requests.length}`,
        });
        res.end(payload);
        return;
      }
      const payload = JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } });
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(payload);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

// The conversation every OpenAI test sends: a system prompt, a user message carrying an e-mail
// address (to check redaction), and a tool the model may call.
export const CUSTOMER_EMAIL = 'jane.doe@example.org';
export const USER_TEXT = `Order A-1001 arrived broken, please refund it. Reach me at ${CUSTOMER_EMAIL}.`;
export const SYSTEM_TEXT = 'You are the refunds assistant. Issue refunds only for eligible orders.';
export const CHAT_REQUEST = {
  model: 'gpt-4o-mini',
  temperature: 0.2,
  max_tokens: 256,
  messages: [
    { role: 'system', content: SYSTEM_TEXT },
    { role: 'user', content: USER_TEXT },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'issue_refund',
        description: 'Refund an order to the original payment method.',
        parameters: {
          type: 'object',
          properties: { order_id: { type: 'string' }, amount: { type: 'number' } },
          required: ['order_id', 'amount'],
        },
      },
    },
  ],
};
