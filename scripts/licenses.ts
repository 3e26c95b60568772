/**
 * dist/licenses.txt: the third-party notices for the bundle GitHub runs (dist/index.js and its chunks).
 *
 * Which packages: every npm package that has at least one module in the ncc build, read from webpack's stats
 * (`ncc build … --stats-out <file>`): each bundled module's resource path names its package folder
 * (`…/node_modules/<name>` or `…/node_modules/@scope/<name>`, nested copies included), so the list is what is
 * really redistributed — not what package.json hopes. ncc's own `--license` option finds only a few of them.
 * The production dependency closure of package.json `dependencies` is listed too: its packages with no module in the
 * bundle (type definitions, browser-only code) are named at the end as not redistributed, and bundled packages
 * outside that closure (pulled in by an optional require that resolves to a dev install) carry a note.
 *
 * Per package: name, version, the licence package.json declares, its repository, and the text of every
 * LICENSE/LICENCE/COPYING file in the package folder (or a note that the published package has none). Sorted by
 * name then version, line endings normalised to LF: the same node_modules gives the same bytes on every machine.
 *
 *   npm run build                                   ncc with --stats-out, then this script with --stats (see package.json)
 *   npm run licenses                                builds to a temporary folder for the stats (about 30 s), then writes
 *   tsx scripts/licenses.ts --stats <file> [--out <file>]    from a stats file (the file is removed after reading)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One installed package (a folder under some node_modules). */
export interface PackageInfo {
  name: string;
  version: string;
  /** SPDX expression (or whatever package.json says); `UNKNOWN` when it says nothing. */
  license: string;
  repository?: string;
  author?: string;
  dir: string;
}

export interface LicenceText {
  file: string;
  text: string;
}

/** The part of webpack's stats JSON this script reads. */
interface StatsModule {
  name?: string;
  nameForCondition?: string;
  identifier?: string;
  modules?: StatsModule[];
}
interface Stats {
  modules?: StatsModule[];
  chunks?: { modules?: StatsModule[] }[];
  children?: Stats[];
}

const SEPARATOR = '='.repeat(80);
const RULE = '-'.repeat(80);
const LICENCE_FILE = /^(licen[cs]e|copying|unlicense)([-._].*)?$/i;

/** Codepoint order (never locale order: the file must be identical on every machine). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Versions compared by their numeric parts first (1.10.0 after 1.9.0), then as strings. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/);
  const pb = b.split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) {
      if (Number(x) !== Number(y)) return Number(x) - Number(y);
    } else if (x !== y) return cmp(x, y);
  }
  return 0;
}

export function comparePackages(a: { name: string; version: string }, b: { name: string; version: string }): number {
  return cmp(a.name, b.name) || compareVersions(a.version, b.version);
}

const toPosix = (p: string): string => p.split(path.sep).join('/');

/**
 * The package folder a module file belongs to: the path up to the last `node_modules/<name>` (or
 * `node_modules/@scope/<name>`); undefined for files outside any node_modules (the project's own sources).
 */
export function packageDirOf(file: string): string | undefined {
  const p = toPosix(file);
  const at = p.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const rest = p.slice(at + '/node_modules/'.length).split('/');
  const nameParts = rest[0]?.startsWith('@') ? 2 : 1;
  if (rest.length <= nameParts || rest.slice(0, nameParts).some((s) => !s)) return undefined;
  return p.slice(0, at + '/node_modules/'.length) + rest.slice(0, nameParts).join('/');
}

