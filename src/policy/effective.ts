/**
 * The effective inbound pipeline of an API, judged per operation (pure): what runs before the Function is not only
 * the API policy this action owns elements of, but the operation policies around it and the policy fragments any of
 * them include, after named values are substituted. Findings name the scope (operation ID or fragment ID), the
 * element and its line. The action never edits operation policies or fragments: a finding refuses the plan.
 *
 * Azure facts relied on (DESIGN §3):
 * - Learn "Policies in Azure API Management" (policy scopes, `<base />`): an operation policy's section runs the
 *   API policy's section where its `<base />` stands; a section without `<base />` drops every scope above it for
 *   that operation. PSRule `Azure.APIM.PolicyBase` and the Azure Policy definition "API Management policies should
 *   inherit parent scope policies using <base />" audit the same.
 * - Learn "Reuse policy configurations in your API Management policy definitions": `<include-fragment
 *   fragment-id="…"/>` inlines the fragment's elements (the children of its `<fragment>` root) at that point.
 * - Learn "Use named values in Azure API Management policies": `{{name}}` is substituted before the policy runs.
 */
import { lineAt, lineColumn, tagText } from './errors.js';
import { anchorsOf, locate, type Located } from './anchors.js';
import {
  judgeElement,
  position,
  type Hit,
  type PipelineDoc,
  type Position,
  type RuleContext
} from './effective-rules.js';
import { PolicyParseError } from './errors.js';
import { guardFindings, type PolicyConflict } from './guards.js';
import { claimsFunction, judgeResource, type OwnershipOptions } from './ownership.js';
import { AUTH, deletesKey, inSideRequest, keyVariables, writesVariable } from './predicates.js';
import { resolveGuardAttributes } from './resolve.js';
import { KEY_KINDS, subscriptionKeys, type KeyHeaderOption } from './subscription-key.js';
import { attr, descendants, elementChildren, parsePolicy, type ElementNode } from './tree.js';

/** How deep `<include-fragment>` is followed (a fragment including a fragment including …). */
export const MAX_FRAGMENT_DEPTH = 5;

/** A policy fragment as read: its rawxml text, or `absent` (404). */
export type FragmentRead = { value: string } | { absent: true };

/** One API's pipeline as read, and what the plan will write. */
export interface EffectiveInput extends KeyHeaderOption {
  apiId: string;
  /** The API policy as it runs after the plan (rawxml): the merged text when the plan writes it, else as read. */
  apiPolicy: string;
  /** The API's operations that have a policy: operation ID (ARM name) and the policy's rawxml text. */
  operations: { id: string; policy: string }[];
  /** Policy fragments by ID, as read. A fragment that is included but missing here was not read (not judged). */
  fragments: ReadonlyMap<string, FragmentRead>;
  /** The resource the policy's owned element asks for (token-resource as written into the policy). */
  resource: string;
  /** Which resources are the Function's app, named values, object IDs (see OwnershipOptions). */
  ownership: OwnershipOptions;
  /** Default {@link MAX_FRAGMENT_DEPTH}. */
  maxDepth?: number;
}

/** One element of the pipeline that undoes the setup for some operations. */
export interface EffectiveFinding {
  kind: PolicyConflict['kind'] | 'base-missing';
  apiId: string;
  /** Where the element is: the API policy (through a named value), an operation policy or a fragment. */
  scope: PipelineDoc['scope'];
  /** The API ID, operation ID or fragment ID. */
  scopeId: string;
  /** The operations whose pipeline runs it: `all` when it comes with the API policy (every operation that runs it). */
  operations: string[] | 'all';
  /** The element's start tag as authored (one line, shortened). */
  element: string;
  /** 1-based line in its own document. */
  line: number;
  /** For a fragment's element: the include points that bring it in, e.g. `operation get-order, line 6`. */
  via: string[];
  /** What it does and the fix (starts with the element; no scope prefix, no trailing period). */
  message: string;
}

