/** escapeText (src/report/markdown.ts): text from ARM or a policy never mentions anyone on the PR. */
import { expect, it } from '@jest/globals';
import { escapeText } from '../../src/report/markdown.js';

it('keeps @name inert (a word joiner after @) and leaves expressions and e-mail-like text readable', () => {
  expect(escapeText('ping @octo-org/admins now')).toBe('ping @\u2060octo-org/admins now');
  expect(escapeText('@(context.Request)')).toBe('@(context.Request)');
  expect(escapeText('a @ b')).toBe('a @ b');
});

it('renders a null before/after like an absent one (one wording per state)', async () => {
  const { valueMd, valueText } = await import('../../src/report/derive.js');
  expect(valueMd(null, false, 80)).toBe('_absent_');
  expect(valueMd(undefined, false, 80)).toBe('_absent_');
  expect(valueText(null, false)).toBe('(absent)');
  expect(valueText(false, false)).toBe('false');
});
