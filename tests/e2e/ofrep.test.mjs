// aiir's kill switches read through the real OpenFeature server SDK (@openfeature/server-sdk)
// with the OFREP provider (@openfeature/ofrep-provider), authenticated with an `app` key: a
// pause and a disabled tool set over the REST API are seen on the very next evaluation (the
// server provider evaluates remotely on every call: nothing to poll), and unknown flags and a
// wrong key fall back to the code default with the error the SDK reports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { withAiir } from './lib/aiir.mjs';

const WORKFLOW = 'support-refunds';

async function setControl(server, responderKey, fields) {
  const res = await server.request('POST', '/v1/controls', {
    key: responderKey,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ workflow: WORKFLOW, reason: 'refunds issued twice (e2e)', ...fields }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, `POST /v1/controls answered ${res.status}: ${text}`);
  return JSON.parse(text).id;
}

// A client on its own provider domain, so that tests in this file do not share a provider.
async function flagClient(server, key, domain) {
  const provider = new OFREPProvider({
    baseUrl: server.baseUrl,
    headers: [['Authorization', `Bearer ${key}`]],
  });
  await OpenFeature.setProviderAndWait(domain, provider);
  return OpenFeature.getClient(domain);
}

test('the OFREP provider reads a pause and a disabled tool as soon as they are set', async () => {
  await withAiir(async (server) => {
    const appKey = await server.createKey('app', 'refunds-app');
    const responderKey = await server.createKey('responder', 'on-call');
    const client = await flagClient(server, appKey, 'kill-switches');
    const context = { targetingKey: 'customer-42', account_segment: 'smb' };

    const before = await client.getBooleanDetails(`${WORKFLOW}.paused`, true, context);
    assert.equal(before.value, false, JSON.stringify(before));
    assert.equal(before.reason, 'STATIC');
    assert.equal(before.variant, 'off');
    assert.equal(before.errorCode, undefined);
    assert.equal(
      await client.getBooleanValue(`${WORKFLOW}.tool.issue_refund.enabled`, false, context), true);
    assert.equal(await client.getStringValue(`${WORKFLOW}.prompt.version`, 'none', context), 'v7');

    const pauseId = await setControl(server, responderKey, { kind: 'pause' });
    const disableId = await setControl(server, responderKey, { kind: 'disable_tool', tool: 'issue_refund' });
    await setControl(server, responderKey, {
      kind: 'narrow_tool', tool: 'lookup_order', limits: [{ argument: 'region', allowed: ['eu'] }],
    });

    const paused = await client.getBooleanDetails(`${WORKFLOW}.paused`, false, context);
    assert.equal(paused.value, true, JSON.stringify(paused));
    assert.equal(paused.reason, 'TARGETING_MATCH');
    assert.equal(paused.variant, 'on');
    assert.equal(paused.flagMetadata.controls, pauseId);
    assert.equal(typeof paused.flagMetadata.controls_version, 'number');

    const tool = await client.getBooleanDetails(`${WORKFLOW}.tool.issue_refund.enabled`, true, context);
    assert.equal(tool.value, false, JSON.stringify(tool));
    assert.equal(tool.flagMetadata.controls, disableId);
    assert.deepEqual(
      await client.getObjectValue(`${WORKFLOW}.tool.lookup_order.limits`, {}, context),
      { region: { allowed: ['eu'] } });

    // Lifting is seen as quickly.
    const lift = await server.request('POST', `/v1/controls/${pauseId}/lift`, {
      key: responderKey,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: 'fixed (e2e)' }),
    });
    assert.equal(lift.status, 200, await lift.text());
    assert.equal(await client.getBooleanValue(`${WORKFLOW}.paused`, true, context), false);

    await OpenFeature.clearProviders();
  });
});

test('unknown flags, wrong types and a wrong key fall back to the code default with an error', async () => {
  await withAiir(async (server) => {
    const appKey = await server.createKey('app', 'refunds-app');
    const client = await flagClient(server, appKey, 'errors');
    const context = { targetingKey: 'customer-42' };

    const unknown = await client.getBooleanDetails(`${WORKFLOW}.tool.shell.enabled`, true, context);
    assert.equal(unknown.value, true);
    assert.equal(unknown.errorCode, 'FLAG_NOT_FOUND', JSON.stringify(unknown));
    assert.match(unknown.errorMessage, /declares no tool 'shell'/);

    const mismatch = await client.getStringDetails(`${WORKFLOW}.paused`, 'x', context);
    assert.equal(mismatch.value, 'x');
    assert.equal(mismatch.errorCode, 'TYPE_MISMATCH', JSON.stringify(mismatch));

    const stranger = await flagClient(server, 'not-a-key', 'stranger');
    const refused = await stranger.getBooleanDetails(`${WORKFLOW}.paused`, true, context);
    assert.equal(refused.value, true);
    assert.equal(refused.errorCode, 'GENERAL', JSON.stringify(refused));

    await OpenFeature.clearProviders();
  });
});
