/**
 * The auth chain client → APIM → Function as the run saw it: each link proven or failed by the smoke checks, or
 * unproven (see LinkState); without a smoke check for it, what the reads and writes showed: configured (read in sync,
 * or written and read back), not configured (a change not applied), unknown (a resource not reconciled or a write
 * not verified) or not read (no plan). Drawn as a Mermaid `flowchart LR` for the summary, or as one line for the
 * comment and text. Pure.
 */
import type { ResourceKind, RunReport, SmokeCheckResult, SmokeCheckName } from '../types.js';
import { checkLabel } from './derive.js';
import { oneLine, shorten } from './markdown.js';

/**
 * `unproven`: the gateway succeeded but the direct no-token check did not pass, so the success does not show that
 * APIM's token was needed (the Function may accept requests without one). The last four are what the reads and
 * writes showed of a link no smoke check spoke for (see {@link seenState}).
 */
type LinkState = 'proven' | 'failed' | 'unproven' | 'configured' | 'not-configured' | 'unknown' | 'not-read';

/** One mark and one wording per state (the one-line chain and its legend use the marks). */
const MARK: Record<LinkState, string> = {
  proven: '✓',
  failed: '✗',
  unproven: '·',
  configured: '·',
  'not-configured': '○',
  unknown: '?',
  'not-read': '?'
};

function linkLabel(state: LinkState, what: string, detail?: string): string {
  const d = detail ? ` (${detail})` : '';
  const m = MARK[state];
  if (state === 'proven') return `${m} ${what}: proven by smoke${d}`;
  if (state === 'failed') return `${m} ${what}: failed${d}`;
  if (state === 'unproven') return `${m} ${what}: not proven${d}`;
  if (state === 'not-configured') return `${m} ${what}: not configured (change not applied)`;
  if (state === 'unknown') return `${m} ${what}: unknown${d}`;
  if (state === 'not-read') return `${m} ${what}: not read`;
  return `${m} ${what}: configured, not proven`;
}

/** The resources each link depends on: APIM's identity, the policy that sends its token, Easy Auth that checks it. */
const LINK_KINDS = {
  clientToApim: [] as ResourceKind[],
  apimToFunc: ['apim-identity', 'api-policy', 'easy-auth'] as ResourceKind[],
  direct: ['easy-auth'] as ResourceKind[]
};

/**
 * What the reads and writes showed of a link with no smoke check to speak for it: `not-read` without a plan;
 * otherwise the worst of its resources (`kinds`; none: the APIs were read, so `configured`): `not-configured` when a
 * change is needed and was not applied (check mode, or not written / not attempted), `unknown` when a resource could
 * not be reconciled or its write was not verified, else `configured` (read in sync, or written and read back).
 */
function seenState(report: RunReport, kinds: readonly ResourceKind[]): Seen {
  if (!report.plan) return { state: 'not-read' };
  const seen = report.plan.resources
    .filter((r) => kinds.includes(r.kind))
    .map((r): Seen => {
      if (r.error) return { state: 'unknown', why: 'not reconciled' };
      if (r.changes.length === 0) return { state: 'configured' };
      if (report.mode === 'check') return { state: 'not-configured' };
      const a = report.applied.find((x) => x.label === r.label);
      const st = a ? (a.state ?? (a.ok ? 'verified' : 'not-written')) : 'not-attempted';
      if (st === 'verified' || st === 'in-sync') return { state: 'configured' };
      if (st === 'unknown') return { state: 'unknown', why: 'write outcome unknown' };
      return st === 'written-unverified'
        ? { state: 'unknown', why: 'write not verified' }
        : { state: 'not-configured' };
    });
  for (const worst of ['not-configured', 'unknown'] as const) {
    const found = seen.find((x) => x.state === worst);
    if (found) return found;
  }
  return { state: 'configured' };
}

/** A link's state as the reads and writes showed it, and why when it is `unknown`. */
interface Seen {
  state: LinkState;
  why?: string;
}

/** Mermaid-safe text: letters, digits and a few punctuation marks only (no quotes, brackets, pipes, or HTML). */
function mm(text: string, max = 40): string {
  return shorten(oneLine(text), max).replace(/[^\p{L}\p{N} ._\-/:→✓✗·(),]/gu, ' ');
}

/** Several checks of one kind (one per API) count as one link: passed only if all passed; the first failure speaks. */
interface LinkGroup {
  name: SmokeCheckName;
  passed: boolean;
  /** The first failed check, else the first check. */
  rep: SmokeCheckResult;
  count: number;
}

interface Chain {
  clientToApim: LinkState;
  apimToFunc: LinkState;
  /** The direct caller's link when no direct check ran. */
  direct0: Seen;
  /** Why a link the reads and writes spoke for is `unknown`. */
  clientWhy?: string;
  apimToFuncWhy?: string;
  /** Why APIM → Function is `unproven`. */
  apimToFuncNote?: string;
  gateway?: LinkGroup;
  direct: LinkGroup[];
}

function group(checks: SmokeCheckResult[], name: SmokeCheckName): LinkGroup | undefined {
  const of = checks.filter((c) => c.name === name);
  if (of.length === 0) return undefined;
  const failed = of.find((c) => !c.passed);
  return { name, passed: !failed, rep: failed ?? of[0], count: of.length };
}

