/**
 * The Azure CLI (`az`, e.g. Debian's `azure-cli` package) against the local twin, unmodified: it knows only the real
 * hostnames and reaches them through the twin's HTTPS proxy (`startEmulator(state, {proxy: true})`). Used by the az
 * end-to-end suite (__tests__/e2e/az-cli.test.ts) and the peer comparison of `npm run bench` (bench/peer.ts).
 *
 * Each session gets its own `AZURE_CONFIG_DIR` in a temp folder, seeded before the first call so az asks nothing of
 * the internet: telemetry off (`core.collect_telemetry`), no error recommendations (`core.error_recommendation`, which
 * would call app.aladdin.microsoft.com), no survey prompt, no auto-upgrade, and `versionCheck.json` filled with the
 * installed versions checked "now" (azure-cli-core util.py `handle_version_update`/`get_cached_latest_versions`:
 * with an empty cache the first command probes https://azure.microsoft.com and GitHub for the latest version).
 * Settings are the documented ones (Learn "Azure CLI configuration": `[core] collect_telemetry`, `[auto-upgrade]
 * enable`; environment form `AZURE_CORE_COLLECT_TELEMETRY`).
 *
 * A guard proves az never reaches anything but loopback: a `sitecustomize.py` on `PYTHONPATH` wraps Python's
 * `socket.getaddrinfo` and `socket.connect` so that any name or address other than 127.0.0.0/8, ::1 and localhost is
 * refused and written to the guard log (`guardLog()`); the proxy itself refuses any host the twin does not play.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Twin } from './action-runner.js';

/** The `az` executable on PATH, or undefined when the Azure CLI is not installed. */
export function azPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, 'az');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Why the az suites skip when `az` is missing (printed, so a skip is visible). */
export const AZ_MISSING =
  'Azure CLI (az) not installed: skipping. Install it with `apt-get install -y azure-cli` (Debian) to run this.';

/** The Python guard (see the module doc). Refuses and logs every non-loopback name lookup and connection. */
const GUARD_PY = `import os, socket
_log = os.environ.get('TWIN_GUARD_LOG')
def _loop(h):
    h = (h.decode() if isinstance(h, bytes) else str(h)).lower()
    return h in ('localhost', '::1') or h.startswith('127.')
def _note(what):
    if _log:
        with open(_log, 'a') as f:
            f.write(what + '\\n')
_gai = socket.getaddrinfo
def getaddrinfo(host, *a, **k):
    if host is not None and not _loop(host):
        _note('getaddrinfo %s' % (host,))
        raise socket.gaierror(socket.EAI_NONAME, 'twin guard: %s is not loopback' % (host,))
    return _gai(host, *a, **k)
socket.getaddrinfo = getaddrinfo
_connect = socket.socket.connect
def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loop(address[0]):
        _note('connect %s' % (address,))
        raise OSError('twin guard: %s is not loopback' % (address,))
    return _connect(self, address)
socket.socket.connect = connect
`;

const CONFIG = `[core]
collect_telemetry = false
error_recommendation = off
survey_message = false
no_color = true
[auto-upgrade]
enable = no
`;

/**
 * The installed azure-cli-core and azure-cli-telemetry versions, read with the Python that runs `az` (its `#!` line,
 * as in Debian's /usr/bin/az). Throws when they cannot be read (an `az` that is not a Python script).
 */
function installedVersions(az: string): { cli: string; telemetry: string } {
  const first = readFileSync(az, 'utf8').split('\n', 1)[0] ?? '';
  const python = /^#!\s*(\S*python\S*)/.exec(first)?.[1];
  if (!python) throw new Error(`${az}: not a Python script; cannot seed its version check`);
  const r = spawnSync(
    python,
    [
      '-c',
      'from azure.cli.core import __version__ as c; from azure.cli.telemetry import __version__ as t; print(c, t)'
    ],
    { encoding: 'utf8' }
  );
  const [cli, telemetry] = r.stdout.trim().split(' ');
  if (r.status !== 0 || !cli || !telemetry) throw new Error(`cannot read the Azure CLI version: ${r.stderr}`);
  return { cli, telemetry };
}

