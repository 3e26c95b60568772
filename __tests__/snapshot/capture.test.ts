/**
 * Taking and recording a snapshot (src/snapshot/capture.ts), its file store (src/snapshot/file.ts), and the whole
 * per-target flow in-process (reconcileTarget with plain-object ports, src/target.ts): the snapshot is saved before the
 * first write and records what each write left; `on-failure: restore` after a failed apply puts Easy Auth back and
 * keeps the identity; `keep` leaves it; `mode: restore` refuses a foreign snapshot before any read.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WriteRecord } from '../../src/apply.js';
import { readSettings } from '../../src/inputs.js';
import { ArmError, type Json, type SnapshotStore } from '../../src/ports.js';
import { recordWrite, scrubSnapshot } from '../../src/snapshot/capture.js';
import { fileSnapshotStore } from '../../src/snapshot/file.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { scrubDeep } from '../../src/secrets.js';
import { reconcileTarget } from '../../src/target.js';
import type { Write } from '../../src/types.js';
import { baseInputs, scenario } from '../../scripts/action-runner.js';
import { fakeArm, fakePorts, recordingLog } from '../support/fake-ports.js';
import { easyAuthEntry, policyEntry, snapshotOf } from '../support/snapshots.js';

const NOW = new Date('2026-02-03T04:05:06.000Z');

function record(snapshot: Snapshot, kind: 'easy-auth' | 'api-policy', rec: Partial<WriteRecord>): Snapshot {
  const r = snapshot.resources.find((x) => x.kind === kind)!;
  const write: Write =
    kind === 'easy-auth'
      ? { op: 'put-authsettings-v2', body: { properties: { sent: true } }, ownedPaths: [] }
      : {
          op: 'put-api-policy',
          apiId: 'orders',
          value: '<policies>sent</policies>',
          format: 'rawxml',
          ifMatch: '"e1"'
        };
  return recordWrite(
    snapshot,
    {
      rp: { kind, resourceId: r.resourceId, label: r.label, changes: [], notes: [] },
      write,
      fresh: {},
      state: 'verified',
      ...rec
    },
    NOW
  );
}

describe('recordWrite', () => {
  it('Easy Auth: the read-back first, else the response, else what was sent; `before` becomes the fresh read', () => {
    const s = snapshotOf([easyAuthEntry({ a: 1 })]);
    const fresh = { properties: { a: 2 } };
    const rb = record(s, 'easy-auth', {
      fresh,
      readBack: { properties: { rb: 1 } },
      response: { properties: { r: 1 } }
    });
    expect(rb.resources[0]).toMatchObject({
      before: { properties: { a: 2 } },
      after: { state: 'verified', document: { properties: { rb: 1 } }, source: 'read-back', at: NOW.toISOString() }
    });
    const resp = record(s, 'easy-auth', { response: { properties: { r: 1 } }, state: 'written-unverified' });
    expect(resp.resources[0].after).toMatchObject({ document: { properties: { r: 1 } }, source: 'response' });
    const sent = record(s, 'easy-auth', { state: 'unknown' });
    expect(sent.resources[0]).toMatchObject({
      before: { properties: { a: 1 } },
      after: { state: 'unknown', document: { properties: { sent: true } }, source: 'sent' }
    });
    expect(s.resources[0].after).toBeUndefined(); // the input is not changed
  });

  it('a policy keeps the ETag the write returned, and the rawxml text of the read-back (never the xml view)', () => {
    const s = snapshotOf([policyEntry('<policies />', '"e1"')]);
    const r = record(s, 'api-policy', {
      response: { value: '&lt;policies&gt;', format: 'rawxml', etag: '"e2"' },
      readBack: { value: '<policies>stored</policies>', format: 'rawxml', etag: '"e3"' }
    });
    expect(r.resources[0].after?.document).toEqual({ value: '<policies>stored</policies>', etag: '"e2"' });
    const noReadBack = record(s, 'api-policy', { response: { value: 'x', format: 'rawxml', etag: '"e2"' } });
    expect(noReadBack.resources[0].after).toMatchObject({
      document: { value: '<policies>sent</policies>', etag: '"e2"' },
      source: 'response'
    });
  });
});

describe('scrubSnapshot', () => {
  it('marks a resource whose copy the scrub changed, and leaves the others exact', () => {
    const s = snapshotOf([easyAuthEntry({ note: 'key=SECRET-123' }), policyEntry('<policies />', '"e1"')]);
    const out = scrubSnapshot(s, (v) => scrubDeep(v, ['SECRET-123']));
    expect(out.resources[0]).toMatchObject({ scrubbed: true, before: { properties: { note: 'key=***' } } });
    expect(out.resources[1]).toEqual(s.resources[1]);
  });
});

describe('fileSnapshotStore', () => {
  it('saves owner-only under its folder, scrubbed, and loads what it saved; a missing or broken file is an ActionError', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'afa-store-'));
    try {
      const store = fileSnapshotStore(path.join(dir, 'apim-function-auth'), (v) => scrubDeep(v, ['SECRET-123']));
      const s = snapshotOf([easyAuthEntry({ note: 'SECRET-123' })]);
      const { path: file, json } = await store.save(s);
      expect(path.dirname(file)).toBe(path.join(dir, 'apim-function-auth'));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toBe(json);
      expect(json).not.toContain('SECRET-123');
      expect(await store.load(file)).toEqual(JSON.parse(json));
      await expect(store.load(path.join(dir, 'nope.json'))).rejects.toThrow(/cannot be read: no such file/);
      writeFileSync(path.join(dir, 'bad.json'), '{');
      await expect(store.load(path.join(dir, 'bad.json'))).rejects.toThrow(/cannot be read: it is not JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A SnapshotStore in memory: every save, by path. */