function chainOf(report: RunReport): Chain {
  const checks = report.smoke && report.smoke.result !== 'skipped' ? report.smoke.checks : [];
  const gateway = group(checks, 'gateway');
  const direct = (['direct-no-token', 'direct-foreign-token'] as const)
    .map((n) => group(checks, n))
    .filter((g): g is LinkGroup => g !== undefined);
  const seenClient = seenState(report, LINK_KINDS.clientToApim);
  const seenMi = seenState(report, LINK_KINDS.apimToFunc);
  let clientToApim = seenClient.state;
  let apimToFunc = seenMi.state;
  let apimToFuncNote: string | undefined;
  if (gateway?.passed) {
    clientToApim = 'proven';
    // A gateway 2xx proves APIM's token only when the Function also refused a request without one.
    const noToken = direct.find((g) => g.name === 'direct-no-token');
    if (noToken?.passed) apimToFunc = 'proven';
    else {
      apimToFunc = 'unproven';
      apimToFuncNote = /^2\d\d\b/.test(noToken?.rep.got ?? '')
        ? 'Function accepts requests without a token'
        : noToken
          ? `direct no-token check got ${noToken.rep.got}`
          : 'direct no-token check not run';
    }
  } else if (gateway) {
    if (gateway.rep.layer === 'apim') clientToApim = 'failed';
    else {
      // Another layer answered, so the call got through APIM.
      if (gateway.rep.layer) clientToApim = 'proven';
      apimToFunc = 'failed';
    }
  }
  return {
    clientToApim,
    apimToFunc,
    direct0: seenState(report, LINK_KINDS.direct),
    clientWhy: clientToApim === seenClient.state ? seenClient.why : undefined,
    apimToFuncWhy: apimToFunc === seenMi.state ? seenMi.why : undefined,
    apimToFuncNote,
    gateway,
    direct
  };
}

function groupDetail(g: LinkGroup, prefix = ''): string {
  const api = !g.passed && g.rep.api ? ` API ${g.rep.api}` : '';
  const n = g.count > 1 ? `, ${g.count} checks` : '';
  return mm(`${prefix}${g.rep.got}${api}`) + n;
}

/** The chain as a fenced Mermaid `flowchart LR`, one edge per link and one per direct check. */
export function mermaid(report: RunReport): string {
  const ch = chainOf(report);
  const gw = ch.gateway ? groupDetail(ch.gateway, 'gateway ') : undefined;
  // The smoke's detail for a link it spoke for; why, for one the reads and writes left unknown.
  const detail = (state: LinkState, why: string | undefined): string | undefined =>
    state === 'proven' || state === 'failed' ? gw : state === 'unknown' ? why : undefined;
  const mi = ch.apimToFunc === 'unproven' ? mm(ch.apimToFuncNote ?? '', 60) : detail(ch.apimToFunc, ch.apimToFuncWhy);
  const lines = [
    '```mermaid',
    'flowchart LR',
    `  client["Client"] -->|"${linkLabel(ch.clientToApim, 'subscription key', detail(ch.clientToApim, ch.clientWhy))}"| apim["APIM ${mm(report.target.apim)}<br/>managed identity"]`,
    `  apim -->|"${linkLabel(ch.apimToFunc, 'MI token', mi)}"| func["Function ${mm(report.target.functionApp)}<br/>Easy Auth"]`
  ];
  if (ch.direct.length === 0) {
    const d = ch.direct0;
    lines.push(`  direct["Direct caller"] -.->|"${linkLabel(d.state, 'rejected', detail(d.state, d.why))}"| func`);
  } else {
    ch.direct.forEach((g, i) => {
      const what = g.name === 'direct-no-token' ? 'no token rejected' : 'foreign token rejected';
      const who = g.name === 'direct-no-token' ? 'Caller without token' : 'Caller with foreign token';
      const state: LinkState = g.passed ? 'proven' : 'failed';
      lines.push(`  direct${i}["${who}"] -.->|"${linkLabel(state, what, groupDetail(g))}"| func`);
    });
  }
  lines.push('```');
  return lines.join('\n');
}

/**
 * One-line rendering of the chain, used by the compact comment and the text output. The legend names ✓, ✗ and ·
 * always, and ○ (not configured) and ? (not read or unknown) when the line uses them; without direct checks the
 * direct caller's link is said only when it is not `configured`.
 */
export function chainLine(report: RunReport): string {
  const ch = chainOf(report);
  const direct = ch.direct.map((g) => `${checkLabel(g.name)} rejected ${g.passed ? '✓' : '✗'}`);
  const d0 = ch.direct0.state;
  if (ch.direct.length === 0 && d0 !== 'configured') direct.push(`direct caller rejected ${MARK[d0]}`);
  const tail = direct.length ? `; ${direct.join('; ')}` : '';
  const note = ch.apimToFunc === 'unproven' ? ` (MI token not proven: ${ch.apimToFuncNote})` : '';
  const used = [ch.clientToApim, ch.apimToFunc, ...(ch.direct.length ? [] : [d0])];
  const legend = ['✓ proven by smoke', '✗ failed', '· configured, not proven'];
  if (used.includes('not-configured')) legend.push('○ not configured (change not applied)');
  if (used.includes('unknown') || used.includes('not-read')) legend.push('? not read or unknown');
  return `client ─${MARK[ch.clientToApim]}→ APIM (managed identity) ─${MARK[ch.apimToFunc]}→ Function (Easy Auth)${note}${tail}  (${legend.join(', ')})`;
}
