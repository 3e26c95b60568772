/**
 * One sign-in per run, in-process against the local twin through the real SDK stack (@azure/identity → msal-node →
 * the twin's Entra endpoints; the ARM SDK clients and the Graph pipeline): the GitHub OIDC token is fetched once and
 * reused as the client assertion until shortly before its `exp`, the authority metadata is fetched at most once and
 * in parallel with that token, and there is one Entra token request per audience (issue "Fast and faithful", item 1).
 * Counts come from the twin's request log (`twin.requests()`, the admin API's `/requests`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startEmulator, type Twin } from '../emulator/index.js';
import { trustTwin } from '../emulator/__tests__/helpers.js';
import { criticalPath, requestKind } from '../bench/twin-requests.js';
import { baseInputs, scenario } from '../scripts/action-runner.js';
import { createWorkflowCredential, withTokenCache } from '../src/azure/auth.js';
import { isFinalTokenRefusal, signIn, targetPorts } from '../src/azure/session.js';
import { readSettings } from '../src/inputs.js';
import { ActionError } from '../src/errors.js';
import type { Settings } from '../src/types.js';

const state = scenario('in-sync');
let twin: Twin;
let settings: Settings;

/** GitHub's ID token from the twin, as core.getIDToken asks for it (the request token as bearer). */
async function getIdToken(audience: string): Promise<string> {
  const res = await fetch(`${twin.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`, {
    headers: { Authorization: `Bearer ${twin.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` }
  });
  if (!res.ok) throw new Error(`Error Code : ${res.status}`);
  return ((await res.json()) as { value: string }).value;
}

