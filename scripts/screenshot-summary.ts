/**
 * Renders job summaries as GitHub shows them and measures whether anything scrolls sideways: a drifted check, an
 * apply, a failed apply (a write that failed midway) and an apply refused before any write. Each summary comes from a
 * run of the bundled dist/index.js against the local Azure twin (scripts/action-runner.ts), is turned into HTML with
 * marked (GitHub-flavoured markdown) and github-markdown-css, and is opened in Debian's headless Chromium
 * (/usr/bin/chromium through playwright-core, which downloads no browser) at GitHub's page width of 1012 px, the
 * markdown in a 964 px column (24 px padding each side, as in a PR comment). Every `<details>` is opened first, so
 * collapsed tables are measured too.
 *
 * Prints, per summary: the page's scrollWidth vs clientWidth (px) and each table's scrollWidth vs clientWidth (px;
 * github-markdown-css makes a table a scrolling block, so a table wider than the column scrolls inside itself), and
 * the same for code blocks (the Mermaid chain is a code block here; GitHub draws it as a diagram). Exits 1 when the
 * page or a table scrolls sideways.
 *
 * Usage: npx tsx scripts/screenshot-summary.ts [--png DIR] [--chromium PATH]
 *   --png DIR       also write a full-page PNG and the HTML of each summary to DIR
 *   --chromium PATH the browser (default /usr/bin/chromium; on Debian: apt-get install chromium)
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { marked } from 'marked';
import { chromium } from 'playwright-core';
import type { TwinState } from '../emulator/src/contracts.js';
import type { Fault } from '../emulator/src/server.js';
import { baseInputs, runAction, scenario, withTwin } from './action-runner.js';

/** GitHub's page width (px) and the padding around the markdown column (px each side). */
const PAGE_WIDTH = 1012;
const COLUMN_PADDING = 24;

/** The flags every run of the browser gets: no sandbox (root in a container), no GPU, no network of its own. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
];

interface Case {
  name: string;
  state: () => TwinState;
  inputs: Record<string, string>;
  /** Twin faults added before the run (emulator/src/server.ts). */
  faults?: Fault[];
}

const SMOKE = { 'smoke-path': '/orders', 'pr-comment': 'never' };

const CASES: Case[] = [
  { name: 'drifted check', state: () => scenario('drifted'), inputs: { ...SMOKE, mode: 'check' } },
  { name: 'apply', state: () => scenario('drifted'), inputs: { ...SMOKE, mode: 'apply' } },
  {
    name: 'failed apply (policy PUT 500)',
    state: () => scenario('drifted'),
    inputs: { ...SMOKE, mode: 'apply' },
    faults: [
      {
        match: { method: 'PUT', pathRegex: 'policies/policy' },
        times: 10,
        respond: { status: 500, body: { error: { code: 'InternalServerError', message: 'the gateway said no' } } }
      }
    ]
  },
  {
    name: 'apply refused before any write (foreign backend)',
    state: () => {
      const s = scenario('drifted');
      const api = Object.entries(s.resources).find(([k]) => /\/apis\/orders$/.test(k))![1] as {
        properties: Record<string, unknown>;
      };
      api.properties.serviceUrl = 'https://elsewhere.example.com/api';
      return s;
    },
    inputs: { ...SMOKE, mode: 'apply' }
  }
];

function args(argv: string[]): { png?: string; chromium: string } {
  const out: { png?: string; chromium: string } = { chromium: '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--png') out.png = argv[++i];
    else if (argv[i] === '--chromium') out.chromium = argv[++i];
    else throw new Error(`unknown argument ${argv[i]} (usage: [--png DIR] [--chromium PATH])`);
  }
  return out;
}

/** The summary of one run of the bundled action against a fresh twin. */
async function summaryOf(c: Case): Promise<string> {
  const state = c.state();
  return withTwin(state, async (twin) => {
    if (c.faults) twin.addFaults(c.faults);
    const r = await runAction(twin, { ...baseInputs(state), ...c.inputs });
    if (!r.summary.trim()) throw new Error(`${c.name}: the run wrote no summary (exit ${r.code}): ${r.stderr}`);
    return r.summary;
  });
}

/** A standalone HTML page: the summary as GitHub-flavoured markdown in a GitHub-like column. */
function page(markdown: string, css: string): string {
  const body = marked.parse(markdown, { gfm: true, async: false });
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: border-box; width: ${PAGE_WIDTH}px; padding: ${COLUMN_PADDING}px; }
</style></head><body><article class="markdown-body">${body}</article></body></html>`;
}

interface Box {
  what: string;
  scrollWidth: number;
  clientWidth: number;
}

interface Measured {
  page: Box;
  tables: Box[];
  pres: Box[];
}

/**
 * Runs in the page (as text: the bundler's helpers and the DOM types stay out of this file): opens every
 * `<details>`, then measures the page, every table and every code block, each named by the heading before it.
 */
const MEASURE = `(() => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const heading = (t) => {
    let h = t;
    while (h && !/^H[1-6]$/.test(h.tagName)) h = h.previousElementSibling || h.parentElement;
    return h ? h.textContent.trim() : '?';
  };
  const box = (e, what) => ({ what, scrollWidth: e.scrollWidth, clientWidth: e.clientWidth });
  return {
    page: box(document.scrollingElement || document.documentElement, 'page'),
    tables: [...document.querySelectorAll('table')].map((t) =>
      box(t, heading(t) + ' (' + t.querySelectorAll('tbody tr').length + ' rows)')),
    pres: [...document.querySelectorAll('pre')].map((t) => box(t, heading(t)))
  };
})()`;

async function main(): Promise<void> {
  const opts = args(process.argv.slice(2));
  if (!existsSync(opts.chromium)) {
    throw new Error(
      `${opts.chromium} not found: install Debian's chromium (apt-get install chromium) or pass --chromium`
    );
  }
  const require = createRequire(import.meta.url);
  const css = readFileSync(require.resolve('github-markdown-css/github-markdown-light.css'), 'utf8');
  if (opts.png) await mkdir(opts.png, { recursive: true });
  const browser = await chromium.launch({ executablePath: opts.chromium, args: CHROMIUM_FLAGS, headless: true });
  let scrolls = false;
  try {
    const context = await browser.newContext({ viewport: { width: PAGE_WIDTH, height: 900 }, offline: true });
    for (const c of CASES) {
      const html = page(await summaryOf(c), css);
      const p = await context.newPage();
      await p.setContent(html, { waitUntil: 'load' });
      const m = (await p.evaluate(MEASURE)) as Measured;
      if (opts.png) {
        const base = path.join(opts.png, c.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, ''));
        await writeFile(`${base}.html`, html);
        await p.screenshot({ path: `${base}.png`, fullPage: true });
      }
      await p.close();
      const fmt = (b: Box) =>
        `${b.what}: scrollWidth ${b.scrollWidth} px, clientWidth ${b.clientWidth} px${b.scrollWidth > b.clientWidth ? '  ← scrolls' : ''}`;
      console.log(`${c.name}\n  ${fmt(m.page)}`);
      for (const t of m.tables) console.log(`  table ${fmt(t)}`);
      for (const t of m.pres) console.log(`  code block ${fmt(t)}`);
      if ([m.page, ...m.tables].some((b) => b.scrollWidth > b.clientWidth)) scrolls = true;
    }
  } finally {
    await browser.close();
  }
  console.log(scrolls ? 'Something scrolls sideways.' : `Nothing scrolls sideways at ${PAGE_WIDTH} px.`);
  process.exitCode = scrolls ? 1 : 0;
}

await main();
