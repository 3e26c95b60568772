/** Where smoke requests go (gateway and direct URLs), and the excluded-path conflict check (C14). Pure. */
import type { SmokeTarget } from './types.js';

/** The Function-side path a direct request reaches: the serviceUrl's path + smoke path, without query. */
function directPath(serviceUrl: string, smokePath: string): string {
  let base = '';
  try {
    base = new URL(serviceUrl).pathname;
  } catch {
    base = '';
  }
  const path = `${base.replace(/\/+$/, '')}${smokePath.split(/[?#]/)[0]}`;
  return path === '' ? '/' : path;
}

/**
 * C14: the direct no-token check on a path Easy Auth excludes would get 200 and prove nothing (a false alarm).
 * Returns a message (listing the excluded paths and the fix) when `<serviceUrl path><smokePath>` equals an excluded
 * path, lies under one (`/x` covers `/x/…`), or matches a trailing-`*` pattern — case-insensitively; else undefined.
 * Call it before any write. Matching is deliberately broad: Learn does not document the exact matching rule.
 */
export function excludedPathConflict(
  serviceUrl: string,
  smokePath: string,
  excludedPaths: string[]
): string | undefined {
  if (!smokePath || excludedPaths.length === 0) return undefined;
  const direct = directPath(serviceUrl, smokePath).toLowerCase().replace(/\/+$/, '') || '/';
  const hit = excludedPaths.find((raw) => {
    const ex = raw.trim().toLowerCase();
    if (ex === '') return false;
    if (ex.endsWith('*')) return direct.startsWith(ex.slice(0, -1));
    const e = ex.replace(/\/+$/, '') || '/';
    return e === '/' || direct === e || direct.startsWith(`${e}/`);
  });
  if (hit === undefined) return undefined;
  return (
    `smoke-path '${smokePath}' reaches ${directPath(serviceUrl, smokePath)} on the Function, which Easy Auth ` +
    `excludes from authentication ('${hit}'): the direct no-token check would get 200 there and prove nothing. ` +
    `Choose a smoke-path outside the excluded paths. Excluded paths: ${excludedPaths.join(', ')}`
  );
}

function joinUrl(base: string, ...parts: string[]): string {
  let url = base.replace(/\/+$/, '');
  for (const p of parts) {
    const t = p.replace(/^\/+/, '').replace(/\/+$/, '');
    if (t !== '') url += `/${t}`;
  }
  return url;
}

/** `<gatewayUrl>/<apiPath><smokePath>` (no doubled or missing slashes; trailing slash of smokePath kept). */
export function gatewayRequestUrl(target: SmokeTarget, smokePath: string): string {
  return joinUrl(target.gatewayUrl, target.apiPath) + smokePath;
}

/** `<serviceUrl><smokePath>`. */
export function directRequestUrl(serviceUrl: string, smokePath: string): string {
  return serviceUrl.replace(/\/+$/, '') + smokePath;
}
