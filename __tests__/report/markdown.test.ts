/** escapeText (src/report/markdown.ts): text from ARM or a policy never mentions anyone on the PR. */
import { expect, it } from '@jest/globals';
import { escapeText } from '../../src/report/markdown.js';

it('keeps @name inert (a word joiner after @) and leaves expressions and e-mail-like text readable', () => {
  expect(escapeText('ping @octo-org/admins now')).toBe('ping @\u2060octo-org/admins now');
  expect(escapeText('@(context.Request)')).toBe('@(context.Request)');
  expect(escapeText('a @ b')).toBe('a @ b');
});
