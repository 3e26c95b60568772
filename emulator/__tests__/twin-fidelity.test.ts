/**
 * Twin fidelity through real clients: long-running operations complete whichever URL the client polls (or by time),
 * Retry-After as a behaviour setting, Subscriptions_List/Get, App Service config/web and publishxml.
 */
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { Twin } from '../index.js';
import type { Json, TwinState } from '../src/contracts.js';
import { loadScenario, rgId, withTwin, apimClient as apim, webClient as web } from './helpers.js';

const RG = 'rg-demo';

/** A raw request through the APIM client's pipeline (bearer token for the twin's ARM, same retry policies). */
function send(client: ApiManagementClient, method: 'GET', url: string): Promise<PipelineResponse> {
  return client.sendRequest(createPipelineRequest({ url, method }));
}

function parse(r: PipelineResponse): Json {
  return JSON.parse(r.bodyAsText ?? '{}') as Json;
}

const apimPath = (state: TwinState): string => `${rgId(state)}/providers/Microsoft.ApiManagement/service/apim-x`;

/** The PATCH that adds SystemAssigned (keeping the scenario's user-assigned identity, values `{}`). */
function identityPatch(state: TwinState): Json {
  const svc = state.resources[apimPath(state)]!;
  const uai = Object.keys((svc['identity'] as { userAssignedIdentities: object }).userAssignedIdentities)[0]!;
  return { identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [uai]: {} } } };
}

async function patchService(twin: Twin, state: TwinState, client: ApiManagementClient): Promise<PipelineResponse> {
  const url = `${twin.armEndpoint}${apimPath(state)}?api-version=2024-05-01`;
  const req = createPipelineRequest({ url, method: 'PATCH', body: JSON.stringify(identityPatch(state)) });
  req.headers.set('content-type', 'application/json');
  return client.sendRequest(req);
}

function serviceState(body: Json): { provisioningState: unknown; principalId: unknown } {
  return {
    provisioningState: (body['properties'] as Json)['provisioningState'],
    principalId: (body['identity'] as Json)['principalId']
  };
}

