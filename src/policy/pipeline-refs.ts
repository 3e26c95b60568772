/**
 * What a policy document of the pipeline refers to, for the reads that must come before it can be judged: the
 * policy fragments it includes and the named values its guard attributes use. Pure module.
 */
import { PolicyParseError } from './errors.js';
import { inSideRequest } from './predicates.js';
import { guardNamedValueRefs } from './resolve.js';
import { attr, descendants, parsePolicy, type ParsedPolicy } from './tree.js';

function parsed(raw: string): ParsedPolicy | undefined {
  try {
    return parsePolicy(raw);
  } catch (e) {
    if (e instanceof PolicyParseError) return undefined;
    throw e;
  }
}

/**
 * The fragment IDs of every `<include-fragment fragment-id="…">` of `raw` with a literal ID (outside side requests,
 * any section), in document order, without duplicates. A text that cannot be parsed gives `[]` (it is reported
 * where it is judged).
 */
export function includedFragments(raw: string): string[] {
  const p = parsed(raw);
  if (!p) return [];
  const out: string[] = [];
  for (const el of descendants(p.root)) {
    if (el.name !== 'include-fragment' || inSideRequest(el)) continue;
    const id = attr(el, 'fragment-id');
    const v = id && !id.expression ? id.value.trim() : '';
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

/**
 * The named values (display names) the guards need to judge `raw` (see ./resolve.ts GUARD_ATTRIBUTES): those in
 * the name / exists-action of set-header and set-query-parameter and in the attributes of managed-identity elements.
 * A text that cannot be parsed gives `[]`.
 */
export function pipelineNamedValueRefs(raw: string): string[] {
  const p = parsed(raw);
  return p ? guardNamedValueRefs(p) : [];
}
