/**
 * Inspection and merge of the two elements this action owns in an API policy's `<inbound>`. Pure module.
 *
 * Owned: `<authentication-managed-identity resource="…"/>` (Learn: "Authenticate with managed identity" policy
 * reference, https://learn.microsoft.com/azure/api-management/authentication-managed-identity-policy — allowed in
 * `inbound`, attributes `resource` (required, expressions allowed), `client-id` (absent → system-assigned identity),
 * `output-token-variable-name`, `ignore-error`) and
 * `<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete"/>` (Learn: set-header policy reference,
 * https://learn.microsoft.com/azure/api-management/set-header-policy). `<base />` runs the parent scope's
 * policies at that point (Learn: "Policies in Azure API Management", policy scopes / base element), so the owned
 * elements go after it. Everything else in the document is left byte-identical.
 */
import { PolicyParseError } from './errors.js';
import { attr, elementChildren, parsePolicy, type ElementNode, type ParsedPolicy } from './tree.js';

export interface ManagedIdentityElement {
  resource?: string;
  clientId?: string;
  ignoreError?: string;
  outputTokenVariableName?: string;
  /** direct child of <inbound> */
  direct: boolean;
  /** index relative to <base/>: 'after' | 'before' | 'no-base' */
  position: 'after' | 'before' | 'no-base';
}

export interface PolicyInspection {
  /** 'policies' for API policies; 'fragment' for fragments */
  rootName: string;
  hasInbound: boolean;
  /** <base/> directly in <inbound> */
  hasBase: boolean;
  /** <authentication-managed-identity> elements anywhere in <inbound> (direct and nested, e.g. inside <choose>) */
  managedIdentity: ManagedIdentityElement[];
  /** <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete"/> directly in <inbound> (name compared case-insensitively) */
  deletesSubscriptionKey: boolean;
  /** <authentication-managed-identity> outside <inbound> (e.g. in <outbound>): reported, never touched */
  elsewhere: string[];
}

export interface MergeResult {
  text: string;
  changes: { path: string; before: unknown; after: unknown }[];
  warnings: string[];
}

const AUTH = 'authentication-managed-identity';
const KEY_HEADER = 'ocp-apim-subscription-key';
/** Characters XML 1.0 cannot carry, even escaped (control characters other than tab/LF/CR, lone surrogates, U+FFFE/F). */
const NOT_XML_CHAR =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Path of `el` from the root, e.g. `policies/outbound/choose/when/authentication-managed-identity`. */
function pathOf(el: ElementNode): string {
  const names: string[] = [];
  for (let e: ElementNode | undefined = el; e; e = e.parent) names.unshift(e.name);
  return names.join('/');
}

function descendants(el: ElementNode, out: ElementNode[] = []): ElementNode[] {
  for (const c of elementChildren(el)) {
    out.push(c);
    descendants(c, out);
  }
  return out;
}

function isKeyDelete(el: ElementNode): boolean {
  return (
    el.name === 'set-header' &&
    attr(el, 'name')?.value.trim().toLowerCase() === KEY_HEADER &&
    attr(el, 'exists-action')?.value.trim().toLowerCase() === 'delete'
  );
}

interface Located {
  parsed: ParsedPolicy;
  inbound?: ElementNode;
  base?: ElementNode;
}

function locate(parsed: ParsedPolicy): Located {
  const inbound =
    parsed.root.name === 'policies' ? elementChildren(parsed.root).find((e) => e.name === 'inbound') : undefined;
  const base = inbound ? elementChildren(inbound).find((e) => e.name === 'base') : undefined;
  return { parsed, inbound, base };
}

function describe(el: ElementNode, direct: boolean, base: ElementNode | undefined): ManagedIdentityElement {
  return {
    resource: attr(el, 'resource')?.value,
    clientId: attr(el, 'client-id')?.value,
    ignoreError: attr(el, 'ignore-error')?.value,
    outputTokenVariableName: attr(el, 'output-token-variable-name')?.value,
    direct,
    position: !base ? 'no-base' : el.start >= base.end ? 'after' : 'before'
  };
}

function inspectParsed(loc: Located): PolicyInspection {
  const { parsed, inbound, base } = loc;
  const managedIdentity: ManagedIdentityElement[] = [];
  const inInbound = new Set<ElementNode>();
  if (inbound) {
    const direct = new Set(elementChildren(inbound));
    for (const el of descendants(inbound)) {
      if (el.name !== AUTH) continue;
      inInbound.add(el);
      managedIdentity.push(describe(el, direct.has(el), base));
    }
  }
  const elsewhere = [parsed.root, ...descendants(parsed.root)]
    .filter((e) => e.name === AUTH && !inInbound.has(e))
    .map(pathOf);
  return {
    rootName: parsed.root.name,
    hasInbound: inbound !== undefined,
    hasBase: base !== undefined,
    managedIdentity,
    deletesSubscriptionKey: inbound ? elementChildren(inbound).some(isKeyDelete) : false,
    elsewhere
  };
}