describe('twin: APIM long-running operation, whichever URL is polled', () => {
  it('completes for a client that polls only the resource itself, after lroPolls polls', async () => {
    const state = loadScenario('drifted');
    state.behaviour.lroPolls = 2;
    await withTwin(state, async (twin) => {
      const client = apim(twin, state);
      const patch = await patchService(twin, state, client);
      expect(patch.status).toBe(202);
      expect(patch.headers.get('azure-asyncoperation')).toContain('/operationresults/');
      expect(patch.headers.get('location')).toContain('/operationresults/');
      expect(patch.headers.get('retry-after')).toBeUndefined(); // default: no Retry-After, as before

      const seen: { provisioningState: unknown; principalId: unknown }[] = [];
      for (let i = 0; i < 3; i++) {
        const svc = await client.apiManagementService.get(RG, 'apim-x');
        seen.push({ provisioningState: svc.provisioningState, principalId: svc.identity?.principalId });
      }
      expect(seen[0]).toEqual({ provisioningState: 'Updating', principalId: undefined });
      expect(seen[1]).toEqual({ provisioningState: 'Updating', principalId: undefined });
      expect(seen[2]!.provisioningState).toBe('Succeeded');
      expect(seen[2]!.principalId).toMatch(/^[0-9a-f-]{36}$/);
      // Nobody polled the operation URLs; once done, they say so too.
      expect(twin.requests().filter((r) => r.url.includes('/operationresults/'))).toHaveLength(0);
      const op = await send(client, 'GET', patch.headers.get('azure-asyncoperation')!);
      expect(parse(op)['status']).toBe('Succeeded');
      expect(twin.getState().servicePrincipals?.some((sp) => sp.id === seen[2]!.principalId)).toBe(true);
    });
  });

  it('completes for a client that polls only the Location URL (202 lroPolls times, then 200 with the resource)', async () => {
    const state = loadScenario('drifted');
    state.behaviour.lroPolls = 1;
    await withTwin(state, async (twin) => {
      const client = apim(twin, state);
      const patch = await patchService(twin, state, client);
      const location = patch.headers.get('location')!;
      const first = await send(client, 'GET', location);
      expect(first.status).toBe(202);
      const second = await send(client, 'GET', location);
      expect(second.status).toBe(200);
      expect(serviceState(parse(second)).provisioningState).toBe('Succeeded');
      expect(serviceState(parse(second)).principalId).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  it('completes lroMs after the PATCH with nobody polling (lroPolls not reached)', async () => {
    const state = loadScenario('drifted');
    state.behaviour.lroPolls = 1000;
    state.behaviour.lroMs = 300;
    await withTwin(state, async (twin) => {
      const client = apim(twin, state);
      await patchService(twin, state, client);
      const during = await client.apiManagementService.get(RG, 'apim-x');
      expect(during.provisioningState).toBe('Updating');
      expect(during.identity?.type).toBe('UserAssigned'); // the old values while it runs
      await new Promise((r) => setTimeout(r, 400));
      // Done by time: /state shows it without any further request.
      expect(serviceState(twin.getState().resources[apimPath(state)]!).provisioningState).toBe('Succeeded');
      const after = await client.apiManagementService.get(RG, 'apim-x');
      expect(after.provisioningState).toBe('Succeeded');
      expect(after.identity?.type).toBe('SystemAssigned, UserAssigned');
      expect(after.identity?.principalId).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  it('sends Retry-After when lroRetryAfterSeconds is set, and the SDK poller honours it', async () => {
    const state = loadScenario('drifted');
    // 2: beginUpdate polls once and pollUntilDone polls again at once (core-lro), so only a third poll waits.
    state.behaviour.lroPolls = 2;
    state.behaviour.lroRetryAfterSeconds = 1;
    await withTwin(state, async (twin) => {
      const client = apim(twin, state);
      const patch = await patchService(twin, state, client);
      expect(patch.headers.get('retry-after')).toBe('1');
      const op = patch.headers.get('azure-asyncoperation')!;
      const running = await send(client, 'GET', op);
      expect(parse(running)['status']).toBe('InProgress');
      expect(running.headers.get('retry-after')).toBe('1');
      const location = await send(client, 'GET', patch.headers.get('location')!);
      expect(location.status).toBe(202);
      expect(location.headers.get('retry-after')).toBe('1');
      await send(client, 'GET', op); // the operation URL's second (last) InProgress
      const done = await send(client, 'GET', op);
      expect(parse(done)['status']).toBe('Succeeded');
      expect(done.headers.get('retry-after')).toBeUndefined();

      // The SDK asks for updateIntervalInMs 10, but the InProgress answers say 1 s: the third poll waits ~1 s.
      const t0 = Date.now();
      const svc = await client.apiManagementService.beginUpdateAndWait(
        RG,
        'apim-x',
        { identity: { type: 'SystemAssigned' } },
        { updateIntervalInMs: 10 }
      );
      expect(svc.identity?.type).toBe('SystemAssigned');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    });
  });
});

describe('twin: subscriptions (Subscriptions_List / Subscriptions_Get)', () => {
  it('lists the state subscription, gets it, and answers 404 SubscriptionNotFound for another ID', async () => {
    const state = loadScenario('drifted');
    await withTwin(state, async (twin) => {
      const client = apim(twin, state);
      const list = await send(client, 'GET', `${twin.armEndpoint}/subscriptions?api-version=2022-12-01`);
      expect(list.status).toBe(200);
      const value = parse(list)['value'] as Json[];
      expect(value).toHaveLength(1);
      expect(value[0]).toMatchObject({
        id: `/subscriptions/${state.subscriptionId}`,
        subscriptionId: state.subscriptionId,
        tenantId: state.tenantId,
        state: 'Enabled'
      });
      expect(typeof value[0]!['displayName']).toBe('string');
      const got = await send(
        client,
        'GET',
        `${twin.armEndpoint}/subscriptions/${state.subscriptionId}?api-version=2022-12-01`
      );
      expect(got.status).toBe(200);
      expect(parse(got)).toEqual(value[0]);
      const other = await send(
        client,
        'GET',
        `${twin.armEndpoint}/subscriptions/00000000-0000-4000-8000-000000000000?api-version=2022-12-01`
      );
      expect(other.status).toBe(404);
      expect((parse(other)['error'] as Json)['code']).toBe('SubscriptionNotFound');
    });
  });
});

function withSlot(state: TwinState): TwinState {
  const site = `${rgId(state)}/providers/Microsoft.Web/sites/func-x`;
  state.resources[`${site}/slots/staging`] = {
    id: `${site}/slots/staging`,
    name: 'func-x/staging',
    type: 'Microsoft.Web/sites/slots',
    kind: 'functionapp',
    location: 'West Europe',
    properties: {
      state: 'Running',
      defaultHostName: 'func-x-staging.azurewebsites.net',
      siteConfig: { linuxFxVersion: '', minTlsVersion: '1.3' }
    }
  };
  return state;
}

async function text(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream!) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

describe('twin: App Service config/web and publishxml', () => {
  it('serves config/web for a site and a slot (WebApps_GetConfiguration), built from the site', async () => {
    const state = withSlot(loadScenario('drifted'));
    await withTwin(state, async (twin) => {
      const client = web(twin, state);
      const cfg = await client.webApps.getConfiguration(RG, 'func-x');
      expect(cfg.id).toBe(`${rgId(state)}/providers/Microsoft.Web/sites/func-x/config/web`);
      expect(cfg.name).toBe('web');
      expect(cfg.type).toBe('Microsoft.Web/sites/config');
      expect(cfg.kind).toBe('functionapp');
      expect(cfg.healthCheckPath).toBe('/api/health'); // from the site's own siteConfig
      expect(cfg.netFrameworkVersion).toBe('v4.0');
      expect(cfg.minTlsVersion).toBe('1.2');
      expect(cfg.ftpsState).toBe('AllAllowed');
      expect(cfg.http20Enabled).toBe(false);
      expect(cfg.alwaysOn).toBe(false);
      expect(cfg.linuxFxVersion).toBe('');
      const slot = await client.webApps.getConfigurationSlot(RG, 'func-x', 'staging');
      expect(slot.type).toBe('Microsoft.Web/sites/slots/config');
      expect(slot.minTlsVersion).toBe('1.3');
      const e = await client.webApps.getConfiguration(RG, 'func-nope').then(
        () => undefined,
        (err: { statusCode?: number }) => err
      );
      expect(e?.statusCode).toBe(404);
    });
  });

  it('returns a publish profile (placeholders, no secrets) for a site and a slot', async () => {
    const state = withSlot(loadScenario('drifted'));
    await withTwin(state, async (twin) => {
      const client = web(twin, state);
      const res = await client.webApps.listPublishingProfileXmlWithSecrets(RG, 'func-x', { format: 'WebDeploy' });
      const xml = await text(res.readableStreamBody);
      expect(xml.startsWith('<publishData>')).toBe(true);
      expect(xml).toContain('publishMethod="MSDeploy" publishUrl="func-x.scm.azurewebsites.net:443"');
      expect(xml).toContain('publishMethod="FTP"');
      expect(xml).toContain('publishMethod="ZipDeploy"');
      expect(xml).toContain('userName="$func-x"');
      expect(xml).toContain('destinationAppUrl="https://func-x.azurewebsites.net"');
      expect(xml).toContain('userPWD="twin-placeholder-not-a-secret"');
      const slot = await client.webApps.listPublishingProfileXmlWithSecretsSlot(RG, 'func-x', 'staging', {
        format: 'WebDeploy'
      });
      const slotXml = await text(slot.readableStreamBody);
      expect(slotXml).toContain('msdeploySite="func-x__staging"');
      expect(slotXml).toContain('publishUrl="func-x-staging.scm.azurewebsites.net:443"');
    });
  });

  it('refuses publishxml outside the identity scopes (403 AuthorizationFailed) while config/web stays a read', async () => {
    const state = withSlot(loadScenario('drifted'));
    state.workflowIdentity.scopes = [`${rgId(state)}/providers/Microsoft.ApiManagement/service/apim-x`];
    await withTwin(state, async (twin) => {
      const client = web(twin, state);
      const cfg = await client.webApps.getConfiguration(RG, 'func-x'); // Microsoft.Web/sites/config/read
      expect(cfg.name).toBe('web');
      const site = `${twin.armEndpoint}${rgId(state)}/providers/Microsoft.Web/sites/func-x`;
      for (const [call, url, act] of [
        [
          () => client.webApps.listPublishingProfileXmlWithSecrets(RG, 'func-x', { format: 'WebDeploy' }),
          `${site}/publishxml`,
          'Microsoft.Web/sites/publishxml/action'
        ],
        [
          () =>
            client.webApps.listPublishingProfileXmlWithSecretsSlot(RG, 'func-x', 'staging', { format: 'WebDeploy' }),
          `${site}/slots/staging/publishxml`,
          'Microsoft.Web/sites/slots/publishxml/action'
        ]
      ] as const) {
        const e = await call().then(
          () => undefined,
          (err: { statusCode?: number }) => err
        );
        expect(e?.statusCode).toBe(403);
        // The SDK does not read the error body of a streamed (XML) operation: read it through a raw request.
        const req = createPipelineRequest({
          url: `${url}?api-version=2025-05-01`,
          method: 'POST',
          body: '{"format":"WebDeploy"}'
        });
        req.headers.set('content-type', 'application/json');
        const raw = await apim(twin, state).sendRequest(req);
        expect(raw.status).toBe(403);
        const err = parse(raw)['error'] as Json;
        expect(err['code']).toBe('AuthorizationFailed');
        expect(err['message']).toContain(`'${act}'`);
      }
    });
  });
});
