/** GitHub REST endpoint of the twin: issue comments (what the sticky PR comment needs). */
import type { TwinResponse, TwinState } from './contracts.js';
import { json, readJson, type Handler } from './http.js';

type Comment = TwinState['github']['comments'][number];

function notFound(): TwinResponse {
  return json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
}

function toApi(base: string, repo: string, issue: number, c: Comment): Record<string, unknown> {
  const login = c.user ?? 'github-actions[bot]';
  return {
    id: c.id,
    node_id: Buffer.from(`IC_${c.id}`).toString('base64'),
    url: `${base}/repos/${repo}/issues/comments/${c.id}`,
    html_url: `https://github.com/${repo}/pull/${issue}#issuecomment-${c.id}`,
    issue_url: `${base}/repos/${repo}/issues/${issue}`,
    body: c.body,
    user: { login, id: login === 'github-actions[bot]' ? 41898282 : 1, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    author_association: 'NONE'
  };
}

/**
 * Routes (docs.github.com/rest/issues/comments): GET `/repos/{o}/{r}/issues/{n}/comments` (`per_page` ≤ 100, default
 * 30; `page` from 1; `Link` header with rel next/last), POST same (201), GET/PATCH
 * `/repos/{o}/{r}/issues/comments/{id}`, DELETE same (204 No Content, empty body; "Delete an issue comment").
 * `Authorization: token|Bearer` required (401). Writes (POST/PATCH/DELETE) with `github.tokenCanWrite === false` →
 * 403 "Resource not accessible by integration" (checked before existence, so also for an absent comment). Unknown
 * repo/issue/comment → 404 (so a second DELETE of one comment → 404). `mutate` changes the twin state.
 */
export function githubHandler(
  base: () => string,
  getState: () => TwinState,
  mutate: (f: (s: TwinState) => void) => void
): Handler {
  return async (req) => {
    if (!/^(token|bearer)\s+\S+/i.test(req.headers['authorization'] ?? '')) {
      return json(401, {
        message: 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
        status: '401'
      });
    }
    const gh = getState().github;
    const m = /^\/repos\/([^/]+\/[^/]+)\/issues\/(?:(\d+)\/comments|comments\/(\d+))$/.exec(req.path);
    if (!m || m[1]!.toLowerCase() !== gh.repository.toLowerCase()) return notFound();
    const repo = gh.repository;
    const issue = gh.pullRequestNumber ?? 0;
    const write = req.method !== 'GET';
    if (write && gh.tokenCanWrite === false) {
      return json(403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/issues/comments',
        status: '403'
      });
    }
    if (m[2] !== undefined) {
      if (Number(m[2]) !== issue) return notFound();
      if (req.method === 'GET') {
        const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30));
        const page = Math.max(1, Number(req.query.get('page') ?? 1) || 1);
        const all = gh.comments;
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const slice = all.slice((page - 1) * perPage, page * perPage).map((c) => toApi(base(), repo, issue, c));
        const link = (p: number): string =>
          `${base()}/repos/${repo}/issues/${issue}/comments?per_page=${perPage}&page=${p}`;
        const rels: string[] = [];
        if (page > 1) rels.push(`<${link(page - 1)}>; rel="prev"`, `<${link(1)}>; rel="first"`);
        if (page < last) rels.push(`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
        return json(200, slice, rels.length ? { link: rels.join(', ') } : {});
      }
      if (req.method === 'POST') {
        const body = readJson(req) as { body?: unknown } | undefined;
        if (typeof body?.body !== 'string')
          return json(422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', status: '422' });
        let created: Comment | undefined;
        mutate((s) => {
          const id = Math.max(1000, ...s.github.comments.map((c) => c.id)) + 1;
          created = { id, body: body.body as string, user: 'github-actions[bot]' };
          s.github.comments.push(created);
        });
        return json(201, toApi(base(), repo, issue, created!), {
          location: `${base()}/repos/${repo}/issues/comments/${created!.id}`
        });
      }
      return notFound();
    }
    const id = Number(m[3]);
    const existing = gh.comments.find((c) => c.id === id);
    if (!existing) return notFound();
    if (req.method === 'GET') return json(200, toApi(base(), repo, issue, existing));
    if (req.method === 'PATCH') {
      const body = readJson(req) as { body?: unknown } | undefined;
      if (typeof body?.body !== 'string') return json(422, { message: 'Invalid request.', status: '422' });
      let updated: Comment | undefined;
      mutate((s) => {
        updated = s.github.comments.find((c) => c.id === id)!;
        updated.body = body.body as string;
      });
      return json(200, toApi(base(), repo, issue, updated!));
    }
    if (req.method === 'DELETE') {
      mutate((s) => {
        s.github.comments = s.github.comments.filter((c) => c.id !== id);
      });
      return { status: 204, headers: {}, body: '' };
    }
    return notFound();
  };
}
