/**
 * The N-target scenario generator (emulator/src/scenario-gen.ts): the copies are distinct APIM services and
 * Function Apps with their own identities, each in the source's state, read through the real SDK clients. The CLI's
 * --targets/--targets-file flags are tested in ./cli.test.ts (it spawns processes).
 */
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { generateTargets, targetsYaml } from '../src/scenario-gen.js';
import { apimClient, loadScenario, webClient, withTwin } from './helpers.js';

describe('generateTargets', () => {
  it('copies the in-sync target into N distinct services, sites, app registrations and APIM principals', async () => {
    const { state, targets } = generateTargets(loadScenario('in-sync'), 3);
    expect(targets.map((t) => [t.name, t.apimName, t.functionAppName])).toEqual([
      ['target-001', 'apim-t001', 'func-t001'],
      ['target-002', 'apim-t002', 'func-t002'],
      ['target-003', 'apim-t003', 'func-t003']
    ]);
    expect(new Set(targets.map((t) => t.appClientId)).size).toBe(3);
    expect(state.appRegistrations.map((a) => a.appId).sort()).toEqual(targets.map((t) => t.appClientId).sort());
    const ids = Object.keys(state.resources);
    expect(ids.some((id) => /apim-x|func-x/.test(id))).toBe(false);
    await withTwin(state, async (twin) => {
      const apim = apimClient(twin, state);
      const web = webClient(twin, state);
      const principals = new Set<string>();
      for (const t of targets) {
        const svc = await apim.apiManagementService.get('rg-demo', t.apimName);
        expect(svc.identity?.type).toBe('SystemAssigned, UserAssigned');
        principals.add(svc.identity!.principalId!);
        const site = await web.webApps.get('rg-demo', t.functionAppName);
        expect(site.defaultHostName).toBe(twin.hostMap[`${t.functionAppName}.azurewebsites.net`]);
        const auth = await web.webApps.getAuthSettingsV2('rg-demo', t.functionAppName);
        // Easy Auth accepts this copy's app and this copy's APIM identity (the source's are renamed with it).
        expect(auth.identityProviders?.azureActiveDirectory?.registration?.clientId).toBe(t.appClientId);
        const allowed = auth.identityProviders?.azureActiveDirectory?.validation?.defaultAuthorizationPolicy;
        expect(allowed?.allowedPrincipals?.identities).toEqual([svc.identity!.principalId]);
        const policy = await apim.apiPolicy.getEntityTag('rg-demo', t.apimName, 'orders', 'policy');
        expect(policy.eTag).toBeTruthy();
      }
      expect(principals.size).toBe(3);
      // Each copy has its own gateway and Function host listener.
      const hosts = targets.flatMap((t) => [
        twin.hostMap[`${t.apimName}.azure-api.net`],
        twin.hostMap[`${t.functionAppName}.azurewebsites.net`]
      ]);
      expect(new Set(hosts).size).toBe(6);
    });
  });

  it('keeps the drifted state in every copy, and refuses a count out of range', () => {
    const { state, targets } = generateTargets(loadScenario('drifted'), 2);
    for (const t of targets) {
      const svc = state.resources[
        `/subscriptions/${state.subscriptionId}/resourceGroups/rg-demo/providers/Microsoft.ApiManagement/service/${t.apimName}`
      ] as { identity: { type: string } };
      expect(svc.identity.type).toBe('UserAssigned');
    }
    expect(() => generateTargets(loadScenario('drifted'), 0)).toThrow(/1 to 500/);
    expect(() => generateTargets(loadScenario('drifted'), 501)).toThrow(/1 to 500/);
  });

  it('writes a targets file the action reads: shared values under defaults, one entry per target', () => {
    const { targets } = generateTargets(loadScenario('drifted'), 2);
    const doc = parse(targetsYaml(targets, { 'smoke-path': '/orders' })) as {
      defaults: Record<string, unknown>;
      targets: Record<string, unknown>[];
    };
    expect(doc.defaults).toEqual({
      'subscription-id': targets[0]!.subscriptionId,
      'apim-resource-group': 'rg-demo',
      'api-ids': ['orders'],
      'smoke-path': '/orders'
    });
    expect(doc.targets.map((t) => t.name)).toEqual(['target-001', 'target-002']);
    expect(doc.targets[1]).toEqual({
      name: 'target-002',
      'apim-name': 'apim-t002',
      'function-app-name': 'func-t002',
      'app-client-id': targets[1]!.appClientId
    });
  });
});
