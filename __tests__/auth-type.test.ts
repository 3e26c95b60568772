/**
 * `auth-type: azure-cli` (issue "Ready for users", item 1): the Azure CLI session of an earlier step (azure/login,
 * `az login`) signs the run in through @azure/identity's AzureCliCredential — no GitHub OIDC request — and the
 * per-scope token cache still wraps it. No real `az` is needed: the CLI credential is a fake where it is called.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  AzureCliCredential,
  ClientAssertionCredential,
  CredentialUnavailableError,
  type AccessToken,
  type TokenCredential
} from '@azure/identity';
import * as core from '../__fixtures__/core.js';
import { cloudEndpoints } from '../src/azure/clouds.js';
import type { RunSettings } from '../src/types.js';

jest.unstable_mockModule('@actions/core', () => core);
const { createSignInCredential } = await import('../src/azure/auth.js');
const { signIn } = await import('../src/azure/session.js');
const { run: runAction } = await import('../src/main.js');

const TENANT = '11111111-1111-4111-8111-111111111111';
const CLIENT = '33333333-3333-4333-8333-333333333333';
const endpoints = cloudEndpoints('AzureCloud', {});
const settings: RunSettings = {
  clientId: CLIENT,
  tenantId: TENANT,
  environment: 'AzureCloud',
  endpoints,
  audience: 'api://AzureADTokenExchange',
  authType: 'azure-cli',
  mode: 'check',
  failOnDrift: true,
  prComment: false
};

/** An unsigned JWT with these claims (the action reads claims, never verifies them). */
function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.sig`;
}

/** A fake Azure CLI credential: counts `az account get-access-token` calls per scope. */
function fakeCli(claims: Record<string, unknown>) {
  const calls: string[] = [];
  const credential: TokenCredential = {
    async getToken(scopes): Promise<AccessToken> {
      calls.push(String(scopes));
      return { token: jwt(claims), expiresOnTimestamp: Date.now() + 3600_000 };
    }
  };
  return { credential, calls };
}

beforeEach(() => {
  jest.clearAllMocks();
});

describe('createSignInCredential', () => {
  it('azure-cli: an AzureCliCredential (loaded on first use), and getIDToken is never called', async () => {
    const getIdToken = jest.fn(async (_aud: string) => 'never');
    const credential = createSignInCredential(settings, getIdToken);
    expect(credential).not.toBeInstanceOf(AzureCliCredential); // @azure/identity is imported by the first getToken
    // With no `az` on PATH, AzureCliCredential answers CredentialUnavailableError naming the Azure CLI.
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const error = await credential.getToken(endpoints.armScope).then(
        () => undefined,
        (e: unknown) => e
      );
      expect(error).toBeInstanceOf(CredentialUnavailableError);
      expect((error as Error).message).toMatch(/Azure CLI|az login/);
    } finally {
      process.env.PATH = path;
    }
    expect(getIdToken).not.toHaveBeenCalled();
  });

  it('oidc (and no auth type): the GitHub OIDC credential, not the Azure CLI one', () => {
    const getIdToken = jest.fn(async (_aud: string) => 'never');
    for (const authType of ['oidc', undefined] as const) {
      const credential = createSignInCredential({ ...settings, authType }, getIdToken);
      expect(credential).not.toBeInstanceOf(AzureCliCredential);
      expect(credential).not.toBeInstanceOf(ClientAssertionCredential); // wrapped: enableCae off, metadata prefetch
    }
    expect(getIdToken).not.toHaveBeenCalled(); // nothing is fetched before the first token request
  });
});

describe('signIn with auth-type azure-cli', () => {
  it('asks the CLI, never GitHub; one CLI call per scope (the token cache wraps it); the object ID is read', async () => {
    const cli = fakeCli({ tid: TENANT, appid: CLIENT, oid: 'oid-1' });
    const getIdToken = jest.fn(async (_aud: string) => 'never');
    const session = await signIn(settings, getIdToken, () => cli.credential);
    expect(getIdToken).not.toHaveBeenCalled();
    expect(session.workflowObjectId).toBe('oid-1');
    await session.credential.getToken(endpoints.armScope);
    await Promise.all([session.credential.getToken('app/.default'), session.credential.getToken('app/.default')]);
    expect(cli.calls).toEqual([endpoints.armScope, 'app/.default']);
    expect(core.setSecret).toHaveBeenCalled(); // every token is masked
    expect(core.info.mock.calls.map(([m]) => m)).toContain(
      `Signed in with the Azure CLI session in tenant ${TENANT} (${endpoints.armEndpoint}).`
    );
    expect(core.warning).not.toHaveBeenCalled();
  });

  it('a session in another tenant is refused, naming both tenants', async () => {
    const other = '99999999-9999-4999-8999-999999999999';
    const cli = fakeCli({ tid: other, appid: CLIENT });
    await expect(
      signIn(
        settings,
        async () => 'never',
        () => cli.credential
      )
    ).rejects.toThrow(new RegExp(`signed in to tenant ${other}, but tenant-id is ${TENANT}`));
  });

  it('a session as another identity (e.g. a developer) is a warning, not an error', async () => {
    const cli = fakeCli({ tid: TENANT, appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' });
    await signIn(
      settings,
      async () => 'never',
      () => cli.credential
    );
    expect(String(core.warning.mock.calls[0][0])).toMatch(
      new RegExp(`signs in as client 04b07795-8ddb-461a-bbee-02f9e1bf7b46, not client-id ${CLIENT}`)
    );
  });

  it.each([
    [
      "Azure CLI could not be found. Please visit https://aka.ms/azure-cli for installation instructions and then, once installed, authenticate to your Azure account using 'az login'.",
      /Azure CLI \(az\) is not installed/
    ],
    [
      "Please run 'az login' from a command prompt to authenticate before using this credential.",
      /the Azure CLI has no session.*azure\/login/
    ],
    ['ERROR: AADSTS700024: Client assertion is not within its valid time range.', /AADSTS700024.*expired/]
  ])('the CLI credential failing with %p explains the fix', async (message, expected) => {
    const failing: TokenCredential = {
      async getToken() {
        throw new Error(message);
      }
    };
    await expect(
      signIn(
        settings,
        async () => 'never',
        () => failing
      )
    ).rejects.toThrow(expected);
  });
});

describe('run (entry) with auth-type azure-cli', () => {
  it('never asks for a GitHub OIDC token and names the CLI sign-in in its log group', async () => {
    const inputs: Record<string, string> = {
      'client-id': CLIENT,
      'tenant-id': TENANT,
      'subscription-id': '22222222-2222-4222-8222-222222222222',
      'auth-type': 'azure-cli',
      'apim-name': 'apim-x',
      'apim-resource-group': 'rg-demo',
      'api-ids': 'orders',
      'function-app-name': 'func-x',
      'pr-comment': 'false',
      // No `az` on PATH: the CLI sign-in fails fast, before any Azure request.
      'arm-endpoint': 'https://127.0.0.1:9'
    };
    core.getInput.mockImplementation((name: string) => inputs[name] ?? '');
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await runAction();
    } finally {
      process.env.PATH = path;
      process.exitCode = undefined;
    }
    expect(core.getIDToken).not.toHaveBeenCalled();
    expect(core.group.mock.calls[0][0]).toBe('Sign in (Azure CLI session)');
    expect(String(core.error.mock.calls[0][0])).toMatch(/auth-type azure-cli/);
  });
});
