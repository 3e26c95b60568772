/**
 * The action's APIM policy engine (pure: no @actions/*, no network). See ../../../shared/DESIGN.md §3.
 * - {@link inspectPolicy} / {@link ownedState}: read a rawxml document (expressions need not be well-formed XML).
 * - {@link mergePolicy}: ensure the three owned `<inbound>` elements, splicing into the original text. The
 *   subscription-key deletes name the API's header (`keyHeader`, default {@link DEFAULT_KEY_HEADER}) and query
 *   parameter (`keyQuery`, default {@link DEFAULT_KEY_QUERY}).
 * - {@link policiesEquivalent}: semantic comparison of two documents.
 */
export { PolicyNotManagedError, PolicyParseError } from './errors.js';
export { DEFAULT_KEY_HEADER, DEFAULT_KEY_QUERY, inspectPolicy, mergePolicy, ownedState } from './merge.js';
export type {
  KeyHeaderOption,
  ManagedIdentityElement,
  PolicyConflict,
  PolicyInspection,
  MergeResult
} from './merge.js';
export { policiesEquivalent } from './equivalent.js';
export { extractExpressions } from './scan.js';
