/**
 * Anchors: where the sections of an API policy are, and where the owned elements are — or will be once merged — as
 * offsets into the text, with the words messages use for them. Pure module.
 *
 * `<base />` runs the parent scope's policies at that point (Learn: "Policies in Azure API Management", policy
 * scopes / base element), so the owned elements go after it: the owned `<authentication-managed-identity>` where it
 * stands, or right after `<base />` when it is missing or before `<base />` (first in `<inbound>` when there is no
 * `<base />`); then each subscription-key delete, in {@link KEY_KINDS} order, at the last direct one of its kind, or
 * (none yet) right after the previous owned element.
 */
import { lineAt } from './errors.js';
import { ownershipOf, type Ownership, type OwnershipOptions } from './ownership.js';
import { AUTH, deletesKey } from './predicates.js';
import { deleteShown, KEY_KINDS, type KeyKind, type SubscriptionKey } from './subscription-key.js';
import { elementChildren, type ElementNode, type ParsedPolicy } from './tree.js';

/** A parsed policy with its sections, the API's subscription keys and which managed-identity element is owned. */
export interface Located {
  parsed: ParsedPolicy;
  /** `<policies>/<inbound>` */
  inbound?: ElementNode;
  /** `<base />` directly in `<inbound>` */
  base?: ElementNode;
  /** `<policies>/<backend>` (runs after `<inbound>`) */
  backend?: ElementNode;
  /** The API's subscription-key header and query parameter. */
  keys: Record<KeyKind, SubscriptionKey>;
  /** Which managed-identity element is owned (see {@link Ownership}). */
  own: Ownership;
}

/**
 * Finds the sections of `parsed` (`<inbound>` / `<backend>` only as direct children of `<policies>`) and the owned
 * managed-identity element (`opts`, `extra`: see ownershipOf). Never throws (`keys` are validated by the caller).
 */
export function locate(
  parsed: ParsedPolicy,
  keys: Record<KeyKind, SubscriptionKey>,
  opts: OwnershipOptions = {},
  extra: string[] = []
): Located {
  const section = (name: string) =>
    parsed.root.name === 'policies' ? elementChildren(parsed.root).find((e) => e.name === name) : undefined;
  const inbound = section('inbound');
  const base = inbound ? elementChildren(inbound).find((e) => e.name === 'base') : undefined;
  const backend = section('backend');
  const own = ownershipOf(parsed, inbound, backend, opts, extra);
  return { parsed, inbound, base, backend, keys, own };
}

/** The direct children of `<inbound>` this action owns: the owned managed-identity element and every key delete. */
export function ownedChildren(loc: Located): ElementNode[] {
  if (!loc.inbound) return [];
  return elementChildren(loc.inbound).filter(
    (e) => e === loc.own.owned?.el || KEY_KINDS.some((kind) => deletesKey(e, loc.keys[kind]))
  );
}

/** The last direct delete of `key` in `<inbound>`, if any. */
export function lastDelete(inbound: ElementNode, key: SubscriptionKey): ElementNode | undefined {
  const deletes = elementChildren(inbound).filter((e) => deletesKey(e, key));
  return deletes[deletes.length - 1];
}

/** Where one owned element is (or will be) once merged. */
export interface Anchor {
  /** Offset after which a direct child of `<inbound>` runs after the owned element. */
  at: number;
  /** Where it is (or will be), e.g. "the subscription-key delete (line 8)". */
  where: string;
  /** The fix for an element after it that undoes it, e.g. "remove it or move it before <…> (line 7)". */
  fix: string;
  /** Where the next owned element goes when it is new, e.g. "right after the header delete, line 8". */
  next: string;
}

/** The anchors of the owned elements (guards.ts, PolicyConflict, says how "after" them is judged). */
export interface Anchors {
  /** The owned `<authentication-managed-identity>`. */
  auth: Anchor;
  /** Each subscription-key delete. */
  keys: Record<KeyKind, Anchor>;
  /** The earliest anchor: everything from here on runs after at least one owned element. */
  ownedEnd: number;
}

/** The owned managed-identity element's anchor: where it stays, else right after `<base />`, else first in `<inbound>`. */
function authAnchor(raw: string, inbound: ElementNode, loc: Located): Anchor {
  const { base } = loc;
  const auth = loc.own.owned?.el;
  const addYourself = `add <${AUTH}> yourself after it`;
  if (auth !== undefined && !(base && auth.start < base.start)) {
    const l = lineAt(raw, auth);
    return {
      at: auth.end,
      where: `<${AUTH}> (line ${l})`,
      fix: `remove it or move it before <${AUTH}> (line ${l})`,
      next: `right after <${AUTH}>, line ${l}`
    };
  }
  if (base) {
    const l = lineAt(raw, base);
    return {
      at: base.end,
      where: `<${AUTH}> (which the action puts right after <base />, line ${l})`,
      fix: `remove it, move it before <base /> (line ${l}), or ${addYourself}`,
      next: `with <${AUTH}> right after <base />, line ${l}`
    };
  }
  const l = lineAt(raw, inbound);
  return {
    at: inbound.openEnd,
    where: `<${AUTH}> (which the action puts first in <inbound>, line ${l}, as there is no <base />)`,
    fix: `remove it, or ${addYourself}`,
    next: `with <${AUTH}> first in <inbound>, line ${l}`
  };
}

/** A key delete's anchor: its last direct delete, else (none yet) right after the previous owned element. */
function keyAnchor(raw: string, inbound: ElementNode, key: SubscriptionKey, prev: Anchor): Anchor {
  const last = lastDelete(inbound, key);
  if (!last) {
    return {
      at: prev.at,
      where: `${key.deleteLabel} (which the action puts ${prev.next})`,
      fix: prev.fix,
      next: `right after ${key.shortLabel}, ${prev.next}`
    };
  }
  const l = lineAt(raw, last);
  return {
    at: last.end,
    where: `${key.deleteLabel} (line ${l})`,
    fix: `remove it or move it before ${deleteShown(key)} (line ${l})`,
    next: `right after ${key.shortLabel}, line ${l}`
  };
}

/** The anchors of every owned element of `inbound` (see {@link Anchors}). */
export function anchorsOf(loc: Located, inbound: ElementNode): Anchors {
  const raw = loc.parsed.raw;
  const auth = authAnchor(raw, inbound, loc);
  const keys = {} as Record<KeyKind, Anchor>;
  let prev = auth;
  for (const kind of KEY_KINDS) prev = keys[kind] = keyAnchor(raw, inbound, loc.keys[kind], prev);
  const ownedEnd = Math.min(auth.at, ...KEY_KINDS.map((kind) => keys[kind].at));
  return { auth, keys, ownedEnd };
}
