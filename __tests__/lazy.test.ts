/** src/lazy.ts: the memoized loader behind every dynamic import of the bundle. */
import { describe, expect, it } from '@jest/globals';
import { lazy } from '../src/lazy.js';

describe('lazy', () => {
  it('loads once: concurrent and later calls share the first load', async () => {
    let calls = 0;
    const get = lazy(async () => ({ n: ++calls }));
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).toBe(b);
    expect(await get()).toBe(a);
    expect(calls).toBe(1);
  });

  it('forgets a failed load (rejected or thrown), so the next call tries again', async () => {
    let calls = 0;
    const get = lazy(async () => {
      calls++;
      if (calls === 1) throw new Error('chunk missing');
      if (calls === 2) return Promise.reject(new Error('still missing'));
      return 'loaded';
    });
    await expect(get()).rejects.toThrow('chunk missing');
    await expect(get()).rejects.toThrow('still missing');
    expect(await get()).toBe('loaded');
    expect(await get()).toBe('loaded');
    expect(calls).toBe(3);
  });

  it('a load that throws synchronously is a rejection, not a throw from the call', async () => {
    const get = lazy((): Promise<string> => {
      throw new Error('sync');
    });
    const p = get();
    await expect(p).rejects.toThrow('sync');
  });
});
