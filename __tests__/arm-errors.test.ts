/** armError (src/azure/arm-errors.ts): ARM's code and message, and the correlation ID to hand to Azure support. */
import { expect, it } from '@jest/globals';
import { armError } from '../src/azure/arm-errors.js';

const body = JSON.stringify({ error: { code: 'Conflict', message: 'busy' } });

it('quotes the x-ms-correlation-request-id ARM sent (a GUID only)', () => {
  const cid = '0f6c3c1e-2b7a-4a7e-9a55-1d2c3b4a5e6f';
  const e = armError('PUT', '/x', { status: 409, text: body, headers: { 'x-ms-correlation-request-id': cid } });
  expect(e.message).toBe(`PUT /x → 409 Conflict: busy (correlation ID ${cid})`);
  expect(e.code).toBe('Conflict');
  const odd = armError('PUT', '/x', { status: 409, text: body, headers: { 'x-ms-correlation-request-id': 'a\nb' } });
  expect(odd.message).toBe('PUT /x → 409 Conflict: busy');
});

it('the User-Agent prefix carries package.json version', async () => {
  const { readFileSync } = await import('node:fs');
  const { ACTION_VERSION, USER_AGENT_PREFIX } = await import('../src/version.js');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(ACTION_VERSION).toBe(pkg.version);
  expect(USER_AGENT_PREFIX).toBe(`apim-function-auth/${pkg.version}`);
});
