/**
 * What the gateway decides before it runs a policy: which operation a request is (urlTemplate matching), the named
 * values substituted into each policy document, and the few policy expressions the twin can evaluate exactly.
 *
 * Sources:
 * - Operation matching: APIM matches method + path to an operation's `urlTemplate` (`/orders/{id}`: a template
 *   parameter is one path segment; a trailing `/*` matches the rest); no match → 404 "Resource not found" raised as a
 *   configuration error with reason `OperationNotFound`, a wrong method included (techcommunity.microsoft.com
 *   azurepaasblog 1588413 "return 404 instead of 405"; chunliu.me 2020/05/01). Among several matches the twin prefers
 *   more literal segments (APIM publishes no rule).
 * - Named values: `{{display name}}` in attribute values and element text is replaced with the value before the policy
 *   runs (Learn "Use named values in Azure API Management policies"); a value may itself be a policy expression. APIM
 *   refuses to save a policy naming a missing named value (Learn Q&A 711104: "Cannot find a property 'ip1'"), so the
 *   twin treats one met at run time (only a seeded state can hold it) as a failing policy: 500.
 * - Expressions: `context.Subscription` (Learn "API Management policy expressions", ISubscription: Id, Key, Name,
 *   PrimaryKey, SecondaryKey) is the subscription the request's key belongs to; null without one, so reading it fails
 *   the expression ("Expression evaluation failed. Object reference not set to an instance of an object.").
 */
import type {
  GatewayNamedValue,
  GatewayOperation,
  GatewaySubscription,
  PolicyElement,
  PolicyNode
} from '../contracts.js';
import { NAMED_VALUE_REF } from '../apim.js';

function templateRegex(template: string): { re: RegExp; literals: number } {
  const path = template.split('?')[0]!.replace(/^\/+|\/+$/g, '');
  const segs = path === '' ? [] : path.split('/');
  let literals = 0;
  let src = '';
  segs.forEach((seg, i) => {
    if (i === segs.length - 1 && (seg === '*' || /^\{\*[^}]*\}$/.test(seg))) {
      src += '(?:/.*)?';
      return;
    }
    if (!seg.includes('{')) literals++;
    const parts = seg.split(/(\{[^}]*\})/).filter((x) => x !== '');
    src += '/' + parts.map((p) => (p.startsWith('{') ? '[^/]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  });
  return { re: new RegExp(`^${src}/?$`, 'i'), literals };
}

/**
 * The operation `method` + `rest` (the path after the API's path, no query, e.g. `orders/42`) matches, or undefined.
 */
export function matchOperation(
  operations: GatewayOperation[],
  method: string,
  rest: string
): GatewayOperation | undefined {
  const path = rest === '' ? '' : `/${rest.replace(/^\/+/, '')}`;
  let best: { op: GatewayOperation; literals: number } | undefined;
  for (const op of operations) {
    if (op.method.toUpperCase() !== method.toUpperCase()) continue;
    const { re, literals } = templateRegex(op.urlTemplate);
    if (!re.test(path)) continue;
    if (!best || literals > best.literals) best = { op, literals };
  }
  return best?.op;
}

/** A named value the policy needs but the twin cannot substitute. */
export class NamedValueFailure extends Error {}

function substitute(text: string, entries: Record<string, GatewayNamedValue>): string {
  return text.replace(NAMED_VALUE_REF, (_all, name: string) => {
    const e = entries[name];
    if (!e) throw new NamedValueFailure(`Cannot find a property '${name}'`);
    if ('unresolved' in e) throw new NamedValueFailure(`named value '${name}' could not be resolved: ${e.unresolved}`);
    return e.value;
  });
}

/**
 * A copy of `el` with every `{{name}}` in attribute values, text and CDATA replaced by the named value.
 * @throws NamedValueFailure for a missing or unresolvable (Key Vault) named value.
 */
export function substituteNamedValues(el: PolicyElement, entries: Record<string, GatewayNamedValue>): PolicyElement {
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.attributes)) attributes[k] = substitute(v, entries);
  const children: PolicyNode[] = el.children.map((c) => {
    if (c.type === 'element') return { type: 'element', element: substituteNamedValues(c.element, entries) };
    if (c.type === 'text' || c.type === 'cdata') return { type: c.type, text: substitute(c.text, entries) };
    return c;
  });
  return { name: el.name, attributes, children };
}

/** The named values of a context: `namedValueEntries`, else the older plain map `namedValues` (name → value). */
export function namedValueEntriesOf(ctx: {
  namedValueEntries?: Record<string, GatewayNamedValue>;
  namedValues?: Record<string, string>;
}): Record<string, GatewayNamedValue> {
  if (ctx.namedValueEntries) return ctx.namedValueEntries;
  const out: Record<string, GatewayNamedValue> = {};
  for (const [k, v] of Object.entries(ctx.namedValues ?? {})) out[k] = { value: v };
  return out;
}

/** The result of evaluating a policy expression: a value, a failure (500), or `undefined` = not modelled (skip). */
export type ExprResult = { value: string } | { error: string } | undefined;

const SUBSCRIPTION_EXPR = /^@\(\s*context\.Subscription\.(Key|PrimaryKey|SecondaryKey|Name|Id)\s*\)$/;

/**
 * Evaluates the expressions the twin models exactly: `@(context.Subscription.Key|PrimaryKey|SecondaryKey|Name|Id)`.
 * Anything else → undefined (the element is skipped, as the twin never evaluates C#).
 */
export function evaluateExpression(
  text: string,
  subscription: (GatewaySubscription & { usedKey?: string }) | undefined
): ExprResult {
  const m = SUBSCRIPTION_EXPR.exec(text.trim());
  if (!m) return undefined;
  if (!subscription)
    return { error: 'Expression evaluation failed. Object reference not set to an instance of an object.' };
  const v: Record<string, string | undefined> = {
    Key: subscription.usedKey,
    PrimaryKey: subscription.primaryKey,
    SecondaryKey: subscription.secondaryKey,
    Name: subscription.name,
    Id: subscription.name
  };
  return { value: v[m[1]!] ?? '' };
}
