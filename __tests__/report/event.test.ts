/**
 * src/report/event.ts: the workflow event read as @actions/github's Context reads it, without throwing on a bad file.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workflowEvent } from '../../src/report/event.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'event-test-'));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('workflowEvent', () => {
  it('reads the event name and the payload file', () => {
    const f = file('pr.json', JSON.stringify({ pull_request: { number: 7 } }));
    expect(workflowEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: f })).toEqual({
      eventName: 'pull_request',
      payload: { pull_request: { number: 7 } }
    });
  });

  it('outside GitHub Actions: no name, no payload, no problem', () => {
    expect(workflowEvent({})).toEqual({ eventName: '', payload: {} });
  });

  it.each([
    ['a missing file', path.join(dir, 'absent.json'), /does not exist/],
    ['malformed JSON', file('bad.json', '{"pull_request": '), /could not be read/],
    ['JSON that is not an object', file('list.json', '[1,2]'), /does not hold a JSON object/]
  ])('%s: an empty payload and the problem, never a throw', (_what, f, problem) => {
    const e = workflowEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: f });
    expect(e.eventName).toBe('push');
    expect(e.payload).toEqual({});
    expect(e.problem).toMatch(problem);
    expect(e.problem).toContain(f);
  });
});
