/**
 * Reading one HTTP answer of a smoke request (headers, Bearer challenge, status class, body excerpts) and the
 * verdicts every check shares (login redirect, transient failure). Pure.
 */
import { scrub } from '../secrets.js';
import type { HttpResponse } from '../ports.js';
import type { Classification } from './types.js';

/** Case-insensitive header lookup ('' when absent). */
export function header(res: HttpResponse, name: string): string {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(res.headers ?? {})) if (k.toLowerCase() === want) return String(v);
  return '';
}

/** True when `WWW-Authenticate` carries a Bearer challenge (RFC 6750 §3), possibly among other challenges. */
export function hasBearerChallenge(res: HttpResponse): boolean {
  return /(^|,)\s*Bearer(\s|,|$)/i.test(header(res, 'www-authenticate'));
}

/** True when `status` matches `expected`: an exact status (`200`) or a class (`2xx`). */
export function statusMatches(status: number, expected: string): boolean {
  const cls = /^([1-5])xx$/i.exec(expected.trim());
  if (cls) return Math.floor(status / 100) === Number(cls[1]);
  return status === Number(expected);
}

/** A short, single-line, scrubbed excerpt of a body for a diagnosis. */
export function excerpt(text: string, max = 200): string {
  const one = scrub(text).replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

/** Error text from the Bearer challenge (`error_description` or `error`), if any. */
export function challengeError(res: HttpResponse): string {
  const h = header(res, 'www-authenticate');
  const d = /error_description="([^"]*)"/i.exec(h) ?? /error="([^"]*)"/i.exec(h);
  return d ? excerpt(d[1]) : '';
}

/**
 * The token audience an IDX10214 message reports (`Audiences: 'x'`; Microsoft.IdentityModel's text, as Easy Auth
 * passes it on in `error_description` or the body), or undefined when the text does not carry one. With several
 * audiences (`'a, b'`) the whole list is returned.
 */
export function reportedAudience(text: string): string | undefined {
  const m = /IDX10214[\s\S]*?Audiences:\s*'([^']*)'/i.exec(text);
  const aud = m?.[1].trim();
  return aud ? aud : undefined;
}

function redirectGot(res: HttpResponse): string {
  const loc = header(res, 'location');
  let where = '';
  try {
    const u = new URL(loc);
    where = ` → ${u.host}${u.pathname}`;
  } catch {
    where = loc ? ' → (relative location)' : '';
  }
  return `${res.status}${where}`;
}

const REDIRECT_DIAGNOSIS =
  'redirects to login instead of 401 (unauthenticatedClientAction is RedirectToLoginPage); an API behind APIM ' +
  'needs globalValidation.unauthenticatedClientAction = Return401. The redirect was not followed.';

/** A 3xx answer: Easy Auth redirects to its login page instead of answering 401 (never followed). */
export function loginRedirect(res: HttpResponse): Classification {
  return { passed: false, got: redirectGot(res), diagnosis: REDIRECT_DIAGNOSIS, layer: 'easy-auth', retry: true };
}

export function got401(res: HttpResponse): string {
  return hasBearerChallenge(res) ? '401 (Bearer challenge)' : '401 (no Bearer challenge)';
}

/** An answer no rule explains: retried when it is a 5xx, 429 or 408. */
export function transient(res: HttpResponse, what: string): Classification {
  return {
    passed: false,
    got: String(res.status),
    diagnosis: `${what} answered ${res.status}${res.body ? `: ${excerpt(res.body)}` : ''}`,
    retry: res.status >= 500 || res.status === 429 || res.status === 408
  };
}

export function mentionsSubscriptionKey(res: HttpResponse): boolean {
  return /subscription key/i.test(res.body) || /subscription key/i.test(header(res, 'www-authenticate'));
}
