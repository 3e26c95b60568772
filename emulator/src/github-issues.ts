/**
 * GitHub REST "Issues" of the twin (docs.github.com/rest/issues/issues, /rest/issues/labels): what the drift issue
 * needs — list (paging, `state`, `labels`, `direction`), get, create, update (title, body, state, state_reason,
 * labels) and add labels. Issue comments live in ./github.ts.
 */
import type { GitHubIssue, TwinResponse, TwinState } from './contracts.js';
import { forbidden, notFound, paged, userOf } from './github.js';
import { isObject, json, readJson, type Handler, type ParsedRequest } from './http.js';

type GitHub = TwinState['github'];

const DOCS = 'https://docs.github.com/rest/issues/issues';
const STATE_REASONS = ['completed', 'not_planned', 'duplicate', 'reopened'] as const;

/** True when the token may write issues: `tokenCanWriteIssues`, else `tokenCanWrite`, else true. */
export function issueWritesAllowed(gh: GitHub): boolean {
  return (gh.tokenCanWriteIssues ?? gh.tokenCanWrite) !== false;
}

/** A small stable number for a label name (GitHub gives every label an id; ours only need to be stable). */
function labelId(name: string): number {
  let h = 7;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) % 2_000_000_000;
  return h;
}

function labelApi(base: string, repo: string, name: string): Record<string, unknown> {
  return {
    id: labelId(name),
    node_id: Buffer.from(`LA_${name}`).toString('base64'),
    url: `${base}/repos/${repo}/labels/${encodeURIComponent(name)}`,
    name,
    color: 'ededed',
    default: false,
    description: null
  };
}

/** An issue as GitHub's REST API returns it (schema "issue"; the fields the twin can fill). */
function toApi(base: string, gh: GitHub, i: GitHubIssue, pr = false): Record<string, unknown> {
  const repo = gh.repository;
  const api = `${base}/repos/${repo}/issues/${i.number}`;
  const comments = gh.comments.filter((c) => (pr ? c.issueNumber === undefined : c.issueNumber === i.number)).length;
  return {
    id: 5_000_000 + i.number,
    node_id: Buffer.from(`I_${i.number}`).toString('base64'),
    url: api,
    repository_url: `${base}/repos/${repo}`,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: `https://github.com/${repo}/${pr ? 'pull' : 'issues'}/${i.number}`,
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    state_reason: i.stateReason ?? null,
    locked: false,
    labels: i.labels.map((l) => labelApi(base, repo, l)),
    user: userOf(i.user ?? 'github-actions[bot]'),
    assignee: null,
    assignees: [],
    milestone: null,
    comments,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    closed_at: i.state === 'closed' ? '2025-01-01T00:00:00Z' : null,
    author_association: 'NONE',
    ...(pr
      ? {
          pull_request: {
            url: `${base}/repos/${repo}/pulls/${i.number}`,
            html_url: `https://github.com/${repo}/pull/${i.number}`
          }
        }
      : {})
  };
}

/** The pull request as the Issues endpoints show it (an open issue with a `pull_request` key), if there is one. */
function prIssue(gh: GitHub): GitHubIssue | undefined {
  const n = gh.pullRequestNumber;
  return n === undefined ? undefined : { number: n, title: `Pull request #${n}`, body: '', state: 'open', labels: [] };
}

function validation(message: string): TwinResponse {
  return json(422, {
    message: 'Validation Failed',
    errors: [{ resource: 'Issue', code: 'invalid', message }],
    documentation_url: DOCS,
    status: '422'
  });
}

/** Label names from `labels` as the REST API takes them: strings or `{name}` objects. undefined when malformed. */
function labelNames(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const names = v.map((l) => (typeof l === 'string' ? l : isObject(l) && typeof l.name === 'string' ? l.name : ''));
  return names.every((n) => n.trim() !== '') ? [...new Set(names.map((n) => n.trim()))] : undefined;
}

/**
 * Routes, each from the REST reference ("Issues" and "Labels"):
 * - GET `/repos/{o}/{r}/issues` ("List repository issues"): `state` open (default) | closed | all (another value →
 *   422), `labels` (comma list, all must be on the issue), `direction` desc (default) | asc over creation order (=
 *   number order), `per_page`/`page` with a `Link` header. Pull requests are listed too, as issues with a
 *   `pull_request` key ("GitHub's REST API considers every pull request an issue").
 * - POST same ("Create an issue"): `title` (string or number) required, else 422; `body`, `labels`; 201 with a
 *   `Location` header. The number is the next of the sequence the pull request shares.
 * - GET/PATCH `/repos/{o}/{r}/issues/{n}` ("Get an issue", "Update an issue"): `title`, `body`, `state` open|closed,
 *   `state_reason` (completed, not_planned, duplicate, reopened; "Ignored unless `state` is changed"; closing without
 *   one → completed, reopening → reopened), `labels` (replaces the set).
 * - POST `/repos/{o}/{r}/issues/{n}/labels` ("Add labels to an issue"): `{labels: [...]}` or a bare array; 200 with
 *   the issue's labels.
 * Writes with issue writes refused (`tokenCanWriteIssues`/`tokenCanWrite` false) → 403 "Resource not accessible by
 * integration", checked before existence. Not modelled: the pull request through PATCH/labels (404), `sort` other than
 * creation, `creator`/`assignee`/`since` filters (ignored), labels silently dropped without push access, locking, 410
 * for disabled issues.
 */
