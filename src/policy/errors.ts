/**
 * Errors and position helpers of the policy engine. Pure module.
 */
import type { ElementNode } from './tree.js';

/**
 * A policy document that cannot be read safely (cannot be tokenized, is not well-formed once expressions are
 * masked, has an unsupported root or no `<inbound>`). Nothing must be written when this is thrown.
 * `line` is 1-based, `column` is 1-based (UTF-16 code units), both relative to the text as given (BOM included).
 */
export class PolicyParseError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number
  ) {
    super(message);
    this.name = 'PolicyParseError';
  }
}

/**
 * A policy document that parses fine but is not one this action manages: its root is not `<policies>` (e.g. a
 * policy fragment) or `<policies>` has no `<inbound>`. A subclass of PolicyParseError, so every caller that treats
 * PolicyParseError as "nothing to write" keeps doing so; the message says what is wrong and how to fix it (it does
 * not say "cannot be tokenized"). `line`/`column` as in PolicyParseError (the root element's start tag).
 */
export class PolicyNotManagedError extends PolicyParseError {
  constructor(message: string, line?: number, column?: number) {
    super(message, line, column);
    this.name = 'PolicyNotManagedError';
  }
}

/**
 * 1-based line and column of a UTF-16 offset in `text`. `\r\n`, `\n` and a lone `\r` each end a line.
 */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
    } else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10 && i + 1 < end) i++;
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** A PolicyParseError located at `offset` of `text`; the message ends with `(line L, column C)`. */
export function parseErrorAt(text: string, offset: number, message: string): PolicyParseError {
  const { line, column } = lineColumn(text, offset);
  return new PolicyParseError(`${message} (line ${line}, column ${column})`, line, column);
}

/** 1-based line of `el`'s `<` in `raw`. */
export function lineAt(raw: string, el: ElementNode): number {
  return lineColumn(raw, el.start).line;
}

/** The start tag of `el` as authored, on one line, at most 160 characters (for messages). */
export function tagText(raw: string, el: ElementNode): string {
  const t = raw
    .slice(el.start, el.openEnd)
    .replace(/\s+/g, ' ')
    .replace(/\s*\/?>$/, '>')
    .replace(/(\b(?:password|secret)\s*=\s*)(["'])(?:(?!\2).)*\2/gi, '$1$2***$2'); // a credential in an attribute is never quoted
  return t.length > 160 ? `${t.slice(0, 157)}...>` : t;
}
