import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { startEmulator, type Twin } from '../index.js';
import type { Json, TwinState } from '../src/contracts.js';
import { applyEnv, loadScenario, sharedDir, trustTwin, workflowCredential } from './helpers.js';

const dir = path.join(sharedDir, 'fixtures', 'arm');
const d = existsSync(dir) ? describe : describe.skip;
if (!existsSync(dir)) console.warn('SKIPPED emulator fixtures tests: ../shared absent');

/** The 200 body of a spec example, re-homed into the twin's subscription (IDs only). */
function fixtureBody(file: string, sub: string): Json {
  const ex = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
    parameters: { subscriptionId: string };
    responses: Record<string, { body: Json }>;
  };
  return JSON.parse(JSON.stringify(ex.responses['200']!.body).split(ex.parameters.subscriptionId).join(sub)) as Json;
}

d('twin: real ARM examples round-trip through the SDKs', () => {
  let twin: Twin;
  let state: TwinState;
  let restore: () => void;
  const bodies: Record<string, Json> = {};
  beforeAll(async () => {
    state = loadScenario('drifted');
    state.resources = {};
    for (const f of [
      'apim-service-get.json',
      'apim-api-get.json',
      'web-site-get.json',
      'web-authsettingsv2-list.json'
    ]) {
      const b = fixtureBody(f, state.subscriptionId);
      bodies[f] = b;
      state.resources[String(b['id'])] = b;
    }
    state.workflowIdentity.scopes = [`/subscriptions/${state.subscriptionId}`];
    twin = await startEmulator(state);
    trustTwin(twin.caPem);
    restore = applyEnv(twin);
  });
  afterAll(async () => {
    restore();
    await twin.stop();
  });

  it('deserializes the APIM service and API examples', async () => {
    const client = new ApiManagementClient(workflowCredential(twin, state), state.subscriptionId, {
      endpoint: twin.armEndpoint,
      credentialScopes: [`${twin.armEndpoint}/.default`]
    });
    const svcBody = bodies['apim-service-get.json']!;
    const [, , , , rg, , , , name] = String(svcBody['id']).split('/');
    const svc = await client.apiManagementService.get(rg!, name!);
    expect(svc.identity?.type).toBe((svcBody['identity'] as { type: string }).type);
    expect(svc.publisherEmail).toBe((svcBody['properties'] as { publisherEmail: string }).publisherEmail);
    expect(Object.keys(svc.identity?.userAssignedIdentities ?? {})).toEqual(
      Object.keys((svcBody['identity'] as { userAssignedIdentities?: object }).userAssignedIdentities ?? {})
    );
    const apiBody = bodies['apim-api-get.json']!;
    const apiParts = String(apiBody['id']).split('/');
    const api = await client.api.get(apiParts[4]!, apiParts[8]!, apiParts[10]!);
    expect(api.serviceUrl).toBe((apiBody['properties'] as { serviceUrl: string }).serviceUrl);
    expect(api.path).toBe((apiBody['properties'] as { path: string }).path);
  });

  it('deserializes the site and authsettingsV2 examples', async () => {
    const client = new WebSiteManagementClient(workflowCredential(twin, state), state.subscriptionId, {
      endpoint: twin.armEndpoint,
      credentials: { scopes: [`${twin.armEndpoint}/.default`] }
    });
    const siteBody = bodies['web-site-get.json']!;
    const parts = String(siteBody['id']).split('/');
    const site = await client.webApps.get(parts[4]!, parts[8]!);
    expect(site.kind).toBe(siteBody['kind']);
    const authBody = bodies['web-authsettingsv2-list.json']!;
    const ap = String(authBody['id']).split('/');
    const auth = await client.webApps.getAuthSettingsV2(ap[4]!, ap[8]!);
    const props = authBody['properties'] as {
      globalValidation: { excludedPaths: string[] };
      identityProviders: { google: { registration: { clientId: string } } };
    };
    expect(auth.globalValidation?.excludedPaths).toEqual(props.globalValidation.excludedPaths);
    expect(auth.identityProviders?.google?.registration?.clientId).toBe(
      props.identityProviders.google.registration.clientId
    );
  });
});
