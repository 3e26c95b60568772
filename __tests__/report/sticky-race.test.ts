/**
 * The sticky PR comment under concurrent runs: 5 `upsertStickyComment` calls on one pull request, their GitHub calls
 * interleaved deterministically by a scheduler (a plain-object GitHubPort whose every call waits until the test
 * releases it; the call's effect happens at release, as on a server). Whatever the order, exactly one comment with
 * the marker survives — the oldest one any run created — and its body is one of the runs' bodies.
 */
import { describe, expect, it } from '@jest/globals';
import { setImmediate as tick } from 'node:timers/promises';
import type { GitHubPort } from '../../src/ports.js';
import { upsertStickyComment, type CommentOutcome } from '../../src/report/publish.js';

const MARKER = '<!-- apim-function-auth: apim-x/func-x/orders -->';
const ISSUE = 7;

interface Stored {
  id: number;
  body: string;
}

/** A pending port call: `run` applies its effect to the store and settles the caller's promise. */
interface Pending {
  op: string;
  run: () => void;
}

function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status });
}

/** An issue-comments store whose port calls complete only when `step` releases them. */
function scheduledGitHub(initial: Stored[] = [], opts: { returnIds?: boolean; staleLists?: boolean } = {}) {
  const store: Stored[] = initial.map((c) => ({ ...c }));
  let nextId = Math.max(1000, ...store.map((c) => c.id)) + 1;
  const pending: Pending[] = [];
  const log: string[] = [];
  const call = <T>(op: string, effect: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      pending.push({
        op,
        run: () => {
          log.push(op);
          try {
            resolve(effect());
          } catch (e) {
            reject(e);
          }
        }
      });
    });
  const port: GitHubPort = {
    listComments: (issue) => {
      // staleLists: the answer shows the comments as they were when the call was made (minus those deleted since),
      // not when it completes — a read replica behind the writes.
      const snapshot = opts.staleLists ? store.map((c) => ({ ...c })) : undefined;
      return call(`list ${issue}`, () =>
        (snapshot ?? store)
          .filter((c) => !snapshot || store.some((x) => x.id === c.id))
          .sort((a, b) => a.id - b.id)
          .map((c) => ({ ...c }))
      );
    },
    createComment: (_issue, body) =>
      call('create', () => {
        const id = nextId++;
        store.push({ id, body });
        return opts.returnIds === false ? undefined : { id };
      }),
    updateComment: (id, body) =>
      call(`update ${id}`, () => {
        const c = store.find((x) => x.id === id);
        if (!c) throw httpError(404, 'Not Found');
        c.body = body;
      }),
    deleteComment: (id) =>
      call(`delete ${id}`, () => {
        const i = store.findIndex((x) => x.id === id);
        if (i < 0) throw httpError(404, 'Not Found');
        store.splice(i, 1);
      })
  };

  /**
   * Releases pending calls one at a time, `pick(n)` choosing which of the `n` pending ones, until every promise in
   * `runs` has settled. Between releases the callers run to their next port call (setImmediate drains microtasks).
   */
  async function drive<T>(runs: Promise<T>[], pick: (n: number) => number): Promise<PromiseSettledResult<T>[]> {
    let settled = 0;
    const all = Promise.allSettled(
      runs.map((p) =>
        p.finally(() => {
          settled++;
        })
      )
    );
    for (let steps = 0; settled < runs.length; steps++) {
      await tick();
      if (settled === runs.length) break;
      if (pending.length === 0) throw new Error('deadlock: no pending call, runs not settled');
      if (steps > 10_000) throw new Error('runaway schedule');
      const [next] = pending.splice(pick(pending.length), 1);
      next.run();
    }
    return all;
  }
  return { port, store, log, drive, pending };
}