function memoryStore() {
  const saves: Snapshot[] = [];
  const files = new Map<string, unknown>();
  const store: SnapshotStore = {
    async save(s) {
      saves.push(structuredClone(s));
      const json = JSON.stringify(s);
      files.set('/mem/snap.json', JSON.parse(json));
      return { path: '/mem/snap.json', json };
    },
    async load(p) {
      if (!files.has(p)) throw new Error(`no ${p}`);
      return files.get(p);
    }
  };
  return { store, saves, files };
}

const settingsFor = (state: ReturnType<typeof scenario>, extra: Record<string, string>) => {
  const inputs: Record<string, string> = { ...baseInputs(state), ...extra };
  return readSettings((name) => inputs[name] ?? '');
};

describe('reconcileTarget with a snapshot (in-process)', () => {
  it('saves the snapshot before the first write and records each write after it', async () => {
    const state = scenario('drifted');
    const f = fakeArm(state);
    const mem = memoryStore();
    const order: string[] = [];
    const realPatch = f.arm.patchApimService;
    f.arm.patchApimService = async (b) => {
      order.push(`write after ${mem.saves.length} save(s)`);
      return realPatch(b);
    };
    const { log } = recordingLog();
    const r = await reconcileTarget(settingsFor(state, { mode: 'apply' }), {
      ...fakePorts(f.arm, log),
      snapshots: mem.store
    });
    expect(order).toEqual(['write after 1 save(s)']);
    expect(mem.saves[0].resources.map((x) => [x.kind, x.after])).toEqual([
      ['apim-identity', undefined],
      ['easy-auth', undefined],
      ['api-policy', undefined]
    ]);
    expect(mem.saves.at(-1)!.resources.map((x) => x.after?.state)).toEqual(['verified', 'verified', 'verified']);
    expect(r.snapshotPath).toBe('/mem/snap.json');
    expect(r.report.snapshot?.path).toBe('/mem/snap.json');
  });

  it('a snapshot that cannot be saved stops the run before any write', async () => {
    const state = scenario('drifted');
    const f = fakeArm(state);
    const { log } = recordingLog();
    const store: SnapshotStore = {
      save: async () => {
        throw new Error('EROFS: read-only file system');
      },
      load: async () => ({})
    };
    // Refused after the plan was built: a failed result that carries the plan, marked not applied (issue #12).
    const r = await reconcileTarget(settingsFor(state, { mode: 'apply' }), {
      ...fakePorts(f.arm, log),
      snapshots: store
    });
    expect(r.failed).toBe(true);
    expect(r.failure).toMatch(/Nothing was changed: the snapshot of this target could not be written .*EROFS/);
    expect(r.report.stoppedBeforeWrites).toBe(true);
    expect(r.report.applied.map((a) => a.state)).toEqual(['not-written', 'not-written', 'not-written']);
    expect(f.writes()).toEqual([]);
  });

  it.each([
    ['restore', true],
    ['keep', false]
  ] as const)('apply fails at the policy after Easy Auth was written: on-failure %s', async (onFailure, restores) => {
    const state = scenario('drifted');
    const easyAuthBefore = structuredClone(
      Object.entries(state.resources).find(([k]) => k.endsWith('authsettingsV2'))![1].properties
    );
    const f = fakeArm(state, {
      putApiPolicy: () => {
        throw new ArmError('PUT policy → 400', 400, 'ValidationError', 'policy');
      }
    });
    const { log } = recordingLog();
    const r = await reconcileTarget(
      settingsFor(state, { mode: 'apply', 'on-failure': onFailure }),
      fakePorts(f.arm, log)
    );
    const easyAuthNow = (f.resources[`${f.ids.site}/config/authsettingsV2`] as Json).properties;
    expect(r.failed).toBe(true);
    if (restores) {
      expect(f.writes()).toEqual(['patchApimService', 'putAuthSettingsV2', 'putApiPolicy', 'putAuthSettingsV2']);
      expect(easyAuthNow).toEqual(easyAuthBefore);
      expect(r.report.restore?.items.map((i) => [i.label, i.state])).toEqual([
        ['APIM apim-x identity', 'kept'],
        ['Easy Auth func-x', 'restored'],
        ['API policy orders', 'unchanged']
      ]);
      expect(r.failure).toMatch(
        /On failure \(restore\): restored: Easy Auth func-x; already as before: API policy orders; kept: APIM apim-x identity/
      );
    } else {
      expect(f.writes()).toEqual(['patchApimService', 'putAuthSettingsV2', 'putApiPolicy']);
      expect(easyAuthNow).not.toEqual(easyAuthBefore);
      expect(r.report.restore).toBeUndefined();
    }
  });

  it('mode restore refuses a snapshot of another target before any read', async () => {
    const state = scenario('drifted');
    const f = fakeArm(state);
    const mem = memoryStore();
    mem.files.set('/mem/other.json', { ...snapshotOf(), target: { ...snapshotOf().target, apimName: 'apim-prod' } });
    const { log } = recordingLog();
    await expect(
      reconcileTarget(settingsFor(state, { mode: 'restore', snapshot: '/mem/other.json' }), {
        ...fakePorts(f.arm, log),
        snapshots: mem.store
      })
    ).rejects.toThrow(/Nothing was changed: the snapshot \/mem\/other\.json is of another target/);
    expect(f.calls).toEqual([]);
  });
});

describe('inputs', () => {
  it('mode restore needs input snapshot; on-failure is keep or restore (default keep)', () => {
    const state = scenario('drifted');
    expect(() => settingsFor(state, { mode: 'restore' })).toThrow(/- snapshot: is required with mode: restore/);
    expect(settingsFor(state, { mode: 'restore', snapshot: '/tmp/s.json' }).snapshotPath).toBe('/tmp/s.json');
    expect(settingsFor(state, {}).onFailure).toBe('keep');
    expect(() => settingsFor(state, { 'on-failure': 'rollback' })).toThrow(
      /- on-failure: 'rollback' is not allowed; use one of keep, restore/
    );
    expect(() => settingsFor(state, { mode: 'restore', snapshot: '/tmp/' })).toThrow(/names a folder/);
  });
});
