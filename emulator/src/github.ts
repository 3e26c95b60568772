/**
 * GitHub REST endpoint of the twin: issue comments (the sticky PR comment, the drift issue's closing comment) and
 * issues (./github-issues.ts: the drift issue).
 */
import type { TwinResponse, TwinState } from './contracts.js';
import { issuesHandler, issueWritesAllowed } from './github-issues.js';
import { json, readJson, type Handler, type ParsedRequest } from './http.js';

type Comment = TwinState['github']['comments'][number];

export function notFound(): TwinResponse {
  return json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
}

/** 403 as GitHub answers a GITHUB_TOKEN without the permission a write needs. */
export function forbidden(docs: string): TwinResponse {
  return json(403, { message: 'Resource not accessible by integration', documentation_url: docs, status: '403' });
}

/**
 * One page of `all` as GitHub pages lists (REST "Using pagination in the REST API"): `per_page` 1-100 (default 30),
 * `page` from 1, and a `Link` header with rel prev/first/next/last built from `link(page, perPage)`.
 */
export function paged<T>(
  all: T[],
  query: URLSearchParams,
  link: (page: number, perPage: number) => string
): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const rels: string[] = [];
  if (page > 1) rels.push(`<${link(page - 1, perPage)}>; rel="prev"`, `<${link(1, perPage)}>; rel="first"`);
  if (page < last) rels.push(`<${link(page + 1, perPage)}>; rel="next"`, `<${link(last, perPage)}>; rel="last"`);
  return {
    items: all.slice((page - 1) * perPage, page * perPage),
    headers: rels.length ? { link: rels.join(', ') } : {}
  };
}

/** The user object GitHub puts in `user` for `login` (github-actions[bot] is a Bot, id 41898282). */
export function userOf(login: string): { login: string; id: number; type: string } {
  return { login, id: login === 'github-actions[bot]' ? 41898282 : 1, type: login.endsWith('[bot]') ? 'Bot' : 'User' };
}

function toApi(base: string, gh: TwinState['github'], c: Comment): Record<string, unknown> {
  const repo = gh.repository;
  const issue = c.issueNumber ?? gh.pullRequestNumber ?? 0;
  const page = c.issueNumber === undefined ? 'pull' : 'issues';
  return {
    id: c.id,
    node_id: Buffer.from(`IC_${c.id}`).toString('base64'),
    url: `${base}/repos/${repo}/issues/comments/${c.id}`,
    html_url: `https://github.com/${repo}/${page}/${issue}#issuecomment-${c.id}`,
    issue_url: `${base}/repos/${repo}/issues/${issue}`,
    body: c.body,
    user: userOf(c.user ?? 'github-actions[bot]'),
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    author_association: 'NONE'
  };
}

/** True when `n` is the pull request's number (comments stored without `issueNumber`). */
function isPr(gh: TwinState['github'], n: number | undefined): boolean {
  return n === undefined || n === (gh.pullRequestNumber ?? 0);
}

/**
 * Routes (docs.github.com/rest/issues/comments): GET `/repos/{o}/{r}/issues/{n}/comments` (`per_page` ≤ 100, default
 * 30; `page` from 1; `Link` header with rel next/last), POST same (201), GET/PATCH
 * `/repos/{o}/{r}/issues/comments/{id}`, DELETE same (204 No Content, empty body; "Delete an issue comment"). `{n}`
 * is the pull request or an issue of `github.issues`. Issues themselves: ./github-issues.ts.
 * `Authorization: token|Bearer` required (401). Writes (POST/PATCH/DELETE) with `github.tokenCanWrite === false` →
 * 403 "Resource not accessible by integration" (checked before existence, so also for an absent comment); writes of
 * comments on an issue follow `tokenCanWriteIssues` instead (a GITHUB_TOKEN without `issues: write`). Unknown
 * repo/issue/comment → 404 (so a second DELETE of one comment → 404). `mutate` changes the twin state.
 */
