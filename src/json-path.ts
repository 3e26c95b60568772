/**
 * Small pure helpers to read, write and compare plain JSON documents by path.
 * Paths are arrays of object keys (no array indices: arrays are treated as leaf values), or dotted strings for
 * paths whose keys contain no dots (the Easy Auth owned paths).
 */

export type JsonValue = unknown;
export type PathLike = string | readonly string[];

function segments(path: PathLike): readonly string[] {
  return typeof path === 'string' ? (path === '' ? [] : path.split('.')) : path;
}

/** True for a plain (non-array, non-null) object. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy of a JSON value (structuredClone; values are plain JSON). */
export function cloneJson<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

/** Value at `path` in `root`, or undefined when any segment is missing or not an object. */
export function getPath(root: unknown, path: PathLike): unknown {
  let cur: unknown = root;
  for (const key of segments(path)) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/**
 * Sets `value` at `path` in `root` (mutating it), creating intermediate objects; a non-object in the way is
 * replaced by an object. `value === undefined` deletes the key. Throws Error on an empty path.
 */
export function setPath(root: Record<string, unknown>, path: PathLike, value: unknown): void {
  const segs = segments(path);
  if (segs.length === 0) throw new Error('setPath: empty path');
  let cur: Record<string, unknown> = root;
  for (const key of segs.slice(0, -1)) {
    const next = cur[key];
    if (!isPlainObject(next)) {
      if (value === undefined) return;
      cur[key] = {};
    }
    cur = cur[key] as Record<string, unknown>;
  }
  const last = segs[segs.length - 1];
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

/** Structural equality of JSON values (object key order ignored, array order significant). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Every leaf of `root` as `[segments, value]`: a leaf is any non-object value, an array, or an empty object.
 * Keys whose value is undefined are skipped.
 */
export function leaves(root: unknown, prefix: string[] = []): [string[], unknown][] {
  if (!isPlainObject(root) || (Object.keys(root).length === 0 && prefix.length > 0)) {
    return prefix.length === 0 && !isPlainObject(root) ? [[[], root]] : [[prefix, root]];
  }
  const out: [string[], unknown][] = [];
  for (const [k, v] of Object.entries(root)) {
    if (v === undefined) continue;
    out.push(...leaves(v, [...prefix, k]));
  }
  return out;
}

/** True when `path` equals `owned` or lies under it (both as segment lists). */
export function isUnder(path: readonly string[], owned: readonly string[]): boolean {
  return owned.length <= path.length && owned.every((s, i) => path[i] === s);
}

/** Dotted rendering of a segment list (for reports). */
export function pathToString(path: readonly string[]): string {
  return path.join('.');
}
