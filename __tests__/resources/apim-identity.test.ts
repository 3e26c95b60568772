import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apimPrincipal, planApimIdentity } from '../../src/resources/apim-identity.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const armDir = path.resolve(repoRoot, '../shared/fixtures/arm');
const SID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim-x';
const UAI_A = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-a';
const UAI_B = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-b';
const uai = (n: number) => ({
  principalId: `0000000${n}-1111-2222-3333-444444444444`,
  clientId: `0000000${n}-aaaa-bbbb-cccc-dddddddddddd`
});

describe('planApimIdentity (C09)', () => {
  it.each([
    ['missing identity', undefined, 'None', { identity: { type: 'SystemAssigned' } }],
    ['None', { type: 'None' }, 'None', { identity: { type: 'SystemAssigned' } }],
    [
      'UserAssigned (one UAI, read-only values dropped)',
      { type: 'UserAssigned', userAssignedIdentities: { [UAI_A]: uai(1) } },
      'UserAssigned',
      { identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [UAI_A]: {} } } }
    ],
    [
      'UserAssigned (two UAIs)',
      { type: 'UserAssigned', userAssignedIdentities: { [UAI_A]: uai(1), [UAI_B]: uai(2) } },
      'UserAssigned',
      { identity: { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { [UAI_A]: {}, [UAI_B]: {} } } }
    ]
  ])('%s → PATCH with exactly the identity', (_name, identity, before, body) => {
    const service = { name: 'apim-x', ...(identity ? { identity } : {}) };
    const plan = planApimIdentity(SID, service);
    expect(plan.kind).toBe('apim-identity');
    expect(plan.resourceId).toBe(SID);
    expect(plan.changes).toEqual([{ path: 'identity.type', before, after: body.identity.type }]);
    expect(plan.write).toEqual({ op: 'patch-apim-identity', body });
    expect(JSON.stringify(plan.write)).not.toMatch(/principalId|clientId/);
    const n = Object.keys((body.identity as { userAssignedIdentities?: object }).userAssignedIdentities ?? {}).length;
    if (n > 0) expect(plan.notes).toContain(`preserved ${n} user-assigned identity(ies)`);
    else expect(plan.notes.join(' ')).not.toMatch(/preserved/);
  });

  it.each([
    ['SystemAssigned', { type: 'SystemAssigned', principalId: 'p' }],
    [
      'SystemAssigned, UserAssigned',
      { type: 'SystemAssigned, UserAssigned', principalId: 'p', userAssignedIdentities: { [UAI_A]: uai(1) } }
    ],
    [
      'SystemAssigned,UserAssigned (no space)',
      { type: 'SystemAssigned,UserAssigned', principalId: 'p', userAssignedIdentities: { [UAI_A]: uai(1) } }
    ]
  ])('%s is already a superset → no change, never narrowed', (_n, identity) => {
    const plan = planApimIdentity(SID, { identity });
    expect(plan.changes).toEqual([]);
    expect(plan.write).toBeUndefined();
  });

  it('idempotent: the PATCH merged into the service plans no change', () => {
    const service = { identity: { type: 'UserAssigned', userAssignedIdentities: { [UAI_A]: uai(1) } } };
    const plan = planApimIdentity(SID, service);
    if (plan.write?.op !== 'patch-apim-identity') throw new Error('expected a PATCH');
    const after = { identity: { ...service.identity, type: plan.write.body.identity.type, principalId: 'new-oid' } };
    expect(planApimIdentity(SID, after).changes).toEqual([]);
    expect(apimPrincipal(after)).toEqual({ principalId: 'new-oid', userAssigned: [{ resourceId: UAI_A, ...uai(1) }] });
  });
});

describe('apimPrincipal', () => {
  it.each([
    [{}, { principalId: undefined, userAssigned: [] }],
    [{ identity: { type: 'None' } }, { principalId: undefined, userAssigned: [] }],
    [
      { identity: { type: 'UserAssigned', principalId: 'stale', userAssignedIdentities: { [UAI_A]: {} } } },
      { principalId: undefined, userAssigned: [{ resourceId: UAI_A, principalId: undefined, clientId: undefined }] }
    ],
    [{ identity: { type: 'SystemAssigned', principalId: 'oid' } }, { principalId: 'oid', userAssigned: [] }]
  ])('%j → %j', (service, expected) => {
    expect(apimPrincipal(service)).toEqual(expected);
  });

  const d = existsSync(armDir) ? describe : describe.skip;
  if (!existsSync(armDir)) console.warn('SKIPPED apim-identity fixture tests: ../shared absent');
  d('with the ARM example (apim-service-get-msi.json)', () => {
    it('reads principalId and the user-assigned identity; plans no change', () => {
      const fx = JSON.parse(readFileSync(path.join(armDir, 'apim-service-get-msi.json'), 'utf8'));
      const body = fx.responses['200'].body;
      const p = apimPrincipal(body);
      expect(p.principalId).toBe(body.identity.principalId);
      expect(p.userAssigned).toHaveLength(1);
      expect(p.userAssigned[0].clientId).toBe(
        Object.values<{ clientId: string }>(body.identity.userAssignedIdentities)[0].clientId
      );
      expect(planApimIdentity(body.id, body).changes).toEqual([]);
    });
  });
});
