/**
 * Reading the targets file from the workspace (src/targets/read.ts), and what a run over many targets shares
 * (src/targets/run.ts keyedLock; src/azure/session.ts targetPorts with a lock): the file stays inside the workspace,
 * and the APIM identity update holds its service's lock.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { targetPorts } from '../../src/azure/session.js';
import { readTargetsFile } from '../../src/targets/read.js';
import { keyedLock } from '../../src/targets/run.js';
import type { RunSettings, TargetSpec } from '../../src/types.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'afa-read-'));
const ws = path.join(root, 'ws');
mkdirSync(path.join(ws, '.github'), { recursive: true });
writeFileSync(path.join(ws, '.github/t.yml'), '\uFEFFtargets: []\n');
writeFileSync(path.join(root, 'outside.yml'), 'targets: []\n');
symlinkSync(path.join(root, 'outside.yml'), path.join(ws, 'link.yml'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('readTargetsFile', () => {
  it('reads a file of the workspace, without its byte order mark', () => {
    expect(readTargetsFile('.github/t.yml', ws)).toBe('targets: []\n');
  });

  it('refuses a file that is not UTF-8 (UTF-16, Latin-1) instead of reading replacement characters', () => {
    writeFileSync(path.join(ws, 'utf16.yml'), Buffer.from('\uFEFFtargets: []\n', 'utf16le'));
    writeFileSync(path.join(ws, 'latin1.yml'), Buffer.from('targets:\n  - name: caf\u00e9\n', 'latin1'));
    expect(() => readTargetsFile('utf16.yml', ws)).toThrow(/is UTF-16 text; save it as UTF-8/);
    expect(() => readTargetsFile('latin1.yml', ws)).toThrow(/is not UTF-8 text \(line 2\); save it as UTF-8/);
  });

  it('refuses a missing file, a folder, and a symbolic link that leads outside the workspace', () => {
    expect(() => readTargetsFile('nope.yml', ws)).toThrow(/was not found in the workspace .*actions\/checkout/);
    expect(() => readTargetsFile('.github', ws)).toThrow(/is not a file/);
    expect(() => readTargetsFile('link.yml', ws)).toThrow(/leads outside the workspace/);
  });
});

describe('keyedLock', () => {
  it('runs calls of one key one after another, in order; other keys at once; a failure releases the lock', async () => {
    const lock = keyedLock();
    const events: string[] = [];
    const step =
      (name: string, ms: number, fail = false) =>
      async () => {
        events.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      lock('a', step('a1', 20, true)),
      lock('a', step('a2', 5)),
      lock('b', step('b1', 5))
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(events.indexOf('start a2')).toBeGreaterThan(events.indexOf('end a1'));
    expect(events.indexOf('start b1')).toBeLessThan(events.indexOf('end a1'));
  });
});

describe('targetPorts with a lock', () => {
  it("the APIM identity's update (re-read, PATCH, read-back: exclusiveApimUpdate) holds the lock named by the service's ARM ID", async () => {
    const run = {
      endpoints: {
        armEndpoint: 'https://127.0.0.1:9',
        armScope: 'https://127.0.0.1:9/.default',
        authorityHost: 'https://127.0.0.1:9',
        graphEndpoint: 'https://127.0.0.1:9',
        graphScope: 'https://127.0.0.1:9/.default'
      }
    } as RunSettings;
    const spec = {
      subscriptionId: '22222222-2222-4222-8222-222222222222',
      apimResourceGroup: 'RG-Api',
      apimName: 'APIM-X',
      functionAppResourceGroup: 'rg',
      functionAppName: 'func-x',
      apiIds: [],
      smoke: {}
    } as unknown as TargetSpec;
    const keys: string[] = [];
    const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const ports = targetPorts(
      run,
      spec,
      { credential },
      {
        lock: async (key) => {
          keys.push(key);
          return { locked: key } as never;
        },
        log: { info: () => undefined, warning: () => undefined, debug: () => undefined }
      }
    );
    await expect(ports.arm.exclusiveApimUpdate!(async () => 'updated')).resolves.toEqual({
      locked:
        '/subscriptions/22222222-2222-4222-8222-222222222222/resourcegroups/rg-api/providers/microsoft.apimanagement/service/apim-x'
    });
    expect(keys).toHaveLength(1);
  });
});