/**
 * Parses and describes a policy document (rawxml text). Any root is accepted (a fragment gives
 * `rootName: 'fragment'`, `hasInbound: false`, its managed-identity elements in `elsewhere`); `<inbound>` is looked
 * for only as a direct child of `<policies>`. Throws PolicyParseError with line/column when the text cannot be
 * tokenized or is not well-formed once expressions are masked.
 */
export function inspectPolicy(raw: string): PolicyInspection {
  return inspectParsed(locate(parsePolicy(raw)));
}

/**
 * The owned-elements view used to decide drift (field case C12: never compare policies as strings).
 * `resource` is the decoded `resource` of the first direct `<authentication-managed-identity>` of `<inbound>`;
 * `authAfterBase` is true when that element is after `<base />` or `<inbound>` has no `<base />`;
 * `deletesSubscriptionKey` as in {@link PolicyInspection}. Empty text (or only whitespace), a root other than
 * `<policies>` or no `<inbound>` → nothing present.
 * Throws PolicyParseError like {@link inspectPolicy}.
 */
export function ownedState(raw: string): {
  resource?: string;
  authPresent: boolean;
  authAfterBase: boolean;
  deletesSubscriptionKey: boolean;
} {
  if (raw.trim() === '' || raw === '\ufeff')
    return { authPresent: false, authAfterBase: false, deletesSubscriptionKey: false };
  const ins = inspectPolicy(raw);
  const auth = ins.managedIdentity.find((m) => m.direct);
  return {
    ...(auth?.resource !== undefined ? { resource: auth.resource } : {}),
    authPresent: auth !== undefined,
    authAfterBase: auth !== undefined && auth.position !== 'before',
    deletesSubscriptionKey: ins.deletesSubscriptionKey
  };
}

