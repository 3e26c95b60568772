/**
 * The guards of ./guards.ts, applied to one element of the effective inbound pipeline wherever it comes from — an
 * operation policy, a policy fragment at its include point — given where it runs relative to the owned elements.
 * Pure module.
 *
 * APIM runs one pipeline per operation (Learn: "Policies in Azure API Management", policy scopes and `<base />`;
 * DESIGN §3): global → product → API → operation, each section's `<base />` running the parent scope's section at
 * that point, `<backend>` after `<inbound>`, and `<include-fragment>` inlining the fragment's elements where it
 * stands (Learn: "Reuse policy configurations in your API Management policy definitions", policy fragments). So an
 * element of an operation's `<inbound>` after its `<base />` runs after the whole API policy — after the owned
 * elements — and can undo them exactly as a later element of the API policy itself would.
 */
import { lineAt, tagText } from './errors.js';
import { authorizationWhat, restoreWhat, type PolicyConflict } from './guards.js';
import { claimsFunction, judgeResource, type OwnershipOptions } from './ownership.js';
import {
  AUTH,
  carriesToken,
  copiesKey,
  hasUncheckableName,
  offTheRequest,
  replacesAuthorization,
  restoresKey
} from './predicates.js';
import type { UnresolvedAttribute } from './resolve.js';
import { KEY_KINDS, type KeyKind, type SubscriptionKey } from './subscription-key.js';
import { attr, type ElementNode, type ParsedPolicy } from './tree.js';

/** Where an element runs relative to the owned elements of the API policy. */
export interface Position {
  /** It runs after the owned `<authentication-managed-identity>`. */
  afterAuth: boolean;
  /** It runs after each owned subscription-key delete. */
  afterKey: Record<KeyKind, boolean>;
  /** Inside a conditional or nested block (`<choose>`, …): it runs only when its block runs. */
  nested: boolean;
  section: 'inbound' | 'backend';
  /** When it runs, for messages, e.g. "runs after <base /> (line 3), after the whole API policy,". */
  when: string;
  /** How to move it out of harm's way, e.g. "move it before <base /> (line 3)"; '' when there is no such place. */
  moveFix: string;
}

/** A position before (`after` false) or after (`after` true) every owned element. */
export function position(
  after: boolean,
  section: Position['section'],
  when: string,
  moveFix: string,
  nested = false
): Position {
  const afterKey = Object.fromEntries(KEY_KINDS.map((k) => [k, after])) as Record<KeyKind, boolean>;
  return { afterAuth: after, afterKey, nested, section, when, moveFix };
}

/** The kind of document an element is in. */
export type ScopeKind = 'api' | 'operation' | 'fragment';

/** One document of the pipeline: its parsed text (guard attributes resolved) and what it is, for messages. */
export interface PipelineDoc {
  parsed: ParsedPolicy;
  scope: ScopeKind;
  /** The operation ID, fragment ID or API ID. */
  id: string;
  /** Guard attributes left as written because a named value could not be resolved (see ./resolve.ts). */
  unresolved: UnresolvedAttribute[];
}

/** What one rule found about one element. */
export interface Hit {
  kind: PolicyConflict['kind'] | 'base-missing';
  doc: PipelineDoc;
  el: ElementNode;
  /** True: it undoes an owned element (the check fails); false: a warning (nested, or cannot be checked). */
  conflict: boolean;
  /** `<tag …> at line N <what it does>: <fix>` (no scope prefix, no trailing period). */
  message: string;
}

/** What the rules share across one pipeline. */
export interface RuleContext {
  keys: Record<KeyKind, SubscriptionKey>;
  /** Which resources are the Function's app (see OwnershipOptions; `extra`: the desired resource). */
  ownership: OwnershipOptions;
  extra: string[];
  /** Variables that hold a managed-identity token for the Function's app (a set-header sending one is harmless). */
  functionTokenVars: Set<string>;
  /** Variables that hold the subscription key anywhere in the pipeline (sending one on copies the key). */
  keyVars: Set<string>;
  emit(hit: Hit): void;
}

/** `<tag …> at line N` as authored. */
export function shown(doc: PipelineDoc, el: ElementNode): string {
  const tag = tagText(doc.parsed.raw, el);
  const nv =
    /\{\{[^{}]*\}\}/.test(tag) && !doc.unresolved.some((u) => u.el === el) ? ' (named values substituted)' : '';
  return `${tag}${nv} at line ${lineAt(doc.parsed.raw, el)}`;
}

/** The fix for an element of `doc` at `pos` that undoes an owned element. */
function fixFor(doc: PipelineDoc, pos: Position): string {
  if (doc.scope === 'fragment') {
    const include = pos.moveFix ? `, or ${pos.moveFix.replace(/^move it/, 'include the fragment')}` : '';
    return `remove it from policy fragment "${doc.id}"${include}`;
  }
  const where = doc.scope === 'operation' ? 'the operation policy' : 'the API policy';
  return `remove it from ${where}${pos.moveFix ? `, or ${pos.moveFix}` : ''}`;
}