export function githubHandler(
  base: () => string,
  getState: () => TwinState,
  mutate: (f: (s: TwinState) => void) => void
): Handler {
  const issues = issuesHandler(base, getState, mutate);
  return async (req) => {
    if (!/^(token|bearer)\s+\S+/i.test(req.headers['authorization'] ?? '')) {
      return json(401, {
        message: 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
        status: '401'
      });
    }
    const gh = getState().github;
    const repoOf = /^\/repos\/([^/]+\/[^/]+)\//.exec(req.path)?.[1];
    if (!repoOf || repoOf.toLowerCase() !== gh.repository.toLowerCase()) return notFound();
    const m = /^\/repos\/[^/]+\/[^/]+\/issues\/(?:(\d+)\/comments|comments\/(\d+))$/.exec(req.path);
    if (!m) return issues(req);
    return m[1] !== undefined ? issueComments(req, Number(m[1])) : oneComment(req, Number(m[2]));
  };

  function canWrite(gh: TwinState['github'], issueNumber: number | undefined): boolean {
    return isPr(gh, issueNumber) ? gh.tokenCanWrite !== false : issueWritesAllowed(gh);
  }

  /** GET/POST `/repos/{o}/{r}/issues/{n}/comments`. */
  async function issueComments(req: ParsedRequest, n: number): Promise<TwinResponse> {
    const gh = getState().github;
    const onPr = isPr(gh, n);
    if (req.method !== 'GET' && !canWrite(gh, onPr ? undefined : n)) {
      return forbidden('https://docs.github.com/rest/issues/comments');
    }
    if (!onPr && !(gh.issues ?? []).some((i) => i.number === n)) return notFound();
    const mine = (c: Comment): boolean => (onPr ? isPr(gh, c.issueNumber) : c.issueNumber === n);
    if (req.method === 'GET') {
      const { items, headers } = paged(
        gh.comments.filter(mine),
        req.query,
        (p, per) => `${base()}/repos/${gh.repository}/issues/${n}/comments?per_page=${per}&page=${p}`
      );
      return json(
        200,
        items.map((c) => toApi(base(), gh, c)),
        headers
      );
    }
    if (req.method !== 'POST') return notFound();
    const body = readJson(req) as { body?: unknown } | undefined;
    if (typeof body?.body !== 'string')
      return json(422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', status: '422' });
    let created: Comment | undefined;
    mutate((s) => {
      const id = Math.max(1000, ...s.github.comments.map((c) => c.id)) + 1;
      created = { id, body: body.body as string, user: 'github-actions[bot]', ...(onPr ? {} : { issueNumber: n }) };
      s.github.comments.push(created);
    });
    return json(201, toApi(base(), getState().github, created!), {
      location: `${base()}/repos/${gh.repository}/issues/comments/${created!.id}`
    });
  }

  /** GET/PATCH/DELETE `/repos/{o}/{r}/issues/comments/{id}`. */
  async function oneComment(req: ParsedRequest, id: number): Promise<TwinResponse> {
    const gh = getState().github;
    const existing = gh.comments.find((c) => c.id === id);
    if (req.method !== 'GET' && !canWrite(gh, existing?.issueNumber)) {
      return forbidden('https://docs.github.com/rest/issues/comments');
    }
    if (!existing) return notFound();
    if (req.method === 'GET') return json(200, toApi(base(), gh, existing));
    if (req.method === 'PATCH') {
      const body = readJson(req) as { body?: unknown } | undefined;
      if (typeof body?.body !== 'string') return json(422, { message: 'Invalid request.', status: '422' });
      let updated: Comment | undefined;
      mutate((s) => {
        updated = s.github.comments.find((c) => c.id === id)!;
        updated.body = body.body as string;
      });
      return json(200, toApi(base(), getState().github, updated!));
    }
    if (req.method === 'DELETE') {
      mutate((s) => {
        s.github.comments = s.github.comments.filter((c) => c.id !== id);
      });
      return { status: 204, headers: {}, body: '' };
    }
    return notFound();
  }
}