/** Escapes an attribute value for a `"`-delimited attribute (also `'`, `>` and line breaks/tabs, which XML would normalize). */
export function escapeAttr(v: string): string {
  return v
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

function authTag(resource: string, close: string): string {
  return `<${AUTH} resource="${escapeAttr(resource)}"${close}`;
}

function keyTag(close: string): string {
  return `<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete"${close}`;
}

/** A brand-new API policy document holding the owned elements (4-space indentation, LF, as APIM stores it). */
function newDocument(resource: string): string {
  return [
    '<policies>',
    '    <inbound>',
    '        <base />',
    `        ${authTag(resource, ' />')}`,
    `        ${keyTag(' />')}`,
    '    </inbound>',
    '    <backend>',
    '        <base />',
    '    </backend>',
    '    <outbound>',
    '        <base />',
    '    </outbound>',
    '    <on-error>',
    '        <base />',
    '    </on-error>',
    '</policies>',
    ''
  ].join('\n');
}

/** Whitespace between the last line break before `at` and `at`, or undefined when other text sits there. */
function indentBefore(raw: string, at: number): string | undefined {
  let i = at;
  while (i > 0 && (raw[i - 1] === ' ' || raw[i - 1] === '\t')) i--;
  if (i === 0 || raw[i - 1] === '\n' || raw[i - 1] === '\r') return raw.slice(i, at);
  return undefined;
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/**
 * Ensures the two owned elements in `<inbound>` of an API policy (rawxml in, rawxml out).
 *
 * - `raw` undefined, '' or only whitespace → a new document (`<policies>` with `<base />` in every section and the
 *   two owned elements after the inbound `<base />`).
 * - No change needed → `text === raw` (the same string) and `changes` empty.
 * - Change paths: `policy.authentication-managed-identity` (added: before null, after `resource`),
 *   `policy.resource` (before → after), `policy.set-header[Ocp-Apim-Subscription-Key]` (added: before null,
 *   after 'delete'), `policy.authentication-managed-identity.position` (before 'before-base' → after 'after-base').
 * - The first direct `<authentication-managed-identity>` is updated in place (its `resource` only; `client-id`,
 *   `ignore-error`, `output-token-variable-name` are kept and produce warnings); a second direct one is never
 *   added; nested ones (e.g. in `<choose>`, `<send-request>`) and ones outside `<inbound>` are left alone with a
 *   warning. New elements go right after `<base />` (or first in `<inbound>` when there is none), matching the
 *   surrounding indentation, line endings and `<x />` / `<x/>` style. An element found before `<base />` is moved
 *   after it. A self-closing `<inbound/>` is expanded. `<base />` is never added to an existing document.
 * - Attribute values are escaped (`&`, `<`, `>`, quotes, line breaks), so a hostile `resource` cannot break the document.
 *
 * Throws PolicyParseError (nothing to write) when the text cannot be tokenized or is not well-formed outside
 * expressions, when the root is not `<policies>` (e.g. a policy fragment: fragments are not managed), or when
 * `<policies>` has no `<inbound>` (adding one would change which parent-scope policies run; the message says how
 * to fix). Throws Error when `desired.resource` is blank, starts with `@` (APIM would read it as an expression) or holds a
 * character XML cannot carry.
 */
export function mergePolicy(raw: string | undefined, desired: { resource: string }): MergeResult {
  const resource = desired.resource;
  if (resource.trim() === '' || resource.startsWith('@') || NOT_XML_CHAR.test(resource)) {
    throw new Error(`invalid policy resource ${JSON.stringify(resource)}: expected an app (client) ID or App ID URI`);
  }
  if (raw === undefined || raw.trim() === '' || raw === '\ufeff') {
    return {
      text: newDocument(resource),
      changes: [
        { path: 'policy.authentication-managed-identity', before: null, after: resource },
        { path: 'policy.set-header[Ocp-Apim-Subscription-Key]', before: null, after: 'delete' }
      ],
      warnings: []
    };
  }
  const loc = locate(parsePolicy(raw));
  const { parsed, inbound, base } = loc;
  if (parsed.root.name !== 'policies') {
    const l = lineOf(raw, parsed.root.start);
    throw new PolicyParseError(
      `policy root is <${parsed.root.name}> (line ${l}), expected <policies>: policy fragments and other documents are not managed by this action`,
      l,
      1
    );
  }
  if (!inbound) {
    const l = lineOf(raw, parsed.root.start);
    throw new PolicyParseError(
      `policy has no <inbound> section (root at line ${l}); add "<inbound><base /></inbound>" to the API policy and run again`,
      l,
      1
    );
  }
  const ins = inspectParsed(loc);
  const warnings: string[] = [];
  const changes: MergeResult['changes'] = [];
  const splices: Splice[] = [];

  const direct = elementChildren(inbound);
  const directAuth = direct.filter((e) => e.name === AUTH);
  const nl = raw.includes('\r\n') ? '\r\n' : '\n';
  const close = base && /\s\/>$/.test(raw.slice(base.start, base.end)) ? ' />' : base ? '/>' : ' />';

  for (const m of ins.managedIdentity.filter((x) => !x.direct)) {
    warnings.push(
      `a nested <${AUTH}${m.resource !== undefined ? ` resource="${m.resource}"` : ''}> inside <inbound> was left unchanged (it is conditional or belongs to send-request)`
    );
  }
  for (const p of ins.elsewhere) warnings.push(`<${AUTH}> at ${p} is outside <inbound> and was left unchanged`);
  if (directAuth.length > 1) {
    warnings.push(`<inbound> has ${directAuth.length} direct <${AUTH}> elements; only the first is managed`);
  }

  const auth = directAuth[0];
  let authBlock = ''; // owned elements to insert after <base /> (or first in <inbound>), without leading whitespace
  let insertAfterAuth: ElementNode | undefined;
  if (auth) {
    const res = attr(auth, 'resource');
    const authSplices: Splice[] = [];
    if (res?.value !== resource) {
      if (res) authSplices.push({ start: res.valueStart, end: res.valueEnd, text: escapeAttr(resource) });
      else {
        const at = raw[auth.openEnd - 2] === '/' ? auth.openEnd - 2 : auth.openEnd - 1;
        authSplices.push({ start: at, end: at, text: ` resource="${escapeAttr(resource)}"` });
      }
      changes.push({ path: 'policy.resource', before: res?.value ?? null, after: resource });
    }
    const clientId = attr(auth, 'client-id');
    if (clientId) {
      warnings.push(
        `<${AUTH}> keeps client-id="${clientId.value}": it selects a user-assigned identity, not APIM's system-assigned one`
      );
    }
    const ignore = attr(auth, 'ignore-error');
    if (ignore) warnings.push(`<${AUTH}> keeps ignore-error="${ignore.value}"`);
    const outVar = attr(auth, 'output-token-variable-name');
    if (outVar) warnings.push(`<${AUTH}> keeps output-token-variable-name="${outVar.value}"`);
    if (base && auth.start < base.start) {
      // move: cut the element (with its own line when it stands alone on it), re-insert after <base />
      splices.push(cutRange(raw, auth));
      authBlock = applySplices(raw, authSplices).slice(auth.start, auth.end + delta(authSplices));
      changes.push({
        path: 'policy.authentication-managed-identity.position',
        before: 'before-base',
        after: 'after-base'
      });
    } else {
      insertAfterAuth = auth;
      splices.push(...authSplices);
    }
  } else {
    authBlock = authTag(resource, close);
    changes.push({ path: 'policy.authentication-managed-identity', before: null, after: resource });
  }

  if (!ins.deletesSubscriptionKey) {
    for (const e of direct.filter((x) => x.name === 'set-header')) {
      if (attr(e, 'name')?.value.trim().toLowerCase() === KEY_HEADER) {
        warnings.push(
          `<inbound> already sets Ocp-Apim-Subscription-Key (exists-action="${attr(e, 'exists-action')?.value ?? ''}"); a delete was added after it`
        );
      }
    }
    changes.push({ path: 'policy.set-header[Ocp-Apim-Subscription-Key]', before: null, after: 'delete' });
  }
  const needKey = !ins.deletesSubscriptionKey;

  if (changes.length === 0) return { text: raw, changes, warnings };

  if (authBlock) {
    const items = [authBlock, needKey ? keyTag(close) : ''].filter((s) => s !== '');
    splices.push(insertion(raw, inbound, base, items, nl));
  } else if (needKey && insertAfterAuth) {
    const ind = indentBefore(raw, insertAfterAuth.start);
    splices.push({
      start: insertAfterAuth.end,
      end: insertAfterAuth.end,
      text: ind !== undefined ? `${nl}${ind}${keyTag(close)}` : keyTag(close)
    });
  }
  return { text: applySplices(raw, splices), changes, warnings };
}

function lineOf(raw: string, at: number): number {
  return raw.slice(0, at).split(/\r\n|\r|\n/).length;
}

/** Length change of the text after applying `splices`. */
function delta(splices: Splice[]): number {
  return splices.reduce((d, s) => d + s.text.length - (s.end - s.start), 0);
}

/** The range to delete when moving `el`: its whole line (with the preceding line break) when it stands alone on it. */
function cutRange(raw: string, el: ElementNode): Splice {
  const ind = indentBefore(raw, el.start);
  let after = el.end;
  while (after < raw.length && (raw[after] === ' ' || raw[after] === '\t')) after++;
  const aloneAfter = after >= raw.length || raw[after] === '\n' || raw[after] === '\r';
  if (ind !== undefined && aloneAfter) {
    let start = el.start - ind.length;
    if (raw[start - 1] === '\n') start--;
    if (raw[start - 1] === '\r') start--;
    return { start, end: after, text: '' };
  }
  return { start: el.start, end: el.end, text: '' };
}

/** Inserts `items` after `<base />`, or first in `<inbound>`, in the surrounding layout. */
function insertion(
  raw: string,
  inbound: ElementNode,
  base: ElementNode | undefined,
  items: string[],
  nl: string
): Splice {
  if (base) {
    const ind = indentBefore(raw, base.start);
    return {
      start: base.end,
      end: base.end,
      text: ind !== undefined ? items.map((t) => `${nl}${ind}${t}`).join('') : items.join('')
    };
  }
  const inboundInd = indentBefore(raw, inbound.start);
  const multiline = inboundInd !== undefined;
  const firstChild = elementChildren(inbound)[0];
  const childInd =
    (firstChild && indentBefore(raw, firstChild.start)) ?? (inboundInd ?? '') + guessUnit(raw, inbound, inboundInd);
  if (inbound.selfClosing) {
    const tag = raw.slice(inbound.start, inbound.end).replace(/\s*\/>$/, '>');
    const text = multiline
      ? `${tag}${items.map((t) => `${nl}${childInd}${t}`).join('')}${nl}${inboundInd}</${inbound.name}>`
      : `${tag}${items.join('')}</${inbound.name}>`;
    return { start: inbound.start, end: inbound.end, text };
  }
  if (!multiline) return { start: inbound.openEnd, end: inbound.openEnd, text: items.join('') };
  const content = raw.slice(inbound.openEnd, inbound.closeStart);
  const tail = /[\r\n]/.test(content) ? '' : `${nl}${inboundInd}`;
  return {
    start: inbound.openEnd,
    end: inbound.openEnd,
    text: items.map((t) => `${nl}${childInd}${t}`).join('') + tail
  };
}

/** One indentation step: the difference between <inbound>'s indentation and its parent's, else 4 spaces (tab if the document indents with tabs). */
function guessUnit(raw: string, inbound: ElementNode, inboundInd: string | undefined): string {
  const parentInd = inbound.parent ? indentBefore(raw, inbound.parent.start) : undefined;
  if (inboundInd !== undefined && parentInd !== undefined && inboundInd.startsWith(parentInd)) {
    const unit = inboundInd.slice(parentInd.length);
    if (unit !== '') return unit;
  }
  return inboundInd?.includes('\t') ? '\t' : '    ';
}

function applySplices(raw: string, splices: Splice[]): string {
  const sorted = [...splices].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = raw;
  for (const s of sorted) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}