export interface EffectiveResult {
  findings: EffectiveFinding[];
  /** Things that could not be judged or only run conditionally (each names its scope). */
  warnings: string[];
}

/** The finding as one sentence with its scope, e.g. `operation get-order of API orders: <set-header …> …`. */
export function describeFinding(f: EffectiveFinding): string {
  const scope =
    f.scope === 'operation'
      ? `operation ${f.scopeId} of API ${f.apiId}`
      : f.scope === 'fragment'
        ? `policy fragment ${f.scopeId} (included by ${f.via.join('; ')})`
        : `API policy ${f.apiId}`;
  return `${scope}: ${f.message}`;
}

/** One walk over one API's pipeline: the documents, the rule context and what was found. */
interface Walk {
  input: EffectiveInput;
  ctx: RuleContext;
  fragments: Map<string, PipelineDoc | string>;
  findings: Map<string, EffectiveFinding>;
  warnings: string[];
  /** The operations the current walk is for, and the include points above the current element. */
  operations: string[] | 'all';
  via: string[];
}

/** Parses `raw` with its guard attributes resolved (./resolve.ts); a text that cannot be parsed gives the problem. */
function parseDoc(raw: string, scope: PipelineDoc['scope'], id: string, o: OwnershipOptions): PipelineDoc | string {
  try {
    const parsed = parsePolicy(raw);
    return { parsed, scope, id, unresolved: resolveGuardAttributes(parsed, o.namedValues) };
  } catch (e) {
    if (e instanceof PolicyParseError) return e.message;
    throw e;
  }
}

/** Records a hit: a finding (deduplicated per element and kind, operations and include points merged) or a warning. */
function record(w: Walk, hit: Hit): void {
  const where = w.via.length ? ` (included by ${w.via.join(' → ')})` : '';
  if (!hit.conflict) {
    w.warnings.push(`${scopeLabel(w, hit.doc)}${where}: ${hit.message}`);
    return;
  }
  const key = `${hit.doc.scope}\u0000${hit.doc.id}\u0000${hit.el.start}\u0000${hit.kind}`;
  const seen = w.findings.get(key);
  const via = w.via.length ? [w.via.join(' → ')] : [];
  if (seen) {
    seen.operations =
      seen.operations === 'all' || w.operations === 'all' ? 'all' : [...new Set([...seen.operations, ...w.operations])];
    for (const v of via) if (!seen.via.includes(v)) seen.via.push(v);
    return;
  }
  w.findings.set(key, {
    kind: hit.kind,
    apiId: w.input.apiId,
    scope: hit.doc.scope,
    scopeId: hit.doc.id,
    operations: w.operations === 'all' ? 'all' : [...w.operations],
    element: tagText(hit.doc.parsed.raw, hit.el),
    line: lineAt(hit.doc.parsed.raw, hit.el),
    via,
    message: hit.message
  });
}

function scopeLabel(w: Walk, doc: PipelineDoc): string {
  if (doc.scope === 'operation') return `operation ${doc.id} of API ${w.input.apiId}`;
  if (doc.scope === 'fragment') return `policy fragment ${doc.id}`;
  return `API policy ${w.input.apiId}`;
}

/** Where an include point is, for `via`: `operation get-order, line 6`, `API policy orders, line 4`, … */
function site(w: Walk, doc: PipelineDoc, el: ElementNode): string {
  const what =
    doc.scope === 'api'
      ? `API policy ${w.input.apiId}`
      : `${doc.scope === 'operation' ? 'operation' : 'fragment'} ${doc.id}`;
  return `${what}, line ${lineAt(doc.parsed.raw, el)}`;
}