/** Resource paths of every module in the stats (concatenated modules, chunks and child compilations included). */
export function moduleFiles(stats: Stats, root: string): string[] {
  const files = new Set<string>();
  const visitModules = (modules: StatsModule[] | undefined): void => {
    for (const m of modules ?? []) {
      // nameForCondition is the resource alone (no loader prefixes); name is relative to the project.
      if (m.nameForCondition && path.isAbsolute(m.nameForCondition)) files.add(m.nameForCondition);
      else if (m.name?.startsWith('./') && !m.name.includes(' + ')) files.add(path.resolve(root, m.name));
      visitModules(m.modules);
    }
  };
  const visit = (s: Stats): void => {
    visitModules(s.modules);
    for (const c of s.chunks ?? []) visitModules(c.modules);
    for (const child of s.children ?? []) visit(child);
  };
  visit(stats);
  return [...files].sort(cmp);
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function licenseOf(pkg: Record<string, unknown>): string {
  const one = (l: unknown): string | undefined =>
    typeof l === 'string' ? l : l && typeof l === 'object' && 'type' in l ? String(l.type) : undefined;
  const declared = one(pkg.license);
  if (declared) return declared;
  if (Array.isArray(pkg.licenses)) {
    const all = pkg.licenses.map(one).filter((l): l is string => Boolean(l));
    if (all.length) return all.length === 1 ? all[0]! : `(${all.join(' OR ')})`;
  }
  return 'UNKNOWN';
}

function repositoryOf(pkg: Record<string, unknown>): string | undefined {
  const r = pkg.repository;
  const url = typeof r === 'string' ? r : r && typeof r === 'object' && 'url' in r ? String(r.url) : undefined;
  if (!url) return undefined;
  if (/^[\w.-]+\/[\w.-]+$/.test(url)) return `https://github.com/${url}`; // "owner/repo" shorthand
  return url
    .replace(/^git\+/, '')
    .replace(/^git:\/\//, 'https://')
    .replace(/^github:/, 'https://github.com/')
    .replace(/^ssh:\/\/git@github\.com\//, 'https://github.com/')
    .replace(/^git@github\.com:/, 'https://github.com/')
    .replace(/\.git$/, '');
}

function authorOf(pkg: Record<string, unknown>): string | undefined {
  const a = pkg.author;
  if (typeof a === 'string') return a;
  if (a && typeof a === 'object' && 'name' in a) {
    const email = 'email' in a && a.email ? ` <${String(a.email)}>` : '';
    return `${String(a.name)}${email}`;
  }
  return undefined;
}

export function readPackage(dir: string): PackageInfo {
  const pkg = readJson(path.join(dir, 'package.json'));
  if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') {
    throw new Error(`${path.join(dir, 'package.json')}: no name or version`);
  }
  return {
    name: pkg.name,
    version: pkg.version,
    license: licenseOf(pkg),
    repository: repositoryOf(pkg),
    author: authorOf(pkg),
    dir
  };
}

/** Text normalised for a stable, LF-only output: no BOM, no CR, no trailing spaces, no blank edges. */
export function normaliseText(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/^\n+/, '')
    .replace(/\n+$/, '');
}

/** Every LICENSE/LICENCE/COPYING file at the top of the package folder, in name order. */
export function licenceTexts(dir: string): LicenceText[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && LICENCE_FILE.test(e.name))
    .map((e) => e.name)
    .sort(cmp)
    .map((file) => ({ file, text: normaliseText(fs.readFileSync(path.join(dir, file), 'utf8')) }));
}

