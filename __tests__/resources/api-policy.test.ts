import { ownedState } from '../../src/policy/index.js';
import { planApiPolicy } from '../../src/resources/api-policy.js';

const APP = 'aaaaaaaa-0000-0000-0000-000000000001';
const API_ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim-x/apis/api-orders';
const RID = `${API_ID}/policies/policy`;
const doc = (inbound: string, etag = '"e1"') => ({
  value: `<policies>\n  <inbound>\n    ${inbound}\n  </inbound>\n  <backend>\n    <base />\n  </backend>\n  <outbound>\n    <base />\n  </outbound>\n</policies>`,
  etag
});
const OWNED = `<base />\n    <authentication-managed-identity resource="${APP}" />\n    <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />`;

describe('planApiPolicy', () => {
  it('C01: rewrites resource="api://<APP>" to the app ID and reports policy.resource', () => {
    const d = doc(
      `<base />\n    <authentication-managed-identity resource="api://${APP}" />\n    <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />`
    );
    const plan = planApiPolicy('api-orders', RID, d, APP);
    expect(plan.kind).toBe('api-policy');
    expect(plan.changes).toContainEqual({ path: 'policy.resource', before: `api://${APP}`, after: APP });
    if (plan.write?.op !== 'put-api-policy') throw new Error('expected a policy PUT');
    expect(plan.write).toMatchObject({ apiId: 'api-orders', format: 'rawxml', ifMatch: '"e1"' });
    expect(ownedState(plan.write.value).resource).toBe(APP);
  });

  it('in sync → no change, no write (C12: formatting is not drift)', () => {
    const d = doc(OWNED.replace(/\n/g, '\r\n\t'));
    const plan = planApiPolicy('api-orders', RID, d, APP);
    expect(plan.changes).toEqual([]);
    expect(plan.write).toBeUndefined();
  });

  it('no policy yet → creates one with If-Match *', () => {
    const plan = planApiPolicy('api-orders', RID, undefined, APP);
    expect(plan.changes.length).toBeGreaterThan(0);
    expect(plan.changes.every((c) => c.path.startsWith('policy.'))).toBe(true);
    if (plan.write?.op !== 'put-api-policy') throw new Error('expected a policy PUT');
    expect(plan.write.ifMatch).toBe('*');
    expect(ownedState(plan.write.value)).toMatchObject({
      resource: APP,
      authPresent: true,
      deletesSubscriptionKey: true
    });
  });

  it('C11: expression text stays byte-identical', () => {
    const expr = '@(context.Request.Headers.GetValueOrDefault("X-Caller","none"))';
    const d = doc(`<base />\n    <set-variable name="caller" value="${expr}" />`);
    const plan = planApiPolicy('api-orders', RID, d, APP);
    if (plan.write?.op !== 'put-api-policy') throw new Error('expected a policy PUT');
    expect(plan.write.value).toContain(expr);
    expect(planApiPolicy('api-orders', RID, { value: plan.write.value }, APP).changes).toEqual([]);
  });

  it.each([
    ['mismatched tags', '<policies><inbound><base /></outbound></policies>'],
    ['no <inbound>', '<policies><backend><base /></backend></policies>']
  ])('an unreadable policy (%s) gives an error with its position and no write', (_n, value) => {
    const plan = planApiPolicy('api-orders', RID, { value, etag: 'x' }, APP);
    expect(plan.error).toMatch(/line \d+/);
    expect(plan.write).toBeUndefined();
    expect(plan.changes).toEqual([]);
  });
});
