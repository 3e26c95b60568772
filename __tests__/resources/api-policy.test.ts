import { ownedState } from '../../src/policy/index.js';
import { planApiPolicy } from '../../src/resources/api-policy.js';

const APP = 'aaaaaaaa-0000-0000-0000-000000000001';
const API_ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim-x/apis/api-orders';
const RID = `${API_ID}/policies/policy`;
const doc = (inbound: string, etag = '"e1"') => ({
  value: `<policies>\n  <inbound>\n    ${inbound}\n  </inbound>\n  <backend>\n    <base />\n  </backend>\n  <outbound>\n    <base />\n  </outbound>\n</policies>`,
  etag
});
const OWNED = `<base />\n    <authentication-managed-identity resource="${APP}" />\n    <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" /> <set-query-parameter name="subscription-key" exists-action="delete" />`;

describe('planApiPolicy', () => {
  it('C01: rewrites resource="api://<APP>" to the app ID and reports policy.resource', () => {
    const d = doc(
      `<base />\n    <authentication-managed-identity resource="api://${APP}" />\n    <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" /> <set-query-parameter name="subscription-key" exists-action="delete" />`
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

  it('a tokenizer failure still says "cannot be tokenized", without the label (callers add it)', () => {
    const plan = planApiPolicy('api-orders', RID, { value: '<policies><inbound><base /></outbound></policies>' }, APP);
    expect(plan.error).toMatch(/^the policy text cannot be tokenized/);
  });

  it.each([
    [
      'no <inbound>',
      '<policies>\n  <backend><base /></backend>\n</policies>',
      /^policy has no <inbound> section \(<policies> at line 1\).*Add "<inbound><base \/><\/inbound>" to the API policy.*re-run\.$/
    ],
    [
      'a <fragment> root',
      '<fragment>\n  <set-header name="a" exists-action="delete" />\n</fragment>',
      /^policy root is <fragment> \(line 1\), not <policies>: policy fragments .* are not managed by this action.*re-run\.$/
    ]
  ])('%s: says what is wrong and how to fix it, once, and never "cannot be tokenized"', (_n, value, re) => {
    const plan = planApiPolicy('api-orders', RID, { value }, APP);
    expect(plan.error).toMatch(re);
    expect(plan.error).not.toMatch(/tokeniz/);
    expect(plan.error).not.toContain('API policy api-orders');
    expect(plan.write).toBeUndefined();
  });

  it('a document whose later elements undo the owned ones (in sync otherwise) is refused: error, no write', () => {
    const d = doc(
      `${OWNED}\n    <set-header name="Ocp-Apim-Subscription-Key" exists-action="override"><value>k</value></set-header>`
    );
    const plan = planApiPolicy('api-orders', RID, d, APP);
    expect(plan.write).toBeUndefined();
    expect(plan.changes).toEqual([]);
    expect(plan.error).toMatch(/^the policy has an element in <inbound> that undoes the managed-identity setup/);
    expect(plan.error).toContain('exists-action="override"> at line 6');
    expect(plan.error).toContain('remove it or move it before <set-header name="Ocp-Apim-Subscription-Key"');
    expect(plan.error).toMatch(/Policy editor\) and re-run\.$/);
  });

  it('several conflicts are all named', () => {
    const d = doc(
      // (an element with output-token-variable-name is a lookup since issue 9, no longer a conflict: a key restore
      // makes the second one)
      `<base />\n    <set-header name="Ocp-Apim-Subscription-Key" exists-action="override"><value>k</value></set-header>\n` +
        '    <set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["other"])</value></set-header>'
    );
    const plan = planApiPolicy('api-orders', RID, d, APP);
    expect(plan.error).toMatch(/^the policy has 2 elements in <inbound> that undo /);
    expect(plan.error).toMatch(
      /Ocp-Apim-Subscription-Key" exists-action="override">.*; <set-header name="Authorization"/
    );
    expect(plan.write).toBeUndefined();
  });

  it('token into a variable, then an Authorization set-header built from it: planned normally (the pattern carries the token)', () => {
    // the Function's app in a wrong form (api://<client ID>): the owned element in its "carrier" form
    const d = doc(
      `<base />\n    <authentication-managed-identity resource="api://${APP}" output-token-variable-name="t" />\n` +
        '    <set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["t"])</value></set-header>'
    );
    const plan = planApiPolicy('api-orders', RID, d, APP);
    expect(plan.error).toBeUndefined();
    expect(plan.changes.map((c) => c.path)).toContain('policy.resource');
    expect(plan.write?.op).toBe('put-api-policy');
  });

  it('the same pattern for another resource (api://old) sends that token to the Function: refused, element and line named', () => {
    const d = doc(
      `<base />\n    <authentication-managed-identity resource="api://old" output-token-variable-name="t" />\n` +
        '    <set-header name="Authorization" exists-action="override"><value>@("Bearer " + (string)context.Variables["t"])</value></set-header>'
    );
    const plan = planApiPolicy('api-orders', RID, d, APP);
    expect(plan.write).toBeUndefined();
    expect(plan.error).toMatch(/<set-header name="Authorization" exists-action="override"> at line 5 runs after/);
  });
});

describe('planApiPolicy: the API subscription-key header (subscriptionKeyParameterNames.header)', () => {
  it('deletes the configured header: change path policy.set-header[X-Api-Key], in sync once written', () => {
    const plan = planApiPolicy('api-orders', RID, doc(OWNED), APP, 'X-Api-Key');
    expect(plan.changes).toEqual([{ path: 'policy.set-header[X-Api-Key]', before: null, after: 'delete' }]);
    if (plan.write?.op !== 'put-api-policy') throw new Error('expected a policy PUT');
    expect(ownedState(plan.write.value, { keyHeader: 'x-api-key' }).deletesSubscriptionKey).toBe(true);
    expect(planApiPolicy('api-orders', RID, { value: plan.write.value }, APP, 'X-Api-Key').changes).toEqual([]);
    // the default stays Ocp-Apim-Subscription-Key
    expect(planApiPolicy('api-orders', RID, doc(OWNED), APP).changes).toEqual([]);
  });

  it('conflicts in <backend> are named as such', () => {
    const value = doc(OWNED).value.replace(
      '<backend>\n    <base />',
      '<backend>\n    <base />\n    <set-header name="Authorization" exists-action="delete" />'
    );
    const plan = planApiPolicy('api-orders', RID, { value }, APP);
    expect(plan.error).toMatch(/^the policy has an element in <backend> that undoes the managed-identity setup/);
    expect(plan.error).toMatch(/at line 9 is in <backend>/);
    expect(plan.write).toBeUndefined();
  });

  it('a header name that is not an HTTP header name is refused, nothing written', () => {
    const plan = planApiPolicy('api-orders', RID, doc(OWNED), APP, '@(x)');
    expect(plan.error).toMatch(/not an HTTP header name/);
    expect(plan.write).toBeUndefined();
  });
});
