/**
 * The action's APIM policy engine (pure: no @actions/*, no network). See ../../../shared/DESIGN.md §3.
 * - {@link inspectPolicy} / {@link ownedState}: read a rawxml document (expressions need not be well-formed XML).
 * - {@link mergePolicy}: ensure the three owned `<inbound>` elements, splicing into the original text. The
 *   owned `<authentication-managed-identity>` is chosen by purpose ({@link OwnershipOptions}: the one that sends
 *   APIM's token for the Function), never by position; {@link ownedManagedIdentity} / {@link ownedElementSpans}
 *   say which it is.
 *   subscription-key deletes name the API's header (`keyHeader`, default {@link DEFAULT_KEY_HEADER}) and query
 *   parameter (`keyQuery`, default {@link DEFAULT_KEY_QUERY}).
 * - {@link policiesEquivalent}: semantic comparison of two documents.
 */
export { PolicyNotManagedError, PolicyParseError } from './errors.js';
export {
  DEFAULT_KEY_HEADER,
  DEFAULT_KEY_QUERY,
  inspectPolicy,
  mergePolicy,
  ownedElementSpans,
  ownedManagedIdentity,
  ownedState
} from './merge.js';
export type {
  KeyHeaderOption,
  ManagedIdentityElement,
  OwnedManagedIdentity,
  PolicyConflict,
  PolicyInspection,
  MergeResult
} from './merge.js';
export { policiesEquivalent } from './equivalent.js';
export { judgeResource, referencedNames, substituteNamedValues } from './ownership.js';
export type { OwnershipOptions, ResourceJudgement, ResourceStatus } from './ownership.js';
export { extractExpressions } from './scan.js';