export function issuesHandler(
  base: () => string,
  getState: () => TwinState,
  mutate: (f: (s: TwinState) => void) => void
): Handler {
  return async (req) => {
    const m = /^\/repos\/[^/]+\/[^/]+\/issues(?:\/(\d+)(\/labels)?)?$/.exec(req.path);
    if (!m) return notFound();
    const gh = getState().github;
    if (req.method !== 'GET' && !issueWritesAllowed(gh)) return forbidden(DOCS);
    if (m[1] === undefined) {
      if (req.method === 'GET') return list(req);
      return req.method === 'POST' ? create(req) : notFound();
    }
    const n = Number(m[1]);
    if (req.method === 'GET' && !m[2]) {
      const pr = prIssue(gh);
      if (pr?.number === n) return json(200, toApi(base(), gh, pr, true));
    }
    const issue = (gh.issues ?? []).find((i) => i.number === n);
    if (!issue) return notFound();
    if (m[2]) return req.method === 'POST' ? addLabels(req, n) : notFound();
    if (req.method === 'GET') return json(200, toApi(base(), gh, issue));
    return req.method === 'PATCH' ? update(req, n) : notFound();
  };

  function list(req: ParsedRequest): TwinResponse {
    const gh = getState().github;
    const state = req.query.get('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) return validation(`state: '${state}' is not open, closed or all`);
    const wanted = (req.query.get('labels') ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    const pr = prIssue(gh);
    const all = [...(gh.issues ?? []).map((i) => ({ i, pr: false })), ...(pr ? [{ i: pr, pr: true }] : [])]
      .filter(({ i }) => state === 'all' || i.state === state)
      .filter(({ i }) => wanted.every((l) => i.labels.includes(l)))
      .sort((a, b) => (req.query.get('direction') === 'asc' ? a.i.number - b.i.number : b.i.number - a.i.number));
    const keep = new URLSearchParams(req.query);
    const { items, headers } = paged(all, req.query, (p, per) => {
      keep.set('per_page', String(per));
      keep.set('page', String(p));
      return `${base()}/repos/${gh.repository}/issues?${keep.toString()}`;
    });
    return json(
      200,
      items.map(({ i, pr: isPr }) => toApi(base(), gh, i, isPr)),
      headers
    );
  }

  function create(req: ParsedRequest): TwinResponse {
    const body = readJson(req);
    if (!isObject(body) || (typeof body.title !== 'string' && typeof body.title !== 'number')) {
      return json(422, {
        message: 'Invalid request.\n\n"title" wasn\'t supplied.',
        documentation_url: DOCS,
        status: '422'
      });
    }
    const labels = body.labels === undefined ? [] : labelNames(body.labels);
    if (!labels) return validation('labels must be a list of names');
    let created: GitHubIssue | undefined;
    mutate((s) => {
      const issues = (s.github.issues ??= []);
      const number = Math.max(s.github.pullRequestNumber ?? 0, 0, ...issues.map((i) => i.number)) + 1;
      created = {
        number,
        title: String(body.title),
        body: typeof body.body === 'string' ? body.body : '',
        state: 'open',
        labels,
        user: 'github-actions[bot]'
      };
      issues.push(created);
    });
    const gh = getState().github;
    return json(201, toApi(base(), gh, created!), {
      location: `${base()}/repos/${gh.repository}/issues/${created!.number}`
    });
  }

  function update(req: ParsedRequest, n: number): TwinResponse {
    const body = readJson(req);
    if (!isObject(body)) return validation('the body must be a JSON object');
    if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed') {
      return validation(`state: '${String(body.state)}' is not open or closed`);
    }
    const reason = body.state_reason;
    if (reason !== undefined && reason !== null && !(STATE_REASONS as readonly unknown[]).includes(reason)) {
      return validation(`state_reason: '${String(reason)}' is not one of ${STATE_REASONS.join(', ')}`);
    }
    const labels = body.labels === undefined ? undefined : labelNames(body.labels);
    if (body.labels !== undefined && !labels) return validation('labels must be a list of names');
    mutate((s) => {
      const i = s.github.issues!.find((x) => x.number === n)!;
      if (typeof body.title === 'string' || typeof body.title === 'number') i.title = String(body.title);
      if (typeof body.body === 'string') i.body = body.body;
      if (labels) i.labels = labels;
      if (body.state !== undefined && body.state !== i.state) {
        i.state = body.state as GitHubIssue['state'];
        const fallback = i.state === 'closed' ? 'completed' : 'reopened';
        i.stateReason = (typeof reason === 'string' ? reason : fallback) as GitHubIssue['stateReason'];
      }
    });
    const gh = getState().github;
    return json(
      200,
      toApi(
        base(),
        gh,
        gh.issues!.find((x) => x.number === n)!
      )
    );
  }

  function addLabels(req: ParsedRequest, n: number): TwinResponse {
    const body = readJson(req);
    const names = labelNames(Array.isArray(body) ? body : isObject(body) ? body.labels : undefined);
    if (!names) return validation('labels must be a list of names');
    mutate((s) => {
      const i = s.github.issues!.find((x) => x.number === n)!;
      i.labels = [...new Set([...i.labels, ...names])];
    });
    const gh = getState().github;
    const issue = gh.issues!.find((x) => x.number === n)!;
    return json(
      200,
      issue.labels.map((l) => labelApi(base(), gh.repository, l))
    );
  }
}
