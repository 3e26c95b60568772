/**
 * The entry (src/main.ts) in-process with a typed fake of @actions/core (__fixtures__/core.ts): refused inputs and a
 * refused sign-in fail the step with the reason, before any Azure request, and the outputs say no plan was made.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import * as core from '../__fixtures__/core.js';

jest.unstable_mockModule('@actions/core', () => core);
const { run } = await import('../src/main.js');

const GOOD: Record<string, string> = {
  'client-id': '33333333-3333-4333-8333-333333333333',
  'tenant-id': '11111111-1111-4111-8111-111111111111',
  'subscription-id': '22222222-2222-4222-8222-222222222222',
  'apim-name': 'apim-x',
  'apim-resource-group': 'rg-demo',
  'api-ids': 'orders',
  'function-app-name': 'func-x',
  'pr-comment': 'false'
};

function inputs(values: Record<string, string>) {
  core.getInput.mockImplementation((name: string) => values[name] ?? '');
}

const outputs = () => Object.fromEntries(core.setOutput.mock.calls.map(([k, v]) => [k, v]));

describe('run (entry)', () => {
  beforeEach(() => {
    jest.clearAllMocks();
    process.env.RUNNER_TEMP = '/tmp';
  });
  // The entry fails the step by setting process.exitCode (with a titled error annotation).
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('refused inputs: the step fails naming every problem, no sign-in, drift unset, changes []', async () => {
    inputs({ ...GOOD, 'api-ids': 'orders,ORDERS', 'open-id-issuer': 'https://sts.windows.net/x/\n::warning::x' });
    await run();
    expect(core.getIDToken).not.toHaveBeenCalled();
    expect(core.error).toHaveBeenCalledTimes(1);
    const message = String(core.error.mock.calls[0][0]);
    expect(message).toMatch(/^Invalid inputs \(2 problems\)/);
    expect(message).toMatch(/'orders', 'ORDERS'/);
    expect(message).toMatch(/open-id-issuer/);
    expect(outputs().drift).toBeUndefined();
    expect(outputs().changes).toBe('[]');
    // The exit code is set by the entry itself, not through core.setFailed: @github/local-action's stand-in for
    // setFailed records the failure without setting one, and `npm run local-action` exits with the process's code.
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(process.exitCode).toBe(1);
  });

  it('no id-token permission: the sign-in fails with the reason, nothing else is attempted', async () => {
    inputs(GOOD);
    core.getIDToken.mockRejectedValue(new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable'));
    // On a runner (GITHUB_ACTIONS=true) without the OIDC variables: the job lacks the permission. (Outside GitHub
    // Actions the message says that instead: __tests__/auth.test.ts, oidcTokenError.)
    const saved = process.env.GITHUB_ACTIONS;
    process.env.GITHUB_ACTIONS = 'true';
    try {
      await run();
    } finally {
      if (saved === undefined) delete process.env.GITHUB_ACTIONS;
      else process.env.GITHUB_ACTIONS = saved;
    }
    expect(core.getIDToken).toHaveBeenCalled();
    expect(core.error).toHaveBeenCalledTimes(1);
    expect(String(core.error.mock.calls[0][0])).toMatch(/id-token: write/);
    expect(outputs()['smoke-result']).toBe('skipped');
  });
});
