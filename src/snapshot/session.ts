/**
 * One target's snapshot during apply: taken and saved before the first write, updated after each write with what it
 * left (apply's `onWritten` hook), and the source of an automatic restore. Side effects go through the SnapshotStore
 * handed in (absent: the snapshot lives in memory only, and the report says no file was written).
 */
import type { WriteRecord } from '../apply.js';
import { ActionError } from '../errors.js';
import type { Logger, SnapshotStore } from '../ports.js';
import { recordWrite } from './capture.js';
import type { Snapshot, SnapshotReport } from './schema.js';

export class SnapshotSession {
  private constructor(
    private current: Snapshot,
    private readonly store: SnapshotStore | undefined,
    private saved?: { path: string; json: string }
  ) {}

  /**
   * Saves `snapshot` before anything is written and returns the session.
   * @throws ActionError ("Nothing was changed") when the store cannot write it: no write is sent without a snapshot
   *   a later restore could use.
   */
  static async start(snapshot: Snapshot, store: SnapshotStore | undefined, log: Logger): Promise<SnapshotSession> {
    const session = new SnapshotSession(snapshot, store);
    if (!store) return session;
    try {
      session.saved = await store.save(snapshot);
    } catch (e) {
      throw new ActionError(
        `Nothing was changed: the snapshot of this target could not be written before the first write ` +
          `(${(e as Error).message}). Check that RUNNER_TEMP is writable, and re-run.`
      );
    }
    log.info(`Snapshot of ${snapshot.resources.length} resource(s) before the first write: ${session.saved.path}`);
    return session;
  }

  /** The snapshot with every write recorded so far (in memory: exact, never scrubbed). */
  get snapshot(): Snapshot {
    return this.current;
  }

  /** Records one write and saves the file again. Throws what the store throws (apply logs it as a warning). */
  async record(rec: WriteRecord): Promise<void> {
    this.current = recordWrite(this.current, rec, new Date());
    if (this.store) this.saved = await this.store.save(this.current);
  }

  /** True when a write was sent for any resource (its outcome recorded). */
  get wroteAnything(): boolean {
    return this.current.resources.some((r) => r.after !== undefined);
  }

  /** The file for the report: its path and the JSON text written last; `{}` when no file was written. */
  report(): SnapshotReport {
    return this.saved ? { path: this.saved.path, json: this.saved.json } : {};
  }
}
