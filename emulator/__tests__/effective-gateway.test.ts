/**
 * The twin's gateway runs the effective inbound pipeline (global → product → API → operation with `<base />`,
 * `<include-fragment>`, `{{named values}}`), checked over HTTPS against a running twin: what the Function received
 * (its `x-twin-received-headers` names, `x-twin-caller-*` from the token it accepted) or the gateway's own answer.
 * Sources are cited in emulator/src/dataplane/{gateway,pipeline,scopes}.ts and emulator/README.md.
 */
import type { TwinState } from '../src/contracts.js';
import type { Twin } from '../src/server.js';
import { MAX_FRAGMENT_DEPTH } from '../src/dataplane/pipeline.js';
import { loadScenario, withTwin } from './helpers.js';
import {
  addFragment,
  addNamedValue,
  addOperation,
  addProduct,
  apimIds,
  doc,
  setApiPolicy,
  setGlobalPolicy
} from './apim-state.js';

const KEY = 'twin-master-primary-0123456789abcdef';
const APP_ID = '55555555-5555-4555-8555-555555555555';
const APIM_OID = '66666666-6666-4666-8666-666666666666';
const SITE =
  '/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-demo/providers/Microsoft.Web/sites/func-x';

/** The owned elements as the in-sync scenario has them. */
const OWNED =
  `<authentication-managed-identity resource="${APP_ID}" />\n` +
  '        <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />\n' +
  '        <set-query-parameter name="subscription-key" exists-action="delete" />';

interface Answer {
  status: number;
  headers: Headers;
  body: string;
  received: string[];
}

async function call(twin: Twin, path: string, opts: { method?: string; key?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.key !== null) headers['Ocp-Apim-Subscription-Key'] = opts.key ?? KEY;
  const res = await fetch(`https://${twin.hostMap['apim-x.azure-api.net']}${path}`, {
    method: opts.method ?? 'GET',
    headers
  });
  const received = (res.headers.get('x-twin-received-headers') ?? '').split(',').filter(Boolean);
  return { status: res.status, headers: res.headers, body: await res.text(), received };
}

function base(): TwinState {
  const s = loadScenario('in-sync');
  s.functionRoutes[SITE]!.push({
    path: '/api/orders/42',
    methods: ['GET'],
    authLevel: 'anonymous',
    status: 200,
    body: { id: 42 }
  });
  return s;
}

const run = (state: TwinState, f: (twin: Twin) => Promise<void>): Promise<void> => withTwin(state, f);

