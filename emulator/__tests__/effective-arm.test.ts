/**
 * The twin's ARM for what the effective-policy observer reads, through the real @azure/arm-apimanagement client:
 * operations (pageable), operation policies, policy fragments, global and product policies, named values (filter,
 * secret, listValue, Key Vault). Sources are cited in emulator/src/arm.ts and emulator/src/apim.ts.
 */
import { createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { Json, TwinState } from '../src/contracts.js';
import { apimClient, loadScenario, withTwin } from './helpers.js';
import { addFragment, addNamedValue, addOperation, addProduct, apimIds, doc, setGlobalPolicy } from './apim-state.js';

const RG = 'rg-demo';
const SVC = 'apim-x';

function errorOf(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: { statusCode?: number; code?: string; message: string }) => e
  );
}

/** Calls `f` with an `onResponse` that keeps the raw body; returns it parsed. */
async function rawBody(f: (onResponse: (r: PipelineResponse) => void) => Promise<unknown>): Promise<Json> {
  let text = '';
  await f((r) => {
    text = r.bodyAsText ?? '';
  });
  return JSON.parse(text) as Json;
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function withOps(n: number, pageSize?: number): TwinState {
  const s = loadScenario('in-sync');
  if (pageSize !== undefined) s.behaviour.listPageSize = pageSize;
  for (let i = 0; i < n; i++) addOperation(s, { id: `op-${i}`, method: 'GET', urlTemplate: `/items/${i}` });
  return s;
}

describe('twin ARM: operations (ApiOperation_ListByApi / _Get)', () => {
  it('pages a long operation list with nextLink ($top/$skip) and the SDK reads every page', async () => {
    const state = withOps(5, 3); // 5 + the scenario's 2 = 7 operations, pages of 3
    await withTwin(state, async (twin) => {
      const c = apimClient(twin, state);
      const ops = await all(c.apiOperation.listByApi(RG, SVC, 'orders'));
      expect(ops.map((o) => o.name).sort()).toEqual(
        ['health', 'list-orders', 'op-0', 'op-1', 'op-2', 'op-3', 'op-4'].sort()
      );
      const gets = twin.requests().filter((r) => /\/apis\/orders\/operations\?/.test(r.url));
      expect(gets).toHaveLength(3);
      expect(gets[1]!.url).toContain('$top=3&$skip=3');
      expect(gets[2]!.url).toContain('$skip=6');
      // The first page says how many there are in all (APIM collection `count`).
      const first = await rawBody((onResponse) =>
        c.apiOperation.listByApi(RG, SVC, 'orders', { onResponse }).byPage().next()
      );
      expect(first['count']).toBe(7);
      expect((first['value'] as unknown[]).length).toBe(3);
    });
  });

  it('honours $top and $skip from the caller and refuses a $top below 1', async () => {
    const state = withOps(4);
    await withTwin(state, async (twin) => {
      const c = apimClient(twin, state);
      const page = await c.apiOperation.listByApi(RG, SVC, 'orders', { top: 2, skip: 1 }).byPage().next();
      expect((page.value as unknown[]).length).toBe(2);
      const url = `${twin.armEndpoint}${apimIds(state).api()}/operations?api-version=2024-05-01&$top=0`;
      const r = await c.sendRequest(createPipelineRequest({ url, method: 'GET' }));
      expect(r.status).toBe(400);
    });
  });

  it('gets one operation (method, urlTemplate) and answers 404 "Operation not found." for another', async () => {
    const state = addOperation(loadScenario('in-sync'), {
      id: 'get-order',
      method: 'GET',
      urlTemplate: '/orders/{id}'
    });
    await withTwin(state, async (twin) => {
      const c = apimClient(twin, state);
      const op = await c.apiOperation.get(RG, SVC, 'orders', 'get-order');
      expect(op).toMatchObject({ name: 'get-order', method: 'GET', urlTemplate: '/orders/{id}' });
      expect(op.templateParameters?.[0]?.name).toBe('id');
      const e = await errorOf(c.apiOperation.get(RG, SVC, 'orders', 'nope'));
      expect(e.statusCode).toBe(404);
      expect(e.message).toBe('Operation not found.');
    });
  });
});

describe('twin ARM: operation policies (ApiOperationPolicy)', () => {
  const policy = doc(
    '<base />\n        <set-header name="X-Op" exists-action="override"><value>1</value></set-header>'
  );

  it('404 when an operation has no policy; PUT rawxml, GET rawxml/xml, DELETE, 404 again', async () => {
    const state = loadScenario('in-sync');
    await withTwin(state, async (twin) => {
      const c = apimClient(twin, state);
      const none = await errorOf(c.apiOperationPolicy.get(RG, SVC, 'orders', 'list-orders', 'policy'));
      expect(none.statusCode).toBe(404);
      const put = await c.apiOperationPolicy.createOrUpdate(RG, SVC, 'orders', 'list-orders', 'policy', {
        value: policy,
        format: 'rawxml'
      });
      expect(put.eTag).toBeDefined();
      const raw = await rawBody((onResponse) =>
        c.apiOperationPolicy.get(RG, SVC, 'orders', 'list-orders', 'policy', { format: 'rawxml', onResponse })
      );
      expect(raw['properties']).toEqual({ format: 'rawxml', value: policy });
      expect(raw['type']).toBe('Microsoft.ApiManagement/service/apis/operations/policies');
      const xml = await rawBody((onResponse) =>
        c.apiOperationPolicy.get(RG, SVC, 'orders', 'list-orders', 'policy', { onResponse })
      );
      expect((xml['properties'] as Json)['format']).toBe('xml');
      // The operation's policy list (ApiOperationPolicy_ListByOperation) holds it.
      const listed = await c.apiOperationPolicy.listByOperation(RG, SVC, 'orders', 'list-orders');
      expect(listed.value?.map((p) => p.name)).toEqual(['policy']);
      await c.apiOperationPolicy.delete(RG, SVC, 'orders', 'list-orders', 'policy', '*');
      const gone = await errorOf(c.apiOperationPolicy.get(RG, SVC, 'orders', 'list-orders', 'policy'));
      expect(gone.statusCode).toBe(404);
    });
  });

  it('refuses a policy for an operation that does not exist (404) and one naming a missing named value (400)', async () => {
    const state = loadScenario('in-sync');
    state.behaviour.namedValueRefsOnSave = true;
    await withTwin(state, async (twin) => {
      const c = apimClient(twin, state);
      const noOp = await errorOf(
        c.apiOperationPolicy.createOrUpdate(RG, SVC, 'orders', 'ghost', 'policy', { value: policy, format: 'rawxml' })
      );
      expect(noOp.statusCode).toBe(404);
      expect(noOp.message).toBe('Operation not found.');
      const bad = doc(
        '<base />\n        <set-header name="X-Env" exists-action="override"><value>{{env-name}}</value></set-header>'
      );
      const e = await errorOf(
        c.apiOperationPolicy.createOrUpdate(RG, SVC, 'orders', 'list-orders', 'policy', {
          value: bad,
          format: 'rawxml'
        })
      );
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe('ValidationError');
      const body = await rawBody((onResponse) =>
        c.apiOperationPolicy
          .createOrUpdate(RG, SVC, 'orders', 'list-orders', 'policy', { value: bad, format: 'rawxml' }, { onResponse })
          .catch(() => undefined)
      );
      expect(((body['error'] as Json)['details'] as Json[])[0]).toEqual({
        code: 'ValidationError',
        target: 'value',
        message: "Error in element 'value' on line 4, column 66: Cannot find a property 'env-name'"
      });
      expect(twin.getState().resources[apimIds(state).opPolicy('list-orders')]).toBeUndefined();
    });
  });

  it('without behaviour.namedValueRefsOnSave the same policy is stored (the default, for unseeded corpora)', async () => {
    const state = loadScenario('in-sync');
    await withTwin(state, async (twin) => {
      const c = apimClient(twin, state);
      const bad = doc(
        '<base />\n        <set-header name="X-Env" exists-action="override"><value>{{env-name}}</value></set-header>'
      );
      await c.apiOperationPolicy.createOrUpdate(RG, SVC, 'orders', 'list-orders', 'policy', {
        value: bad,
        format: 'rawxml'
      });
      expect(twin.getState().resources[apimIds(state).opPolicy('list-orders')]).toBeDefined();
    });
  });
});

describe('twin ARM: global and product policies', () => {
  it('serves the service-scope policy (Policy_Get) and a product policy (ProductPolicy_Get) in rawxml', async () => {
    const state = loadScenario('in-sync');
    setGlobalPolicy(state, doc('<set-header name="X-Global" exists-action="override"><value>g</value></set-header>'));
    addProduct(state, 'starter', doc('<base />\n        <rate-limit calls="5" renewal-period="60" />'), {
      primaryKey: 'starter-primary-0123456789',
      secondaryKey: 'starter-secondary-0123456789'
    });
    await withTwin(state, async (twin) => {
      const c = apimClient(twin, state);
      const g = await rawBody((onResponse) => c.policy.get(RG, SVC, 'policy', { format: 'rawxml', onResponse }));
      expect((g['properties'] as Json)['value']).toContain('X-Global');
      const p = await rawBody((onResponse) =>
        c.productPolicy.get(RG, SVC, 'starter', 'policy', { format: 'rawxml', onResponse })
      );
      expect((p['properties'] as Json)['value']).toContain('<rate-limit calls="5"');
      const missing = await errorOf(c.productPolicy.get(RG, SVC, 'unlimited', 'policy'));
      expect(missing.statusCode).toBe(404);
    });
  });
});

describe('twin ARM: policy fragments (PolicyFragment_*)', () => {
  const fragment =
    '<fragment>\n    <!-- strip the caller key -->\n    <set-header name="X-Trace" exists-action="override">\n' +
    '        <value>@(context.RequestId.ToString())</value>\n    </set-header>\n</fragment>';

  function state(): TwinState {
    return addFragment(loadScenario('in-sync'), 'trace', fragment, 'adds a trace header');
  }

  it('GET format=rawxml answers the stored text; the default and the list answer the xml form; 404 when missing', async () => {
    const s = state();
    await withTwin(s, async (twin) => {
      const c = apimClient(twin, s);
      const raw = await c.policyFragment.get(RG, SVC, 'trace', { format: 'rawxml' });
      expect(raw).toMatchObject({
        name: 'trace',
        format: 'rawxml',
        value: fragment,
        description: 'adds a trace header'
      });
      expect(raw.eTag).toBeDefined();
      const xml = await c.policyFragment.get(RG, SVC, 'trace');
      expect(xml.format).toBe('xml');
      expect(xml.value).toContain('<fragment>');
      const listed = await all(c.policyFragment.listByService(RG, SVC));
      expect(listed.map((f) => [f.name, f.format])).toEqual([['trace', 'xml']]);
      const e = await errorOf(c.policyFragment.get(RG, SVC, 'nope', { format: 'rawxml' }));
      expect(e.statusCode).toBe(404);
      expect(e.message).toBe('PolicyFragment not found.');
    });
  });

  it.each([
    ['a nested include-fragment', '<fragment><include-fragment fragment-id="trace" /></fragment>', 'cannot include'],
    ['<base />', '<fragment><base /></fragment>', "'base'"],
    ['a section identifier', '<fragment><inbound /></fragment>', "'inbound'"],
    ['another root', '<policies><inbound /></policies>', "must be 'fragment'"]
  ])('refuses a fragment with %s (400 ValidationError) and stores a valid one (201)', async (_n, value, text) => {
    const s = state();
    await withTwin(s, async (twin) => {
      const c = apimClient(twin, s);
      const e = await errorOf(c.policyFragment.beginCreateOrUpdateAndWait(RG, SVC, 'bad', { value, format: 'rawxml' }));
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe('ValidationError');
      const body = await rawBody((onResponse) =>
        c.policyFragment
          .beginCreateOrUpdateAndWait(RG, SVC, 'bad', { value, format: 'rawxml' }, { onResponse })
          .catch(() => undefined)
      );
      expect(JSON.stringify(body)).toContain(text);
      const ok = await c.policyFragment.beginCreateOrUpdateAndWait(RG, SVC, 'good', {
        value: '<fragment><set-header name="X-A" exists-action="delete" /></fragment>',
        format: 'rawxml',
        description: 'd'
      });
      expect(ok).toMatchObject({ name: 'good', format: 'xml', description: 'd' });
      expect((await c.policyFragment.get(RG, SVC, 'good', { format: 'rawxml' })).value).toBe(
        '<fragment><set-header name="X-A" exists-action="delete" /></fragment>'
      );
    });
  });
});

describe('twin ARM: named values (NamedValue_*)', () => {
  const KV_ID = 'https://kv-orders.vault.azure.net/secrets/orders-backend-key';
  function state(): TwinState {
    const s = loadScenario('in-sync');
    addNamedValue(s, 'orders-app-id', { value: '55555555-5555-4555-8555-555555555555' });
    addNamedValue(s, 'backend-key', { value: 's3cr3t-backend-key', secret: true });
    addNamedValue(s, 'kv-key', { keyVault: { secretIdentifier: KV_ID } });
    addNamedValue(s, 'kv-missing', {
      keyVault: { secretIdentifier: 'https://kv-orders.vault.azure.net/secrets/gone' },
      status: 'SecretNotFound'
    });
    addNamedValue(s, 'kv-uai', {
      keyVault: { secretIdentifier: KV_ID, identityClientId: '99999999-9999-4999-8999-999999999999' }
    });
    addNamedValue(s, 'kv-other-uai', {
      keyVault: { secretIdentifier: KV_ID, identityClientId: 'aaaaaaaa-0000-4000-8000-000000000000' }
    });
    s.keyVaultSecrets = { [KV_ID]: 'kv-value-123' };
    return s;
  }

  it('filters by displayName, hides secret values on GET and list, and shows Key Vault ones without a value', async () => {
    const s = state();
    await withTwin(s, async (twin) => {
      const c = apimClient(twin, s);
      const one = await all(c.namedValue.listByService(RG, SVC, { filter: "displayName eq 'orders-app-id'" }));
      expect(one.map((n) => [n.name, n.value])).toEqual([['orders-app-id', '55555555-5555-4555-8555-555555555555']]);
      const secret = await c.namedValue.get(RG, SVC, 'backend-key');
      expect(secret.secret).toBe(true);
      expect(secret.value).toBeUndefined();
      const kv = await c.namedValue.get(RG, SVC, 'kv-key');
      expect(kv.value).toBeUndefined();
      expect(kv.keyVault).toMatchObject({ secretIdentifier: KV_ID, lastStatus: { code: 'Success' } });
      const listed = await all(c.namedValue.listByService(RG, SVC));
      expect(listed.find((n) => n.name === 'backend-key')?.value).toBeUndefined();
      const bad = await errorOf(all(c.namedValue.listByService(RG, SVC, { filter: "startswith(displayName,'o')" })));
      expect(bad.statusCode).toBe(400);
    });
  });

  it('listValue: the secret value; a Key Vault secret through the system or the named user-assigned identity', async () => {
    const s = state();
    await withTwin(s, async (twin) => {
      const c = apimClient(twin, s);
      expect((await c.namedValue.listValue(RG, SVC, 'backend-key')).value).toBe('s3cr3t-backend-key');
      expect((await c.namedValue.listValue(RG, SVC, 'kv-key')).value).toBe('kv-value-123');
      expect((await c.namedValue.listValue(RG, SVC, 'kv-uai')).value).toBe('kv-value-123');
    });
  });

  it.each(['kv-missing', 'kv-other-uai'])(
    'listValue refuses %s, a Key Vault secret the twin cannot read, as ARM words it (400)',
    async (name) => {
      const s = state();
      await withTwin(s, async (twin) => {
        const c = apimClient(twin, s);
        const e = await errorOf(c.namedValue.listValue(RG, SVC, name));
        expect(e.statusCode).toBe(400);
        expect(e.message).toBe(`Operation not allowed for keyVault derived NamedValue with id '${name}'.`);
      });
    }
  );

  it('a Key Vault secret is unreadable once the service has no system-assigned identity', async () => {
    const s = state();
    const svc = s.resources[apimIds(s).svc]!;
    (svc['identity'] as Json)['type'] = 'UserAssigned';
    delete (svc['identity'] as Json)['principalId'];
    await withTwin(s, async (twin) => {
      const c = apimClient(twin, s);
      expect((await errorOf(c.namedValue.listValue(RG, SVC, 'kv-key'))).statusCode).toBe(400);
      expect((await c.namedValue.listValue(RG, SVC, 'kv-uai')).value).toBe('kv-value-123');
    });
  });
});
