/**
 * The subscription key's two carriers — the request header and the query parameter — as ONE parameterised
 * description, so every rule about "the key" (delete, restore, copy, anchor, insertion, messages) is written once and
 * applied per kind. Pure module.
 *
 * Learn: "Subscriptions in Azure API Management" (a key sent in a header or query parameter "by default is passed to
 * the backend"; remove it with set-header or set-query-parameter); REST Api `subscriptionKeyParameterNames`
 * (`header`, `query`); set-header policy reference, https://learn.microsoft.com/azure/api-management/set-header-policy;
 * set-query-parameter policy reference, https://learn.microsoft.com/azure/api-management/set-query-parameter-policy.
 */

/**
 * The header APIM reads the subscription key from unless the API renames it (Learn: "Subscriptions in Azure API
 * Management"; API `properties.subscriptionKeyParameterNames.header`). The default of every `keyHeader` option.
 */
export const DEFAULT_KEY_HEADER = 'Ocp-Apim-Subscription-Key';

/**
 * The query parameter APIM reads the subscription key from unless the API renames it (Learn: "Subscriptions in Azure
 * API Management": the key "by default is passed to the backend" when sent in a header or query parameter, and a
 * policy can remove the query parameter with set-query-parameter; API `properties.subscriptionKeyParameterNames.query`).
 * The default of every `keyQuery` option.
 */
export const DEFAULT_KEY_QUERY = 'subscription-key';

/**
 * A header name APIM can be configured with: an HTTP field name (RFC 9110 §5.1 token), which also keeps it from
 * being read as an expression (`@`) or breaking the attribute. Test the trimmed name.
 */
export const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * A query parameter name the action manages: RFC 3986 query characters other than the separators `&`, `=`, `#`
 * (percent-escapes allowed), not starting with `@` (an expression) and without `{{` (a named value). Test the
 * trimmed name.
 */