describe('gateway: operation matching (urlTemplate)', () => {
  it('routes by method + urlTemplate; no match (path or method) → 404 "Resource not found" before the key check', async () => {
    const s = addOperation(base(), { id: 'get-order', method: 'GET', urlTemplate: '/orders/{id}' });
    await run(s, async (twin) => {
      expect((await call(twin, '/orders/orders')).status).toBe(200);
      expect((await call(twin, '/orders/orders/42')).status).toBe(200);
      for (const [path, method] of [
        ['/orders/nope', 'GET'],
        ['/orders/orders/42/items', 'GET'],
        ['/orders/orders', 'POST']
      ] as const) {
        const r = await call(twin, path, { method, key: null });
        expect([path, method, r.status]).toEqual([path, method, 404]);
        expect(JSON.parse(r.body)).toEqual({ statusCode: 404, message: 'Resource not found' });
      }
      // A matched operation without a key still meets the subscription check.
      expect((await call(twin, '/orders/orders', { key: null })).status).toBe(401);
    });
  });

  it('a trailing /* template takes the rest of the path; a literal template wins over a parameter', async () => {
    const s = base();
    addOperation(s, {
      id: 'any',
      method: 'GET',
      urlTemplate: '/*',
      policy: doc('<base />\n<set-header name="X-Any" exists-action="override"><value>1</value></set-header>')
    });
    addOperation(s, {
      id: 'by-id',
      method: 'GET',
      urlTemplate: '/orders/{id}',
      policy: doc('<base />\n<set-header name="X-Param" exists-action="override"><value>1</value></set-header>')
    });
    addOperation(s, {
      id: 'the-42',
      method: 'GET',
      urlTemplate: '/orders/42',
      policy: doc('<base />\n<set-header name="X-Literal" exists-action="override"><value>1</value></set-header>')
    });
    await run(s, async (twin) => {
      const r = await call(twin, '/orders/orders/42');
      expect(r.received).toContain('x-literal');
      expect(r.received).not.toContain('x-param');
      const any = await call(twin, '/orders/somewhere/else');
      // Forwarded: the Function (not the gateway, whose 404 has a JSON body) answers 404 with an empty body.
      expect([any.status, any.body]).toEqual([404, '']);
    });
  });

  it('an API without operations answers 404 to everything', async () => {
    const s = base();
    for (const k of Object.keys(s.resources)) if (/\/operations\//.test(k)) delete s.resources[k];
    await run(s, async (twin) => {
      expect((await call(twin, '/orders/orders')).status).toBe(404);
    });
  });
});

describe('gateway: scopes and <base />', () => {
  const mark = (name: string): string =>
    `<set-header name="${name}" exists-action="override"><value>1</value></set-header>`;

  it('global → API → operation in <base /> order; the operation sees everything above it', async () => {
    const s = setGlobalPolicy(base(), doc(mark('X-Global')));
    addOperation(s, {
      id: 'get-order',
      method: 'GET',
      urlTemplate: '/orders/{id}',
      policy: doc(`<base />\n${mark('X-Op')}`)
    });
    await run(s, async (twin) => {
      const r = await call(twin, '/orders/orders/42');
      expect(r.status).toBe(200);
      expect(r.received).toEqual(expect.arrayContaining(['x-global', 'x-op', 'authorization']));
      expect(r.received).not.toContain('ocp-apim-subscription-key');
      expect(r.headers.get('x-twin-caller-oid')).toBe(APIM_OID);
    });
  });

  it('an operation policy without <base /> runs neither the API nor the global policy: no token, the Function answers 401', async () => {
    const s = setGlobalPolicy(base(), doc(mark('X-Global')));
    addOperation(s, { id: 'get-order', method: 'GET', urlTemplate: '/orders/{id}', policy: doc(mark('X-Op')) });
    await run(s, async (twin) => {
      const r = await call(twin, '/orders/orders/42');
      expect(r.status).toBe(401);
      expect(r.headers.get('x-twin-auth-layer')).toBe('easy-auth');
      // Another operation of the same API still runs the API policy.
      expect((await call(twin, '/orders/orders')).status).toBe(200);
    });
  });

  it.each([
    ['a literal value', '<value>backend-key-literal</value>'],
    ['@(context.Subscription.Key)', '<value>@(context.Subscription.Key)</value>']
  ])(
    'an operation policy that sets Ocp-Apim-Subscription-Key after <base /> (%s) forwards a key',
    async (_n, value) => {
      const s = base();
      const put = `<set-header name="Ocp-Apim-Subscription-Key" exists-action="override">${value}</set-header>`;
      addOperation(s, { id: 'get-order', method: 'GET', urlTemplate: '/orders/{id}', policy: doc(`<base />\n${put}`) });
      addOperation(s, {
        id: 'before',
        method: 'GET',
        urlTemplate: '/orders/before/{id}',
        policy: doc(`${put}\n<base />`)
      });
      s.functionRoutes[SITE]!.push({
        path: '/api/orders/before/1',
        methods: ['GET'],
        authLevel: 'anonymous',
        status: 200,
        body: {}
      });
      await run(s, async (twin) => {
        const after = await call(twin, '/orders/orders/42');
        expect(after.status).toBe(200);
        expect(after.received).toContain('ocp-apim-subscription-key');
        // Set before <base />: the API policy deletes it afterwards.
        const before = await call(twin, '/orders/orders/before/1');
        expect(before.status).toBe(200);
        expect(before.received).not.toContain('ocp-apim-subscription-key');
      });
    }
  );

  it('@(context.Subscription.Key) without a subscription fails the expression (500)', async () => {
    const s = base();
    const api = s.resources[apimIds(s).api()]!;
    (api['properties'] as Record<string, unknown>)['subscriptionRequired'] = false;
    addOperation(s, {
      id: 'get-order',
      method: 'GET',
      urlTemplate: '/orders/{id}',
      policy: doc(
        '<base />\n<set-header name="X-Key" exists-action="override"><value>@(context.Subscription.Key)</value></set-header>'
      )
    });
    await run(s, async (twin) => {
      const r = await call(twin, '/orders/orders/42', { key: null });
      expect(r.status).toBe(500);
      expect(r.body).toContain('Expression evaluation failed');
    });
  });

  it('the product policy runs for a key of a product-scoped subscription, not for an all-APIs key', async () => {
    const s = addProduct(base(), 'starter', doc(`<base />\n${mark('X-Product')}`), {
      primaryKey: 'starter-primary-0123456789',
      secondaryKey: 'starter-secondary-0123456789'
    });
    setGlobalPolicy(s, doc(mark('X-Global')));
    await run(s, async (twin) => {
      const viaProduct = await call(twin, '/orders/orders', { key: 'starter-secondary-0123456789' });
      expect(viaProduct.status).toBe(200);
      expect(viaProduct.received).toEqual(expect.arrayContaining(['x-product', 'x-global']));
      const viaMaster = await call(twin, '/orders/orders');
      expect(viaMaster.received).toContain('x-global');
      expect(viaMaster.received).not.toContain('x-product');
    });
  });
});

describe('gateway: <include-fragment>', () => {
  const strip = '<fragment>\n    <set-header name="Authorization" exists-action="delete" />\n</fragment>';

  it('inlines a fragment at its point: Authorization deleted after the owned element → 401; before it → 200', async () => {
    const after = addFragment(base(), 'strip-auth', strip);
    setApiPolicy(after, doc(`<base />\n${OWNED}\n<include-fragment fragment-id="strip-auth" />`));
    await run(after, async (twin) => {
      const r = await call(twin, '/orders/orders');
      expect(r.status).toBe(401);
      expect(r.received).not.toContain('authorization');
    });
    const before = addFragment(base(), 'strip-auth', strip);
    setApiPolicy(before, doc(`<base />\n<include-fragment fragment-id="strip-auth" />\n${OWNED}`));
    await run(before, async (twin) => {
      expect((await call(twin, '/orders/orders')).status).toBe(200);
    });
  });

  it('a missing fragment and <base /> inside a fragment fail the request (500)', async () => {
    const s = addFragment(base(), 'has-base', '<fragment><base /></fragment>');
    addOperation(s, {
      id: 'get-order',
      method: 'GET',
      urlTemplate: '/orders/{id}',
      policy: doc('<base />\n<include-fragment fragment-id="ghost" />')
    });
    addOperation(s, {
      id: 'list-orders',
      method: 'GET',
      urlTemplate: '/orders',
      policy: doc('<base />\n<include-fragment fragment-id="has-base" />')
    });
    await run(s, async (twin) => {
      const ghost = await call(twin, '/orders/orders/42');
      expect(ghost.status).toBe(500);
      expect(ghost.body).toContain("policy fragment 'ghost' not found");
      const withBase = await call(twin, '/orders/orders');
      expect(withBase.status).toBe(500);
      expect(withBase.body).toContain("'has-base' contains <base />");
    });
  });

  it(`nested includes (seeded; APIM refuses them on save) run up to ${MAX_FRAGMENT_DEPTH} levels; a cycle fails (500)`, async () => {
    const s = base();
    addFragment(s, 'outer', '<fragment><include-fragment fragment-id="inner" /></fragment>');
    addFragment(s, 'inner', strip);
    addFragment(s, 'a', '<fragment><include-fragment fragment-id="b" /></fragment>');
    addFragment(s, 'b', '<fragment><include-fragment fragment-id="a" /></fragment>');
    addOperation(s, {
      id: 'get-order',
      method: 'GET',
      urlTemplate: '/orders/{id}',
      policy: doc('<base />\n<include-fragment fragment-id="outer" />')
    });
    addOperation(s, {
      id: 'loop',
      method: 'GET',
      urlTemplate: '/loop',
      policy: doc('<base />\n<include-fragment fragment-id="a" />')
    });
    await run(s, async (twin) => {
      const nested = await call(twin, '/orders/orders/42');
      expect(nested.status).toBe(401); // the inner fragment removed the token
      const loop = await call(twin, '/orders/loop');
      expect(loop.status).toBe(500);
      expect(loop.body).toContain(`fragments nested deeper than ${MAX_FRAGMENT_DEPTH} levels (a → b → a`);
    });
  });
});

describe('gateway: {{named values}}', () => {
  it('substitutes whole and partial attribute values and text, secret and Key Vault values included', async () => {
    const s = base();
    addNamedValue(s, 'orders-app-id', { value: APP_ID });
    addNamedValue(s, 'hdr-suffix', { value: 'Env', secret: true });
    addNamedValue(s, 'kv-header', { keyVault: { secretIdentifier: 'https://kv-x.vault.azure.net/secrets/hdr' } });
    s.keyVaultSecrets = { 'https://kv-x.vault.azure.net/secrets/hdr': 'X-From-Vault' };
    setApiPolicy(
      s,
      doc(
        '<base />\n<authentication-managed-identity resource="{{orders-app-id}}" />\n' +
          '<set-header name="X-{{hdr-suffix}}" exists-action="override"><value>v-{{orders-app-id}}</value></set-header>\n' +
          '<set-header name="{{kv-header}}" exists-action="override"><value>1</value></set-header>'
      )
    );
    await run(s, async (twin) => {
      const r = await call(twin, '/orders/orders');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-twin-caller-oid')).toBe(APIM_OID);
      expect(r.received).toEqual(expect.arrayContaining(['x-env', 'x-from-vault', 'ocp-apim-subscription-key']));
    });
  });

  it.each([
    ['a name no named value has (seeded; APIM refuses it on save)', false, "Cannot find a property 'nope'"],
    ['a Key Vault value the twin cannot read', true, "named value 'kv-gone' could not be resolved"]
  ])('a reference to %s fails the request (500)', async (_n, kv, text) => {
    const s = base();
    addNamedValue(s, 'kv-gone', { keyVault: { secretIdentifier: 'https://kv-x.vault.azure.net/secrets/gone' } });
    setApiPolicy(
      s,
      doc(
        `<base />\n${OWNED}\n<set-header name="X-A" exists-action="override"><value>{{${kv ? 'kv-gone' : 'nope'}}}</value></set-header>`
      )
    );
    await run(s, async (twin) => {
      const r = await call(twin, '/orders/orders');
      expect(r.status).toBe(500);
      expect(r.body).toContain(text);
    });
  });
});

describe('gateway: authentication-managed-identity into a variable', () => {
  const KV =
    '<authentication-managed-identity resource="https://vault.azure.net" output-token-variable-name="kv-token" />';

  it('a Key Vault token kept in a variable leaves Authorization alone: alone → 401, with the owned element → 200', async () => {
    const alone = setApiPolicy(base(), doc(`<base />\n${KV}`));
    await run(alone, async (twin) => {
      const r = await call(twin, '/orders/orders');
      expect(r.status).toBe(401);
      expect(r.received).not.toContain('authorization');
    });
    const both = setApiPolicy(base(), doc(`<base />\n${KV}\n${OWNED}`));
    await run(both, async (twin) => {
      const r = await call(twin, '/orders/orders');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-twin-caller-oid')).toBe(APIM_OID);
    });
  });
});
