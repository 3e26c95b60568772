import type { AccessToken, TokenCredential } from '@azure/identity';
import { oidcClaims, signInError, withTokenCache } from '../src/azure/auth.js';
import { ActionError } from '../src/errors.js';

function counting(expiresInMs: number, fail = 0) {
  const calls: string[] = [];
  let failures = fail;
  const cred: TokenCredential = {
    async getToken(scopes): Promise<AccessToken> {
      calls.push(String(scopes));
      await new Promise((r) => setTimeout(r, 5));
      if (failures-- > 0) throw new Error('AADSTS700213: nope');
      return { token: `t${calls.length}`, expiresOnTimestamp: now + expiresInMs };
    }
  };
  return { cred, calls };
}
let now = 1_000_000;
const clock = () => now;

describe('withTokenCache', () => {
  it('serves concurrent and later requests for one scope from one token exchange', async () => {
    const { cred, calls } = counting(3600_000);
    const cached = withTokenCache(cred, { now: clock });
    const tokens = await Promise.all([1, 2, 3].map(() => cached.getToken(['https://arm/.default'])));
    expect(new Set(tokens.map((t) => t?.token))).toEqual(new Set(['t1']));
    expect((await cached.getToken('https://arm/.default'))?.token).toBe('t1');
    expect(calls).toHaveLength(1);
  });

  it('keeps scopes apart', async () => {
    const { cred, calls } = counting(3600_000);
    const cached = withTokenCache(cred, { now: clock });
    await cached.getToken(['https://arm/.default']);
    await cached.getToken(['app-client-id/.default']);
    expect(calls).toEqual(['https://arm/.default', 'app-client-id/.default']);
  });

  it('refreshes a token that is about to expire', async () => {
    const { cred, calls } = counting(10 * 60_000);
    const cached = withTokenCache(cred, { now: clock, refreshBeforeMs: 5 * 60_000 });
    expect((await cached.getToken('s'))?.token).toBe('t1');
    now += 6 * 60_000;
    expect((await cached.getToken('s'))?.token).toBe('t2');
    expect(calls).toHaveLength(2);
  });

  it('does not cache a failure', async () => {
    const { cred, calls } = counting(3600_000, 1);
    const cached = withTokenCache(cred, { now: clock });
    await expect(cached.getToken('s')).rejects.toThrow('AADSTS700213');
    expect((await cached.getToken('s'))?.token).toBe('t2');
    expect(calls).toHaveLength(2);
  });
});

describe('oidcClaims', () => {
  const jwt = (payload: object) =>
    `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

  it('returns only iss, sub and aud', () => {
    const c = oidcClaims(
      jwt({
        iss: 'https://token.actions.githubusercontent.com',
        sub: 'repo:o/r:pull_request',
        aud: 'api://AzureADTokenExchange',
        repository: 'o/r'
      })
    );
    expect(c).toEqual({
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:o/r:pull_request',
      aud: 'api://AzureADTokenExchange'
    });
  });

  it.each(['', 'not-a-jwt', 'a.%%%.c'])('returns nothing for %p', (s) => {
    expect(oidcClaims(s)).toEqual({});
  });
});

describe('signInError', () => {
  const ctx = {
    clientId: 'c1',
    tenantId: 't1',
    subject: 'repo:o/r:pull_request',
    audience: 'api://AzureADTokenExchange'
  };
  it.each([
    [
      'AADSTS700213: No matching federated identity record found',
      /no federated credential on app c1 matches subject 'repo:o\/r:pull_request'/
    ],
    [
      'AADSTS700016: Application with identifier c1 was not found',
      /application c1 was not found in tenant t1.*client-id/
    ],
    ['AADSTS90002: Tenant not found', /tenant t1 was not found/],
    ['socket hang up', /Sign-in to Entra ID failed: socket hang up/]
  ])('%s', (raw, expected) => {
    const e = signInError(new Error(raw), ctx);
    expect(e).toBeInstanceOf(ActionError);
    expect(e.message).toMatch(expected);
  });

  it('passes an ActionError through (the missing id-token permission message)', () => {
    const original = new ActionError('add permissions: id-token: write');
    expect(signInError(original, ctx)).toBe(original);
  });
});