/** Inlines fragment `<include-fragment>` `el` of `doc` at `pos`, following nested includes up to the depth bound. */
function includeFragment(w: Walk, doc: PipelineDoc, el: ElementNode, pos: Position, chain: string[]): void {
  const idAttr = attr(el, 'fragment-id');
  const at = site(w, doc, el);
  const id = idAttr && !idAttr.expression ? idAttr.value.trim() : '';
  const skip = (why: string): void => {
    w.warnings.push(`${scopeLabel(w, doc)}: <include-fragment> at ${at} ${why}, so its content was not judged`);
  };
  if (!id) return skip('has no literal fragment-id');
  if (chain.includes(id)) return skip(`includes fragment "${id}" again (a cycle: ${[...chain, id].join(' → ')})`);
  if (chain.length >= (w.input.maxDepth ?? MAX_FRAGMENT_DEPTH)) {
    return skip(`includes fragment "${id}" deeper than ${w.input.maxDepth ?? MAX_FRAGMENT_DEPTH} levels`);
  }
  const frag = w.fragments.get(id);
  if (frag === undefined) return skip(`includes fragment "${id}", which was not read`);
  if (typeof frag === 'string') return skip(`includes fragment "${id}", which ${frag}`);
  w.via.push(at);
  try {
    const root = frag.parsed.root;
    for (const child of descendants(root).filter((e) => !inSideRequest(e))) {
      const p = { ...pos, nested: pos.nested || child.parent !== root };
      if (child.name === 'include-fragment') includeFragment(w, frag, child, p, [...chain, id]);
      else judgeElement(w.ctx, frag, child, p);
    }
  } finally {
    w.via.pop();
  }
}

/** `move it before <x> (line N)` for the first owned element of `loc` (where it is once merged), or ''. */
function moveBeforeOwned(loc: Located): string {
  const owned = loc.own.owned?.el;
  const target = owned && !(loc.base && owned.start < loc.base.start) ? owned : loc.base;
  if (!target) return '';
  return `move it before <${target.name}${target.name === 'base' ? ' /' : ''}> (line ${lineAt(loc.parsed.raw, target)})`;
}

/**
 * A document that holds the owned elements itself (the API policy; an operation policy without `<base />` that
 * carries its own): its fragments, inlined at their include points relative to the owned elements, and (`all`
 * true, an operation policy) its own guard conflicts.
 */
function ownedScope(w: Walk, doc: PipelineDoc, loc: Located, all: boolean): void {
  const inbound = loc.inbound!;
  const at = anchorsOf(loc, inbound);
  const conflicts = guardFindings(loc, inbound).conflicts;
  const authored = all ? [] : asAuthoredConflicts(w, doc);
  for (const c of conflicts) {
    if (authored.some((a) => a.kind === c.kind && a.line === c.line && a.column === c.column)) continue;
    const el = descendants(loc.parsed.root).find((e) => {
      const lc = lineColumn(doc.parsed.raw, e.start);
      return lc.line === c.line && lc.column === c.column;
    });
    if (el) record(w, { kind: c.kind, doc, el, conflict: true, message: c.message });
  }
  const moveFix = moveBeforeOwned(loc);
  for (const el of descendants(inbound).filter((e) => e.name === 'include-fragment' && !inSideRequest(e))) {
    const afterAuth = el.start >= at.auth.at;
    const pos: Position = {
      afterAuth,
      afterKey: Object.fromEntries(KEY_KINDS.map((k) => [k, el.start >= at.keys[k].at])) as Position['afterKey'],
      nested: el.parent !== inbound,
      section: 'inbound',
      when: afterAuth ? `runs where it is included, after ${at.auth.where},` : 'runs where it is included',
      moveFix
    };
    includeFragment(w, doc, el, pos, []);
  }
  backendIncludes(w, doc, loc.backend);
}

/** The API policy's guard conflicts on the text as authored (named values NOT substituted). */
function asAuthoredConflicts(w: Walk, doc: PipelineDoc): PolicyConflict[] {
  const keys = subscriptionKeys(w.input);
  const loc = locate(parsePolicy(doc.parsed.raw), keys, w.input.ownership, [w.input.resource]);
  return loc.inbound ? guardFindings(loc, loc.inbound).conflicts : [];
}

