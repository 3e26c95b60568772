/**
 * The fault matrix (scripts/fault-matrix.ts), sampled: a broken 200 answer on every ARM request of an apply (the first
 * reads, every re-read right before or after a write, the writes and the LRO polls), 412 and 500 on the writes, a
 * failed LRO. Each
 * cell runs dist/index.js against the twin with one fault, then a clean re-run; every cell must end "survived" or
 * "failed cleanly": nothing user-owned lost, the report agreeing with what the twin served, and convergence.
 * `npm run fault-matrix` runs every cell of every request and prints the table.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { baselineRequests, cellsFor, runMatrix, type Cell, type FaultKind } from '../../scripts/fault-matrix.js';

/** Broken 200 answers, dealt round-robin over the ARM requests so each kind meets reads of every resource. */
const BODY_FAULTS: FaultKind[] = ['{}', 'partial body', 'null', '[]', '""', 'malformed JSON', 'empty body'];

let cells: Cell[] = [];
beforeAll(async () => {
  const requests = await baselineRequests();
  const all = cellsFor(requests);
  // The ARM requests the plan and the writes rest on (sign-in faults fail the run before any read).
  const arm = [...new Set(all.filter((c) => /\/subscriptions\//.test(c.path)).map((c) => c.index))];
  const pick = (index: number, fault: FaultKind) => all.find((c) => c.index === index && c.fault === fault);
  cells = [
    ...arm.map((index, i) => pick(index, BODY_FAULTS[i % BODY_FAULTS.length])),
    ...all.filter((c) => c.fault === '412 (writes)' || c.fault === 'LRO Failed (polls)'),
    ...all.filter((c) => c.fault === '500' && ['PUT', 'PATCH'].includes(c.method))
  ].filter((c): c is Cell => c !== undefined);
}, 60_000);

describe('fault matrix (sample): nothing user-owned is lost, the report tells the truth', () => {
  it('every cell survives or fails cleanly, and converges on a clean re-run', async () => {
    expect(cells.length).toBeGreaterThan(20);
    const results = await runMatrix(cells, 3);
    const bad = results
      .filter((r) => r.verdict === 'lost' || r.verdict === 'dishonest')
      .map(
        (r) =>
          `${r.verdict}: #${r.index} ${r.method} ${r.path.split('/').slice(-3).join('/')} [${r.fault}]: ${r.findings.join(' | ')}`
      );
    expect(bad).toEqual([]);
    // A broken 200 on a read the plan rests on is noticed: the run stops (fails cleanly) instead of planning on it.
    const reads = results.filter((r) => BODY_FAULTS.includes(r.fault) && r.method === 'GET' && r.index < 10);
    expect(reads.length).toBeGreaterThan(3);
    expect(reads.filter((r) => r.verdict !== 'failed cleanly')).toEqual([]);
  }, 900_000);
});
