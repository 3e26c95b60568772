/** Small HTTP helpers shared by the twin's control-plane handlers (no network code here). */
import { randomUUID } from 'node:crypto';
import type { TwinRequest, TwinResponse } from './contracts.js';

/** A parsed request: the TwinRequest plus its path (no query) and query parameters. */
export interface ParsedRequest extends TwinRequest {
  path: string;
  query: URLSearchParams;
}

/** A control-plane handler for one listener ("host"). */
export type Handler = (req: ParsedRequest) => Promise<TwinResponse>;

/** Splits `req.url` into path and query. */
export function parseRequest(req: TwinRequest): ParsedRequest {
  const u = new URL(req.url, 'https://twin.invalid');
  return { ...req, path: decodeURIComponent(u.pathname), query: u.searchParams };
}

/** JSON response with `content-type: application/json; charset=utf-8`. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): TwinResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: body === undefined ? '' : JSON.stringify(body)
  };
}

/** Parses a JSON request body; returns undefined for an empty body; throws SyntaxError for invalid JSON. */
export function readJson(req: TwinRequest): unknown {
  const text = req.body.toString('utf8');
  return text.trim() === '' ? undefined : JSON.parse(text);
}

/** Bearer token from `Authorization: Bearer x` (case-insensitive scheme), or undefined. */
export function bearer(req: TwinRequest): string | undefined {
  const m = /^bearer\s+(.+)$/i.exec(req.headers['authorization'] ?? '');
  return m?.[1]?.trim();
}

/** Deep clone of JSON data. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** A fresh request id as Azure services put in `x-ms-request-id`. */
export function requestId(): string {
  return randomUUID();
}

/** True for a plain JSON object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * JSON Merge Patch (RFC 7396): objects merge recursively, `null` deletes a member, anything else replaces.
 * Returns a new value; inputs are not modified.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