/** Node's lookup of `name` from a package folder: its own node_modules, then each parent's up to the root. */
function resolvePackageDir(name: string, fromDir: string, root: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    if (path.basename(dir) !== 'node_modules') {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    }
    if (dir === root) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The installed closure of package.json `dependencies` (with optional and non-optional peer dependencies where
 * installed), as package folders. A missing non-optional dependency is an error: run `npm ci` first.
 */
export function productionClosure(root: string): string[] {
  const seen = new Set<string>();
  const queue: { fromDir: string; pkg: Record<string, unknown> }[] = [
    { fromDir: root, pkg: readJson(path.join(root, 'package.json')) }
  ];
  while (queue.length) {
    const { fromDir, pkg } = queue.shift()!;
    const deps = (pkg.dependencies ?? {}) as Record<string, string>;
    const optional = (pkg.optionalDependencies ?? {}) as Record<string, string>;
    const peers = (pkg.peerDependencies ?? {}) as Record<string, string>;
    const peersMeta = (pkg.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>;
    const wanted: [string, boolean][] = [
      ...Object.keys(deps).map((n): [string, boolean] => [n, true]),
      ...Object.keys(optional).map((n): [string, boolean] => [n, false]),
      ...Object.keys(peers)
        .filter((n) => !peersMeta[n]?.optional)
        .map((n): [string, boolean] => [n, false])
    ];
    for (const [name, required] of wanted) {
      const dir = resolvePackageDir(name, fromDir, root);
      if (!dir) {
        if (required && !(name in optional)) {
          throw new Error(`${name} (a dependency of ${String(pkg.name)}) is not installed: run npm ci`);
        }
        continue;
      }
      const real = fs.realpathSync(dir);
      if (seen.has(real)) continue;
      seen.add(real);
      queue.push({ fromDir: dir, pkg: readJson(path.join(dir, 'package.json')) });
    }
  }
  return [...seen].sort(cmp);
}

export interface Entry extends PackageInfo {
  licences: LicenceText[];
  /** True when the package is outside the production dependency closure. */
  outsideClosure: boolean;
}

/** Collapse folders holding the same name@version (the first folder in path order gives the texts). */
function distinct(infos: PackageInfo[]): PackageInfo[] {
  const byKey = new Map<string, PackageInfo>();
  for (const info of [...infos].sort((a, b) => cmp(a.dir, b.dir))) {
    const key = `${info.name}@${info.version}`;
    if (!byKey.has(key)) byKey.set(key, info);
  }
  return [...byKey.values()].sort(comparePackages);
}

export function collect(stats: Stats, root: string): { bundled: Entry[]; notBundled: PackageInfo[] } {
  const bundledDirs = new Set<string>();
  for (const file of moduleFiles(stats, root)) {
    const dir = packageDirOf(file);
    if (dir) bundledDirs.add(fs.realpathSync(dir));
  }
  const closureInfos = productionClosure(root).map(readPackage);
  const closureKeys = new Set(closureInfos.map((p) => `${p.name}@${p.version}`));
  const bundledInfos = distinct([...bundledDirs].map(readPackage));
  const bundledKeys = new Set(bundledInfos.map((p) => `${p.name}@${p.version}`));
  const bundled = bundledInfos.map((p) => ({
    ...p,
    licences: licenceTexts(p.dir),
    outsideClosure: !closureKeys.has(`${p.name}@${p.version}`)
  }));
  const notBundled = distinct(closureInfos).filter((p) => !bundledKeys.has(`${p.name}@${p.version}`));
  return { bundled, notBundled };
}

export function render(bundled: Entry[], notBundled: PackageInfo[]): string {
  const out: string[] = [
    'Third-party software in dist/ (the bundle GitHub runs: dist/index.js and its chunks)',
    '',
    'Each npm package below has code in the bundle. Per package: name, version, the licence its package.json',
    'declares, its repository, and the licence files shipped in the package.',
    '',
    'Generated by scripts/licenses.ts from the ncc build (npm run build, or npm run licenses); do not edit.',
    '',
    `Bundled packages: ${bundled.length}`
  ];
  for (const p of bundled) {
    out.push('', SEPARATOR, `Package: ${p.name}`, `Version: ${p.version}`, `License: ${p.license}`);
    if (p.repository) out.push(`Repository: ${p.repository}`);
    if (p.outsideClosure) {
      out.push(
        'Note: not in the production dependency closure of package.json (it is installed for development); in the',
        'bundle because bundled code requires it, directly or through an optional require.'
      );
    }
    if (!p.licences.length) {
      out.push(
        `Licence file: none in the published package (package.json declares ${p.license}` +
          (p.author ? `; author: ${p.author}` : '') +
          ').'
      );
      continue;
    }
    for (const l of p.licences) out.push(`Licence file: ${l.file}`, RULE, l.text, RULE);
  }
  out.push(
    '',
    SEPARATOR,
    'Production dependencies not in the bundle',
    '(in the dependency closure of package.json, but no module of theirs is in dist/: type definitions or code for',
    'other platforms; not redistributed)',
    ''
  );
  for (const p of notBundled) out.push(`${p.name} ${p.version} (${p.license})`);
  if (!notBundled.length) out.push('(none)');
  return out.join('\n') + '\n';
}

/** The `ncc build …` command of package.json's build script, as arguments for ncc (without output options). */
export function nccArgsFromBuildScript(script: string): string[] {
  const segment = script.split('&&').find((s) => /(^|\s)ncc\s+build\s/.test(s));
  if (!segment) throw new Error(`package.json build script has no 'ncc build': ${script}`);
  const words = segment.trim().split(/\s+/);
  const args = words.slice(words.indexOf('ncc') + 1);
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (['-o', '--out', '--stats-out', '--license'].includes(a)) i++;
    else if (!['-w', '--watch', '-q', '--quiet'].includes(a)) kept.push(a);
  }
  return kept;
}

/** Runs the build's ncc command into a temporary folder and returns its stats (dist/ is not touched). */
function statsFromTemporaryBuild(root: string): Stats {
  const script = (readJson(path.join(root, 'package.json')).scripts as Record<string, string>).build ?? '';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'licenses-ncc-'));
  try {
    const statsFile = path.join(tmp, 'stats.json');
    const cli = createRequire(path.join(root, 'package.json')).resolve('@vercel/ncc/dist/ncc/cli.js');
    const args = [...nccArgsFromBuildScript(script), '-o', path.join(tmp, 'out'), '--stats-out', statsFile, '-q'];
    execFileSync(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    return JSON.parse(fs.readFileSync(statsFile, 'utf8')) as Stats;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function main(argv: string[]): void {
  let statsFile: string | undefined;
  let outFile = path.join(repoRoot, 'dist', 'licenses.txt');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--stats') statsFile = path.resolve(argv[++i] ?? '');
    else if (argv[i] === '--out') outFile = path.resolve(argv[++i] ?? '');
    else throw new Error(`unknown argument ${argv[i]} (use --stats <file> and/or --out <file>)`);
  }
  let stats: Stats;
  if (statsFile) {
    stats = JSON.parse(fs.readFileSync(statsFile, 'utf8')) as Stats;
    fs.rmSync(statsFile, { force: true }); // a build by-product of tens of MB
  } else {
    stats = statsFromTemporaryBuild(repoRoot);
  }
  const { bundled, notBundled } = collect(stats, repoRoot);
  if (!bundled.length) throw new Error('no bundled package found in the stats: is this the ncc build of src/?');
  fs.writeFileSync(outFile, render(bundled, notBundled));
  const noFile = bundled.filter((p) => !p.licences.length).map((p) => `${p.name}@${p.version}`);
  console.log(
    `${path.relative(process.cwd(), outFile)}: ${bundled.length} bundled packages` +
      (noFile.length ? ` (no licence file: ${noFile.join(', ')})` : '') +
      `, ${notBundled.length} production dependencies not bundled`
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`licenses: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