/** Local time as Python's `str(datetime.datetime.now())` prints it (`YYYY-MM-DD HH:MM:SS.ffffff`). */
function pythonNow(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`
  );
}

/** One `az` (or script) run. */
export interface AzRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time, ms. */
  ms: number;
}

/** An az session against one twin. */
export interface AzSession {
  /** The environment every az call gets (proxy, CA bundle, config dir, guard). */
  env: Record<string, string>;
  /** The session's temp folder (config dir, guard, files for `--body @file`). */
  dir: string;
  /** Runs `az <args>`. */
  az(args: string[]): Promise<AzRun>;
  /** Runs any command with the session's environment (e.g. the peer script). */
  run(cmd: string, args: string[], extraEnv?: Record<string, string>): Promise<AzRun>;
  /** Every non-loopback lookup or connection the guard refused, in order (empty when az stayed on loopback). */
  guardLog(): string[];
  /** Removes the temp folder. */
  cleanup(): void;
}

/**
 * Prepares an az session for `twin` (which must have been started with `proxy: true`): temp `AZURE_CONFIG_DIR`
 * seeded as described in the module doc, the guard, and the proxy's environment. Throws when `az` is missing.
 */
export function azSession(twin: Twin): AzSession {
  const az = azPath();
  if (!az) throw new Error(AZ_MISSING);
  if (!twin.proxy) throw new Error('the twin was started without proxy: true');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'afa-az-'));
  const config = path.join(dir, 'config');
  const guard = path.join(dir, 'guard');
  mkdirSync(config);
  mkdirSync(guard);
  mkdirSync(path.join(dir, 'home'));
  writeFileSync(path.join(guard, 'sitecustomize.py'), GUARD_PY);
  writeFileSync(path.join(config, 'config'), CONFIG);
  const v = installedVersions(az);
  const versions = {
    'azure-cli': { local: v.cli, pypi: v.cli },
    core: { local: v.cli, pypi: v.cli },
    telemetry: { local: v.telemetry, pypi: v.telemetry }
  };
  writeFileSync(path.join(config, 'versionCheck.json'), JSON.stringify({ versions, update_time: pythonNow() }));
  const guardLog = path.join(dir, 'guard.log');
  const p = twin.proxy.env;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: path.join(dir, 'home'),
    LANG: 'C.UTF-8',
    AZURE_CONFIG_DIR: config,
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_NO_COLOR: 'true',
    HTTPS_PROXY: p.HTTPS_PROXY!,
    https_proxy: p.https_proxy!,
    HTTP_PROXY: p.HTTP_PROXY!,
    http_proxy: p.http_proxy!,
    NO_PROXY: '',
    no_proxy: '',
    REQUESTS_CA_BUNDLE: p.REQUESTS_CA_BUNDLE!,
    CURL_CA_BUNDLE: p.REQUESTS_CA_BUNDLE!,
    PYTHONPATH: guard,
    TWIN_GUARD_LOG: guardLog
  };
  const run = (cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<AzRun> =>
    new Promise((resolve) => {
      const started = Date.now();
      const child = spawn(cmd, args, { env: { ...env, ...extraEnv }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (c) => resolve({ code: c ?? -1, stdout, stderr, ms: Date.now() - started }));
    });
  return {
    env,
    dir,
    az: (args) => run(az, args),
    run,
    guardLog: () => {
      try {
        return readFileSync(guardLog, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  };
}

/**
 * A GitHub Actions ID token from the twin's OIDC endpoint, fetched as a workflow step does (docs.github.com "OpenID
 * Connect reference": `curl -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN"
 * "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=…"`), with the runner's real-hostname URL through the proxy. Rejects when
 * curl fails or the answer has no `value`.
 */
export async function federatedToken(
  session: AzSession,
  twin: Twin,
  audience = 'api://AzureADTokenExchange'
): Promise<string> {
  const p = twin.proxy!.env;
  const r = await session.run('curl', [
    '-fsS',
    '-H',
    `Authorization: bearer ${p.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`,
    `${p.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`
  ]);
  const value = r.code === 0 ? (JSON.parse(r.stdout) as { value?: string }).value : undefined;
  if (!value) throw new Error(`OIDC token: curl exited ${r.code}: ${r.stderr}`);
  return value;
}
