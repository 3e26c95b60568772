/** Pure text hygiene of everything the action writes (src/secrets.ts). */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { defuseCommands, scrub } from '../src/secrets.js';

describe('defuseCommands', () => {
  it('turns every line that would start a workflow command into plain text', () => {
    expect(defuseCommands('policy line 3\n::warning title=x::injected\n  ::add-mask::abc')).toBe(
      'policy line 3\n: :warning title=x::injected\n  : :add-mask::abc'
    );
    expect(defuseCommands('::error::first line too')).toBe(': :error::first line too');
  });

  it('leaves text without such lines unchanged', () => {
    expect(defuseCommands('a :: b\nresource="x::y"')).toBe('a :: b\nresource="x::y"');
  });

  it('no output line ever starts (after white space) with "::"', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constant('::'), fc.constant('\n'), fc.constant(' '))), (parts) => {
        const out = defuseCommands(parts.join(''));
        for (const line of out.split(/\r?\n|\r/)) expect(line.trimStart().startsWith('::')).toBe(false);
      })
    );
  });
});

describe('scrub', () => {
  it('replaces registered secrets and JWT-shaped text', () => {
    expect(scrub('key=abcd1234 tok=eyJhbGciOi.eyJzdWIi.sig', ['abcd1234'])).toBe('key=*** tok=***');
  });
});