export const QUERY_TOKEN = /^(?!@)(?!.*\{\{)[A-Za-z0-9\-._~!$'()*+,;:@/?%]+$/;

/** Options shared by inspectPolicy, ownedState, ownedElementSpans and mergePolicy. */
export interface KeyHeaderOption {
  /**
   * The API's subscription-key header (`properties.subscriptionKeyParameterNames.header`); default
   * {@link DEFAULT_KEY_HEADER}. Compared case-insensitively.
   */
  keyHeader?: string;
  /**
   * The API's subscription-key query parameter (`properties.subscriptionKeyParameterNames.query`); default
   * {@link DEFAULT_KEY_QUERY}. Compared case-insensitively: Learn documents no case rule for query parameter names
   * (set-query-parameter policy reference; `context.Request.Url.Query` is an `IReadOnlyDictionary` with no stated
   * comparer, "API Management policy expressions"), so a differently-cased delete counts as the owned one and a
   * differently-cased restore as a conflict (the safe side for both).
   */
  keyQuery?: string;
}

/** Where the subscription key travels: the request header or the query parameter. */
export type KeyKind = 'header' | 'query';

/**
 * Every kind, in the order of the owned elements: the query delete goes right after the header delete (which goes
 * right after the owned `<authentication-managed-identity>`).
 */
export const KEY_KINDS: readonly KeyKind[] = ['header', 'query'];

/** What differs between the kinds (everything else about the key is one code path). */
interface KindRule {
  /** The element that sets or deletes it. */
  element: 'set-header' | 'set-query-parameter';
  /** The request collection an expression reads it from (`context.Request.Headers` / `context.Request.Url.Query`). */
  collection: 'Headers' | 'Query';
  default: string;
  token: RegExp;
  /** The name's words in the error for an invalid name, and what was expected. */
  invalid: string;
  expected: string;
  /** The owned delete in messages (e.g. "the subscription-key delete"). */
  deleteLabel: string;
  /** The owned delete when the next owned element is placed right after it. */
  shortLabel: string;
  /** What a restore does (the name is the configured one). */
  putsBack: (name: string) => string;
  mayPutBack: (name: string) => string;
  /**
   * An element of this kind with an expression as its name cannot be checked: `ignoresDeletes` (a delete of an
   * unknown name cannot put anything back), what cannot be checked, and the request to the user.
   */
  expressionName: { ignoresDeletes: boolean; risk: (name: string) => string; ask: string };
  /** An earlier direct setter of the key (before where the new delete goes) is mentioned in a warning. */
  warnsEarlierSetter: boolean;
  /**
   * The name is escaped in the owned delete tag. The header's is not (as written before this module): HEADER_TOKEN
   * admits `&`, which is then written unescaped.
   */
  escapeInTag: boolean;
}

const RULES: Record<KeyKind, KindRule> = {
  header: {
    element: 'set-header',
    collection: 'Headers',
    default: DEFAULT_KEY_HEADER,
    token: HEADER_TOKEN,
    invalid: 'subscription-key header name',
    expected: "an HTTP header name (the API's subscriptionKeyParameterNames.header)",
    deleteLabel: 'the subscription-key delete',
    shortLabel: 'the header delete',
    putsBack: () => 'puts the subscription key back',
    mayPutBack: () => 'may put the subscription key back',
    expressionName: {
      ignoresDeletes: false,
      risk: (name) => `puts the subscription key (${name}) back or replaces the Authorization header`,
      ask: 'make sure it does neither'
    },
    warnsEarlierSetter: true,
    // An RFC 9110 token may hold `&` or `'`: written into the attribute as is, `&` would not be well-formed XML.
    escapeInTag: true
  },
  query: {
    element: 'set-query-parameter',
    collection: 'Query',
    default: DEFAULT_KEY_QUERY,
    token: QUERY_TOKEN,
    invalid: 'subscription-key query parameter name',
    expected: "a query parameter name (the API's subscriptionKeyParameterNames.query)",
    deleteLabel: 'the subscription-key query delete',
    shortLabel: 'the query delete',
    putsBack: (name) => `keeps or puts the subscription-key query parameter (${name}) back`,
    mayPutBack: (name) => `may put the subscription-key query parameter (${name}) back`,
    expressionName: {
      ignoresDeletes: true,
      risk: (name) => `puts the subscription-key query parameter (${name}) back`,
      ask: 'make sure it does not'
    },
    warnsEarlierSetter: false,
    escapeInTag: true
  }
};

/** One configured carrier of the subscription key: its kind's rule, the name as configured and lower-cased. */
export interface SubscriptionKey extends KindRule {
  kind: KeyKind;
  /** As configured, trimmed (for messages and new elements). */
  name: string;
  /** Lower-cased (names compare case-insensitively). */
  lower: string;
  /** The change path of its owned delete, e.g. `policy.set-header[X-Api-Key]`. */
  path: string;
}

/**
 * The key of `kind` named `configured` (undefined → the kind's default), NOT validated: for comparisons that must
 * not throw (canonicalPolicy). Use {@link subscriptionKey} wherever a name is written or judged.
 */
export function describeKey(kind: KeyKind, configured: string | undefined): SubscriptionKey {
  const rule = RULES[kind];
  const name = (configured ?? rule.default).trim();
  return { ...rule, kind, name, lower: name.toLowerCase(), path: `policy.${rule.element}[${name}]` };
}

/**
 * The key of `kind` named `configured` (undefined → the kind's default). Throws Error when the trimmed name is not
 * one the kind allows ({@link HEADER_TOKEN} / {@link QUERY_TOKEN}: blank, `@…`, `&`/`=` in a query name, …).
 */
export function subscriptionKey(kind: KeyKind, configured: string | undefined): SubscriptionKey {
  const key = describeKey(kind, configured);
  if (!key.token.test(key.name)) {
    throw new Error(`invalid ${key.invalid} ${JSON.stringify(configured)}: expected ${key.expected}`);
  }
  return key;
}

/** Both keys of an API (`opts.keyHeader`, `opts.keyQuery`), NOT validated (see {@link describeKey}). */
export function describeKeys(opts: KeyHeaderOption): Record<KeyKind, SubscriptionKey> {
  return { header: describeKey('header', opts.keyHeader), query: describeKey('query', opts.keyQuery) };
}

/** Both keys of an API (`opts.keyHeader`, `opts.keyQuery`); throws like {@link subscriptionKey}, the header first. */
export function subscriptionKeys(opts: KeyHeaderOption): Record<KeyKind, SubscriptionKey> {
  return { header: subscriptionKey('header', opts.keyHeader), query: subscriptionKey('query', opts.keyQuery) };
}

/** The owned delete as shown in messages, e.g. `<set-header name="X-Api-Key" exists-action="delete">`. */
export function deleteShown(key: SubscriptionKey): string {
  return `<${key.element} name="${key.name}" exists-action="delete">`;
}