/** Emits `what` about `el` at `pos`: a conflict, or (nested) a warning. */
function undoes(ctx: RuleContext, doc: PipelineDoc, el: ElementNode, pos: Position, kind: Hit['kind'], what: string) {
  if (pos.nested) {
    const message = `a nested ${shown(doc, el)} ${pos.when} when its block runs and ${what}: make sure that is intended`;
    ctx.emit({ kind, doc, el, conflict: false, message });
    return;
  }
  const message = `${shown(doc, el)} ${pos.when} and ${what}: ${fixFor(doc, pos)}`;
  ctx.emit({ kind, doc, el, conflict: true, message });
}

/** A managed-identity element without output-token-variable-name after the owned one: it sets Authorization. */
function managedIdentityAfter(ctx: RuleContext, doc: PipelineDoc, el: ElementNode, pos: Position): void {
  if (!pos.afterAuth || attr(el, 'output-token-variable-name') !== undefined) return;
  const judged = judgeResource(attr(el, 'resource'), ctx.ownership, ctx.extra);
  // One that asks for the Function's app again sends the same token: harmless.
  if (claimsFunction(judged.status)) return;
  if (judged.status === 'unknown') {
    ctx.emit({
      kind: 'second-managed-identity',
      doc,
      el,
      conflict: false,
      message:
        `${shown(doc, el)} ${pos.when} without output-token-variable-name and its resource cannot be checked ` +
        `(${judged.why ?? 'unknown'}): if it is not the Function's app, its token replaces APIM's token for the Function`
    });
    return;
  }
  undoes(
    ctx,
    doc,
    el,
    pos,
    'second-managed-identity',
    "sets the Authorization header with a token for its own resource (it has no output-token-variable-name), replacing APIM's token for the Function"
  );
}

/** Warnings for an element whose effect on the owned elements cannot be checked (expression name, unresolved value). */
function uncheckable(ctx: RuleContext, doc: PipelineDoc, el: ElementNode, pos: Position): void {
  const key = Object.values(ctx.keys).find((k) => hasUncheckableName(el, k));
  const after = pos.afterAuth || KEY_KINDS.some((k) => pos.afterKey[k]);
  if (key && after) {
    const message =
      `${shown(doc, el)} ${pos.when} and has an expression as its name, so whether it ` +
      `${key.expressionName.risk(key.name)} cannot be checked: ${key.expressionName.ask}`;
    ctx.emit({ kind: 'key-restored', doc, el, conflict: false, message });
  }
  const open = doc.unresolved.find((u) => u.el === el);
  if (open && after && el.name !== AUTH) {
    const names = open.names.map((n) => `{{${n}}}`).join(', ');
    const message =
      `${shown(doc, el)} ${pos.when} and its ${open.attr} uses named value ${names}, which could not be resolved ` +
      '(unknown, or a secret or Key Vault-backed value that could not be read), so whether it undoes the setup ' +
      "cannot be checked: make sure it does not put the subscription key back or replace APIM's Authorization header";
    ctx.emit({ kind: 'authorization-replaced', doc, el, conflict: false, message });
  }
}

/**
 * Judges one element (not an `<include-fragment>`: the walker inlines those) of `doc` that runs at `pos`, outside
 * side requests: a key put back after its delete, Authorization replaced or deleted after the owned element (unless
 * it sends a token for the Function's app kept in a variable), a managed-identity token for another resource after
 * the owned element, the key copied into the request anywhere, and what cannot be checked. Emits through `ctx`.
 */
export function judgeElement(ctx: RuleContext, doc: PipelineDoc, el: ElementNode, pos: Position): void {
  for (const key of Object.values(ctx.keys)) {
    if (restoresKey(el, key) && pos.afterKey[key.kind]) {
      undoes(ctx, doc, el, pos, 'key-restored', restoreWhat(el, key));
    }
  }
  const carrier = [...ctx.functionTokenVars].some((v) => carriesToken(doc.parsed.raw, el, v));
  if (replacesAuthorization(el) && pos.afterAuth && !carrier) {
    undoes(ctx, doc, el, pos, 'authorization-replaced', authorizationWhat(el));
  }
  if (el.name === AUTH) managedIdentityAfter(ctx, doc, el, pos);
  if (!offTheRequest(el) && copiesKey(doc.parsed, el, Object.values(ctx.keys), ctx.keyVars)) {
    const message =
      `${shown(doc, el)} copies the subscription key into the request sent to the Function, so it reaches the ` +
      `Function even though ${ctx.keys.header.name} is deleted: ${fixFor(doc, { ...pos, moveFix: '' })} (a side ` +
      'request inside <send-request> may use the key)';
    ctx.emit({ kind: 'key-copied', doc, el, conflict: true, message });
  }
  uncheckable(ctx, doc, el, pos);
}