/** Fragments included in `<backend>`: everything there runs after `<inbound>`. */
function backendIncludes(w: Walk, doc: PipelineDoc, backend: ElementNode | undefined): void {
  if (!backend) return;
  const when = 'is in <backend>, which runs after <inbound> (and so after the owned elements),';
  for (const el of descendants(backend).filter((e) => e.name === 'include-fragment' && !inSideRequest(e))) {
    includeFragment(w, doc, el, position(true, 'backend', when, ''), []);
  }
}

/** The base-missing finding for an operation whose `<inbound>` does not run the API policy. */
function baseMissing(w: Walk, doc: PipelineDoc, el: ElementNode): void {
  const raw = doc.parsed.raw;
  // A <base /> inside a conditional block runs the API policy only when that block runs.
  const nested = descendants(el).find((e) => e.name === 'base' && !inSideRequest(e));
  const has = nested
    ? `has <base /> only inside <${nested.parent!.name}> (line ${lineAt(raw, nested.parent!)})`
    : 'has no <base />';
  const when = nested ? ' whenever that branch does not run' : '';
  const message =
    `${tagText(raw, el)} at line ${lineAt(raw, el)} ${has}, so the API policy's <inbound> ` +
    "— APIM's managed-identity token for the Function and the subscription-key deletes — does not run for this " +
    `operation${when}: the Function gets no token from APIM (401) and may get the subscription key. Add <base /> as the ` +
    "first element of the operation policy's <inbound> (APIM portal → API → operation → Policy editor)";
  record(w, { kind: 'base-missing', doc, el, conflict: true, message });
}

/** An operation policy without `<base />` in `<inbound>` that carries the owned elements itself (judged like one). */
function ownsItself(loc: Located): boolean {
  if (!loc.inbound || !loc.own.owned) return false;
  const direct = elementChildren(loc.inbound);
  return KEY_KINDS.every((k) => direct.some((e) => deletesKey(e, loc.keys[k])));
}

/**
 * One operation's policy: everything in `<backend>` runs after the owned elements; an `<inbound>` without
 * `<base />` drops the API policy (a finding) unless it carries the owned elements itself; with `<base />`, what
 * comes after it runs after the owned elements. A document without `<inbound>` runs the API's `<inbound>` as is (the
 * twin's model too: emulator/src/dataplane/pipeline.ts).
 */
function operationScope(w: Walk, doc: PipelineDoc): void {
  w.operations = [doc.id];
  const loc = locate(doc.parsed, subscriptionKeys(w.input), w.input.ownership, [w.input.resource]);
  if (doc.parsed.root.name !== 'policies') {
    w.warnings.push(
      `operation ${doc.id} of API ${w.input.apiId}: its policy's root is <${doc.parsed.root.name}>, not <policies>; not judged`
    );
    return;
  }
  // A document without <inbound> runs the parent's <inbound> as is (as a scope without a document does).
  const inbound = loc.inbound;
  if (inbound && !loc.base) {
    if (ownsItself(loc)) ownedScope(w, doc, loc, true);
    else baseMissing(w, doc, inbound);
    return;
  }
  if (inbound && loc.base) {
    const b = lineAt(doc.parsed.raw, loc.base);
    const after = position(
      true,
      'inbound',
      `runs after <base /> (line ${b}) — after the whole API policy with its owned elements —`,
      `move it before <base /> (line ${b})`
    );
    const before = position(false, 'inbound', `runs before <base /> (line ${b})`, '');
    for (const el of descendants(inbound).filter((e) => !inSideRequest(e))) {
      let top = el;
      while (top.parent && top.parent !== inbound) top = top.parent;
      const pos = { ...(top.start > loc.base.start ? after : before), nested: el.parent !== inbound };
      if (el.name === 'include-fragment') includeFragment(w, doc, el, pos, []);
      else judgeElement(w.ctx, doc, el, pos);
    }
  }
  const when = 'is in <backend>, which runs after <inbound> (and so after the owned elements),';
  for (const el of loc.backend ? descendants(loc.backend).filter((e) => !inSideRequest(e)) : []) {
    if (el.name === 'include-fragment') includeFragment(w, doc, el, position(true, 'backend', when, ''), []);
    else judgeElement(w.ctx, doc, el, position(true, 'backend', when, ''));
  }
}

