/**
 * The auth chain client → APIM → Function as the smoke checks proved it: each link proven, failed, configured (not
 * proven) or unproven; drawn as a Mermaid `flowchart LR` for the summary, or as one line for the comment and text.
 * Pure.
 */
import type { RunReport, SmokeCheckResult, SmokeCheckName } from '../types.js';
import { checkLabel } from './derive.js';
import { oneLine, shorten } from './markdown.js';

/**
 * `unproven`: the gateway succeeded but the direct no-token check did not pass, so the success does not show that
 * APIM's token was needed (the Function may accept requests without one).
 */
type LinkState = 'proven' | 'failed' | 'configured' | 'unproven';

function linkLabel(state: LinkState, what: string, detail?: string): string {
  const d = detail ? ` (${detail})` : '';
  if (state === 'proven') return `✓ ${what}: proven by smoke${d}`;
  if (state === 'failed') return `✗ ${what}: failed${d}`;
  if (state === 'unproven') return `· ${what}: not proven${d}`;
  return `· ${what}: configured, not proven`;
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
  let clientToApim: LinkState = 'configured';
  let apimToFunc: LinkState = 'configured';
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
  return { clientToApim, apimToFunc, apimToFuncNote, gateway, direct };
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
  const lines = [
    '```mermaid',
    'flowchart LR',
    `  client["Client"] -->|"${linkLabel(ch.clientToApim, 'subscription key', gw)}"| apim["APIM ${mm(report.target.apim)}<br/>managed identity"]`,
    `  apim -->|"${linkLabel(ch.apimToFunc, 'MI token', ch.apimToFunc === 'unproven' ? mm(ch.apimToFuncNote ?? '', 60) : gw)}"| func["Function ${mm(report.target.functionApp)}<br/>Easy Auth"]`
  ];
  if (ch.direct.length === 0) {
    lines.push(`  direct["Direct caller"] -.->|"${linkLabel('configured', 'rejected')}"| func`);
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

/** One-line rendering of the chain, used by the compact comment and the text output. */
export function chainLine(report: RunReport): string {
  const ch = chainOf(report);
  const mark = (s: LinkState): string => (s === 'proven' ? '✓' : s === 'failed' ? '✗' : '·');
  const direct = ch.direct.map((g) => `${checkLabel(g.name)} rejected ${g.passed ? '✓' : '✗'}`);
  const tail = direct.length ? `; ${direct.join('; ')}` : '';
  const note = ch.apimToFunc === 'unproven' ? ` (MI token not proven: ${ch.apimToFuncNote})` : '';
  return `client ─${mark(ch.clientToApim)}→ APIM (managed identity) ─${mark(ch.apimToFunc)}→ Function (Easy Auth)${note}${tail}  (✓ proven by smoke, ✗ failed, · configured, not proven)`;
}
