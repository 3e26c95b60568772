/**
 * The snapshot files on the runner (SnapshotStore): `${RUNNER_TEMP}/apim-function-auth/snapshot-<apim>-<site>[-<slot>]-
 * <hash>.json`, one per target (the hash tells apart targets whose names repeat across subscriptions, resource
 * groups or API sets), written owner-only (0600) and atomically (temporary file, then rename), scrubbed of the run's
 * secrets first. RUNNER_TEMP is emptied at the end of every job (GitHub Docs, "Variables reference": RUNNER_TEMP), so
 * keeping a snapshot means uploading it (README: actions/upload-artifact).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ActionError } from '../errors.js';
import type { SnapshotStore } from '../ports.js';
import { scrubSnapshot } from './capture.js';
import type { Snapshot, SnapshotTarget } from './schema.js';

/** Largest snapshot file read back (bytes): a policy document is at most a few hundred KiB. */
export const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;

/** The folder snapshots go in: `<runnerTemp or the OS temp folder>/apim-function-auth`. */
export function snapshotDir(runnerTemp: string | undefined): string {
  return path.join(runnerTemp || os.tmpdir(), 'apim-function-auth');
}

/**
 * The file name of a target's snapshot, e.g. `snapshot-apim-x-func-x-3f2a9c01b7d4.json` (`-<slot>` after the site for
 * a slot): names made file-name safe and bounded, then the first 12 hex digits of SHA-256 over the target's identity
 * (subscription, resource groups, names, slot, API IDs — lower case, API IDs sorted). Deterministic. Pure.
 */
export function snapshotFileName(t: SnapshotTarget): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 50);
  const identity = [
    t.subscriptionId,
    t.apimResourceGroup,
    t.apimName,
    t.functionAppResourceGroup,
    t.functionAppName,
    t.functionAppSlot ?? '',
    [...t.apiIds]
      .map((a) => a.toLowerCase())
      .sort()
      .join(',')
  ].map((x) => x.toLowerCase());
  const hash = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 12);
  const slot = t.functionAppSlot ? `-${safe(t.functionAppSlot)}` : '';
  return `snapshot-${safe(t.apimName)}-${safe(t.functionAppName)}${slot}-${hash}.json`;
}

/**
 * The runner's SnapshotStore: files under `dir` (see {@link snapshotDir}); `scrubDeep` removes the run's secrets and
 * JWT-shaped text (src/secrets.ts) before anything is written — a resource whose copy it changed is marked scrubbed
 * and never restored from the file (src/snapshot/capture.ts scrubSnapshot). `save` throws what the file system throws;
 * `load` throws ActionError naming the file (missing, unreadable, over {@link MAX_SNAPSHOT_BYTES}, not JSON).
 */
export function fileSnapshotStore(dir: string, scrubDeep: <T>(value: T) => T): SnapshotStore {
  return {
    async save(snapshot: Snapshot) {
      const file = path.join(dir, snapshotFileName(snapshot.target));
      const json = `${JSON.stringify(scrubSnapshot(snapshot, scrubDeep), null, 2)}\n`;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, json, { encoding: 'utf8', mode: 0o600 });
      await rename(tmp, file);
      return { path: file, json };
    },
    async load(file: string) {
      const cannot = (why: string) =>
        new ActionError(`Nothing was changed: the snapshot ${file} cannot be read: ${why}.`);
      let text: string;
      try {
        const st = await stat(file);
        if (!st.isFile()) throw cannot('it is not a file');
        if (st.size > MAX_SNAPSHOT_BYTES) throw cannot(`it is larger than ${MAX_SNAPSHOT_BYTES} bytes`);
        text = await readFile(file, 'utf8');
      } catch (e) {
        if (e instanceof ActionError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        throw cannot(
          code === 'ENOENT' ? 'no such file (download the artifact that holds it first)' : (code ?? String(e))
        );
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw cannot('it is not JSON');
      }
    }
  };
}