const restore: (() => void)[] = [];
beforeAll(async () => {
  twin = await startEmulator(state);
  trustTwin(twin.caPem);
  const inputs: Record<string, string> = {
    ...baseInputs(state),
    'arm-endpoint': twin.armEndpoint,
    'authority-host': twin.authorityHost,
    'graph-endpoint': twin.graphEndpoint,
    mode: 'check'
  };
  settings = readSettings((name) => inputs[name] ?? '');
  // signIn's log lines and ::add-mask:: commands go to stdout (the runner reads them); keep the test log clean.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    /^::|^GitHub OIDC token|^Signed in/.test(String(chunk))
      ? true
      : (write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  restore.push(() => (process.stdout.write = write));
  for (const k of ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const) {
    const saved = process.env[k];
    process.env[k] = twin.env[k];
    restore.push(() => (saved === undefined ? delete process.env[k] : (process.env[k] = saved)));
  }
});
afterAll(async () => {
  for (const r of restore.reverse()) r();
  await twin?.stop();
});

let before = 0;
beforeEach(() => {
  before = twin.requests().length;
});
/** Requests of each kind since the test began. */
function since(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of twin.requests().slice(before)) {
    const k = requestKind(twin, r);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

describe('one sign-in per run (real MSAL against the twin)', () => {
  it('a run: 1 GitHub OIDC token, metadata once, one token request per audience (ARM, app, Graph) whatever the caller', async () => {
    const session = await signIn(settings, getIdToken);
    // The pre-flight's token requests start here, alongside the reads.
    const ports = targetPorts(settings, settings, session);
    const [service] = await Promise.all([
      ports.arm.getApimService(),
      ports.arm.getSite(),
      ports.arm.getAuthSettingsV2()
    ]);
    // The pre-flight and the foreign-token smoke check ask for the app's token; Graph's pipeline asks with enableCae.
    const app = `${settings.appClientId}/.default`;
    const [t1, t2] = await Promise.all([ports.tokens.getToken(app), ports.tokens.getToken(app)]);
    expect(t1).toBe(t2);
    const apimPrincipalId = (service.body.identity as { principalId: string }).principalId;
    await ports.graph.getServicePrincipal(apimPrincipalId);
    await ports.arm.getApi('orders');
    await ports.tokens.getToken(app);
    expect(since()).toEqual({ OIDC: 1, metadata: 1, token: 3, 'ARM read': 4, Graph: 1 });
  });

  it('the metadata request runs alongside the GitHub token request, not after it', async () => {
    const lines: { at: number; line: string }[] = [];
    const t = await startEmulator(state, { log: (line) => lines.push({ at: Date.now(), line }) });
    try {
      trustTwin(t.caPem);
      t.addFaults([{ match: { pathRegex: '.*' }, delayMs: 300, times: 1000 }]);
      const credential = createWorkflowCredential(
        {
          tenantId: state.tenantId,
          clientId: state.workflowIdentity.clientId,
          audience: 'api://AzureADTokenExchange',
          endpoints: { ...settings.endpoints, authorityHost: t.authorityHost }
        },
        async (aud) => {
          const res = await fetch(`${t.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(aud)}`, {
            headers: { Authorization: `Bearer ${t.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` }
          });
          return ((await res.json()) as { value: string }).value;
        }
      );
      await credential.getToken(`${t.armEndpoint}/.default`);
      const served = lines.map((l) => l.line);
      expect(served.filter((l) => /^oidc GET /.test(l))).toHaveLength(1);
      expect(served.filter((l) => /^login GET .*openid-configuration/.test(l))).toHaveLength(1);
      expect(served.filter((l) => /^login POST .*\/token/.test(l))).toHaveLength(1);
      // Two rounds (OIDC ∥ metadata, then the token request), not three.
      expect(criticalPath(lines, 300).depth).toBe(2);
    } finally {
      await t.stop();
    }
  });

  it('a long run fetches a new GitHub token once the first is within a minute of its exp', async () => {
    // The clock jumps 4.5 min: the first token (5 min) is then within the margin. Tokens fetched after the jump look
    // just as old to that clock, so each later assertion is fetched anew — reuse itself is pinned by the unit tests
    // of reusableAssertion (__tests__/auth.test.ts); here: a real run past the token's life signs in again.
    let now = Date.now();
    const credential = withTokenCache(
      createWorkflowCredential(
        {
          tenantId: state.tenantId,
          clientId: state.workflowIdentity.clientId,
          audience: 'api://AzureADTokenExchange',
          endpoints: settings.endpoints
        },
        getIdToken,
        { now: () => now }
      )
    );
    await credential.getToken(settings.endpoints.armScope);
    await credential.getToken(settings.endpoints.graphScope);
    expect(since()).toMatchObject({ OIDC: 1, token: 2 });
    now += 4.5 * 60_000; // the twin's GitHub tokens live 5 min
    await credential.getToken(`${settings.appClientId}/.default`);
    const after = since();
    expect(after.OIDC).toBeGreaterThan(1);
    expect(after.token).toBe(3);
  });

  it('a refused audience (AADSTS500011) is asked once; the refusal is served to every later caller', async () => {
    const credential = withTokenCache(
      createWorkflowCredential(
        {
          tenantId: state.tenantId,
          clientId: state.workflowIdentity.clientId,
          audience: 'api://AzureADTokenExchange',
          endpoints: settings.endpoints
        },
        getIdToken
      ),
      { keepFailure: isFinalTokenRefusal }
    );
    const scope = `api://${settings.appClientId}/.default`; // not in the app's identifierUris
    await expect(credential.getToken(scope)).rejects.toThrow(/AADSTS500011/);
    await expect(credential.getToken(scope)).rejects.toThrow(/AADSTS500011/);
    expect(since()).toMatchObject({ OIDC: 1, token: 1 });
  });

  it('tenant-id given the subscription ID: real MSAL fails, and the message says to check tenant-id', async () => {
    const wrong = { ...settings, tenantId: settings.subscriptionId };
    const e = (await signIn(wrong, getIdToken).then(
      () => new Error('signed in'),
      (x: unknown) => x
    )) as Error;
    expect(e).toBeInstanceOf(ActionError);
    expect(e.message).toMatch(
      new RegExp(
        `^Sign-in refused: tenant-id ${settings.subscriptionId} was not found \\(.*\\): check tenant-id \\(is it the subscription ID\\?`
      )
    );
    expect(e.message).toMatch(/tenant-id and subscription-id are the same GUID: one of them is wrong/);
  });

  it('client-id not in the tenant (AADSTS700016): the message says to check client-id', async () => {
    const wrong = { ...settings, clientId: '77777777-7777-4777-8777-777777777777' };
    await expect(signIn(wrong, getIdToken)).rejects.toThrow(
      /client-id 77777777-7777-4777-8777-777777777777 was not found in tenant .*: check client-id/
    );
  });
});
