/**
 * The action's APIM policy engine (pure: no @actions/*, no network). See ../../../shared/DESIGN.md §3.
 * Modules: ./subscription-key.ts (the key's header and query kinds, one description), ./predicates.ts (what an
 * element is), ./ownership.ts (which managed-identity element is owned), ./anchors.ts (where the owned elements are
 * or will be), ./guards.ts (what undoes them: {@link PolicyConflict}), ./splice.ts (the new text), ./inspect.ts
 * (the read side), ./merge.ts (the merge's orchestration).
 * - {@link inspectPolicy} / {@link ownedState}: read a rawxml document (expressions need not be well-formed XML).
 * - {@link mergePolicy}: ensure the three owned `<inbound>` elements, splicing into the original text. The
 *   owned `<authentication-managed-identity>` is chosen by purpose ({@link OwnershipOptions}: the one that sends
 *   APIM's token for the Function), never by position; {@link ownedManagedIdentity} / {@link ownedElementSpans}
 *   say which it is.
 *   subscription-key deletes name the API's header (`keyHeader`, default {@link DEFAULT_KEY_HEADER}) and query
 *   parameter (`keyQuery`, default {@link DEFAULT_KEY_QUERY}).
 * - {@link policiesEquivalent}: semantic comparison of two documents.
 * - {@link HEADER_TOKEN} / {@link QUERY_TOKEN}: the names the engine accepts for `keyHeader` / `keyQuery` (test the
 *   trimmed name; any other makes inspectPolicy, ownedState, ownedElementSpans and mergePolicy throw).
 */
export { PolicyNotManagedError, PolicyParseError } from './errors.js';
export { DEFAULT_KEY_HEADER, DEFAULT_KEY_QUERY, HEADER_TOKEN, QUERY_TOKEN } from './subscription-key.js';
export type { KeyHeaderOption } from './subscription-key.js';
export { inspectPolicy, ownedElementSpans, ownedManagedIdentity, ownedState } from './inspect.js';
export type { ManagedIdentityElement, OwnedManagedIdentity, PolicyInspection } from './inspect.js';
export { mergePolicy } from './merge.js';
export type { MergeResult } from './merge.js';
export type { PolicyConflict } from './guards.js';
export { policiesEquivalent } from './equivalent.js';
export { judgeResource, referencedNames, substituteNamedValues } from './ownership.js';
export type { OwnershipOptions, ResourceJudgement, ResourceStatus } from './ownership.js';
export { extractExpressions } from './scan.js';