/** Deterministic PRNG (mulberry32) so a failing schedule can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bodies = [1, 2, 3, 4, 5].map((i) => `${MARKER}\nreport of run ${i}`);
const ours = (store: Stored[]) => store.filter((c) => c.body.trimStart().startsWith(MARKER));

async function race(
  pick: (n: number) => number,
  initial: Stored[] = [],
  opts: { returnIds?: boolean; staleLists?: boolean } = {}
): Promise<{ store: Stored[]; outcomes: CommentOutcome[]; log: string[] }> {
  const gh = scheduledGitHub(initial, opts);
  const runs = bodies.map((b) => upsertStickyComment(gh.port, ISSUE, MARKER, b));
  const results = await gh.drive(runs, pick);
  const failures = results.filter((r) => r.status === 'rejected');
  expect(failures).toEqual([]);
  return {
    store: gh.store,
    outcomes: results.map((r) => (r as PromiseFulfilledResult<CommentOutcome>).value),
    log: gh.log
  };
}

describe('sticky PR comment: 5 concurrent runs on one pull request', () => {
  it('all list before any creates (FIFO): one survivor, the oldest (lowest id), with one run’s body', async () => {
    const { store, outcomes, log } = await race(() => 0);
    // Every run saw no comment and created one: ids 1001..1005.
    expect(log.slice(0, 10)).toEqual([...Array(5).fill('list 7'), ...Array(5).fill('create')]);
    const left = ours(store);
    expect(left).toHaveLength(1);
    expect(left[0].id).toBe(1001);
    expect(bodies).toContain(left[0].body);
    // FIFO: the run whose update lands last is run 5 (each later run rewrites 1001 with its own report).
    expect(left[0].body).toBe(bodies[4]);
    // Only the creator of the survivor reports 'created'; the others updated it.
    expect(outcomes).toEqual(['created', 'updated', 'updated', 'updated', 'updated']);
    // Each of 1002..1005 was deleted exactly once successfully; extra deletes were 404s (ignored).
    expect(log.filter((l) => l.startsWith('delete')).length).toBeGreaterThanOrEqual(4);
  });

  it('LIFO order: one survivor, the oldest', async () => {
    const { store } = await race((n) => n - 1);
    expect(ours(store)).toHaveLength(1);
    expect(ours(store)[0].id).toBe(Math.min(...ours(store).map((c) => c.id)));
    expect(bodies).toContain(ours(store)[0].body);
  });

  it.each(Array.from({ length: 200 }, (_, i) => [i + 1]))(
    'seeded random interleaving %i: exactly one survivor, whose body is one run’s report',
    async (seed) => {
      const next = rng(seed);
      const { store, outcomes } = await race((n) => Math.floor(next() * n));
      const left = ours(store);
      expect(left).toHaveLength(1);
      expect(bodies).toContain(left[0].body);
      // At most one run can own the survivor.
      expect(outcomes.filter((o) => o === 'created').length).toBeLessThanOrEqual(1);
    }
  );

  it('with an adapter that returns no id from createComment, still one survivor', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const next = rng(seed);
      const { store } = await race((n) => Math.floor(next() * n), [], { returnIds: false });
      expect(ours(store)).toHaveLength(1);
    }
  });

  it.each(Array.from({ length: 50 }, (_, i) => [i + 1]))(
    'lists that lag behind writes (seed %i): the oldest is never deleted, so at least one always survives',
    async (seed) => {
      const next = rng(seed);
      const { store } = await race((n) => Math.floor(next() * n), [], { staleLists: true });
      const left = ours(store);
      expect(left.length).toBeGreaterThanOrEqual(1);
      expect(left[0].id).toBe(1001);
      expect(bodies).toContain(left[0].body);
    }
  );

  it('duplicates left by older versions: converge on the oldest, other comments untouched', async () => {
    const initial: Stored[] = [
      { id: 10, body: 'LGTM' },
      { id: 20, body: `${MARKER}\nold 1` },
      { id: 30, body: '<!-- apim-function-auth: apim-y/func-y/orders -->\nanother target' },
      { id: 40, body: `${MARKER}\nold 2` },
      { id: 50, body: `quoting ${MARKER} in a review` },
      { id: 60, body: `  ${MARKER}\nold 3` }
    ];
    for (const seed of [11, 12, 13, 14, 15]) {
      const next = rng(seed);
      const { store, log } = await race((n) => Math.floor(next() * n), initial);
      expect(ours(store).map((c) => c.id)).toEqual([20]);
      expect(bodies).toContain(ours(store)[0].body);
      expect(store.map((c) => c.id)).toEqual([10, 20, 30, 50]);
      expect(log.filter((l) => l === 'create')).toEqual([]);
    }
  });

  it('a single run on a PR with duplicates updates the oldest and deletes the rest', async () => {
    const gh = scheduledGitHub([
      { id: 10, body: `${MARKER}\nold` },
      { id: 30, body: `${MARKER}\nnewest` },
      { id: 20, body: `${MARKER}\nmiddle` }
    ]);
    const [res] = await gh.drive([upsertStickyComment(gh.port, ISSUE, MARKER, `${MARKER}\nnew`)], () => 0);
    expect(res).toEqual({ status: 'fulfilled', value: 'updated' });
    expect(gh.log).toEqual(['list 7', 'update 10', 'delete 20', 'delete 30']);
    expect(gh.store).toEqual([{ id: 10, body: `${MARKER}\nnew` }]);
  });

  it('a delete that fails with something other than 404 is a warning; the kept comment is updated', async () => {
    const gh = scheduledGitHub([
      { id: 10, body: `${MARKER}\nold` },
      { id: 20, body: `${MARKER}\ndup` }
    ]);
    gh.port.deleteComment = async () => {
      throw httpError(502, 'Bad Gateway\nhttps://docs.github.com/rest');
    };
    const warnings: string[] = [];
    const [res] = await gh.drive(
      [upsertStickyComment(gh.port, ISSUE, MARKER, `${MARKER}\nnew`, { warning: (m) => warnings.push(m) })],
      () => 0
    );
    expect(res).toEqual({ status: 'fulfilled', value: 'updated' });
    expect(gh.store.find((c) => c.id === 10)?.body).toBe(`${MARKER}\nnew`);
    expect(warnings).toEqual([
      'Could not delete the duplicate PR comment 20 on #7: Bad Gateway; the next run removes it'
    ]);
  });

  it('the created comment is not listed yet (read lag): it is kept, nothing deleted, outcome created', async () => {
    const gh = scheduledGitHub();
    const realList = gh.port.listComments;
    gh.port.listComments = async () => []; // GitHub has not caught up with our own write
    const [res] = await gh.drive([upsertStickyComment(gh.port, ISSUE, MARKER, `${MARKER}\nx`)], () => 0);
    gh.port.listComments = realList;
    expect(res).toEqual({ status: 'fulfilled', value: 'created' });
    expect(ours(gh.store)).toHaveLength(1);
  });
});