/**
 * Variables that hold a managed-identity token for the Function's app, in any document of the pipeline: a
 * set-header that sends one as Authorization sends the right token (the "carrier" form).
 */
function functionTokenVars(docs: PipelineDoc[], o: OwnershipOptions, extra: string[]): Set<string> {
  const out = new Set<string>();
  const elements = docs.flatMap((d) => descendants(d.parsed.root));
  const fromFunction = new Set<ElementNode>();
  for (const el of elements.filter((e) => e.name === AUTH)) {
    const v = attr(el, 'output-token-variable-name');
    if (v && !v.expression && claimsFunction(judgeResource(attr(el, 'resource'), o, extra).status)) {
      out.add(v.value);
      fromFunction.add(el);
    }
  }
  // A variable another element also writes (a token for another resource, a set-variable, a send-request answer)
  // may hold something else when the set-header reads it: not a carrier of the Function's token.
  for (const v of [...out]) {
    if (elements.some((e) => !fromFunction.has(e) && writesVariable(e, v))) out.delete(v);
  }
  return out;
}

/**
 * Judges the effective inbound pipeline of one API (see the module docstring): the API policy as it runs after the
 * plan (its fragments at their include points; its own elements through named values — the merge already judged
 * them as authored), and each operation policy (a missing `<base />`, elements after `<base />` or in `<backend>`,
 * its fragments). Findings are deduplicated per element (a fragment included by several operations is one finding
 * naming them all). Throws Error when `keyHeader` / `keyQuery` is not a valid name (as mergePolicy does); a document
 * that cannot be parsed is a warning (the API policy's own parse errors are the planner's).
 */
export function judgeEffective(input: EffectiveInput): EffectiveResult {
  const o = input.ownership;
  const extra = [input.resource];
  const w: Walk = {
    input,
    ctx: {
      keys: subscriptionKeys(input),
      ownership: o,
      extra,
      functionTokenVars: new Set(),
      keyVars: new Set(),
      emit: (h) => record(w, h)
    },
    fragments: new Map(),
    findings: new Map(),
    warnings: [],
    operations: 'all',
    via: []
  };
  for (const [id, f] of input.fragments) {
    w.fragments.set(id, 'absent' in f ? 'does not exist (404)' : parseDoc(f.value, 'fragment', id, o));
    const d = w.fragments.get(id);
    if (typeof d === 'string' && !('absent' in f)) w.fragments.set(id, `cannot be parsed (${d})`);
  }
  const api = parseDoc(input.apiPolicy, 'api', input.apiId, o);
  const ops = input.operations.map((op) => ({ op, doc: parseDoc(op.policy, 'operation', op.id, o) }));
  const docs = [api, ...ops.map((x) => x.doc), ...w.fragments.values()];
  const parsedDocs = docs.filter((d): d is PipelineDoc => typeof d !== 'string');
  w.ctx.functionTokenVars = functionTokenVars(parsedDocs, o, extra);
  w.ctx.keyVars = keyVariables(
    parsedDocs.map((d) => d.parsed),
    Object.values(w.ctx.keys)
  );
  if (typeof api !== 'string') {
    const loc = locate(api.parsed, w.ctx.keys, o, extra);
    if (loc.inbound) ownedScope(w, api, loc, false);
  }
  for (const { op, doc } of ops) {
    if (typeof doc !== 'string') operationScope(w, doc);
    else
      w.warnings.push(
        `operation ${op.id} of API ${input.apiId}: its policy cannot be parsed (${doc}), so it was not judged`
      );
  }
  return { findings: [...w.findings.values()], warnings: [...new Set(w.warnings)] };
}
