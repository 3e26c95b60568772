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

  it('defuses the NEL-prefixed and the legacy ##[ forms the runner also reads (actions/runner TryParse)', () => {
    expect(defuseCommands('  \u0085::warning::SMUG')).toBe('  \u0085: :warning::SMUG');
    expect(defuseCommands('x ##[warning]SMUG ##[set-output name=a;]b')).toBe(
      'x #\u200c#[warning]SMUG #\u200c#[set-output name=a;]b'
    );
  });

  it('no output line ever starts (after white space) with "::" or contains "##["', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.constant('::'),
            fc.constant('##['),
            fc.constant('#'),
            fc.constant('\n'),
            fc.constant('\u0085'),
            fc.constant(' ')
          )
        ),
        (parts) => {
          const out = defuseCommands(parts.join(''));
          for (const line of out.split(/\r?\n|\r/)) {
            expect(line.replace(/^[\s\u0085]+/, '').startsWith('::')).toBe(false);
            expect(line).not.toContain('##[');
          }
        }
      )
    );
  });
});

describe('scrub', () => {
  it('replaces registered secrets and JWT-shaped text', () => {
    expect(scrub('key=abcd1234 tok=eyJhbGciOi.eyJzdWIi.sig', ['abcd1234'])).toBe('key=*** tok=***');
  });
});
