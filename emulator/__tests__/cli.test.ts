/**
 * The CLI as DESIGN §4 fixes it: `npm run emulator -- --state <file>` prints one JSON ready line first; its `env`
 * lets a separate process using the real SDKs read the APIM service and enable the system identity through the
 * long-running operation; `GET <adminUrl>/requests` lists those calls; SIGTERM stops it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { get as httpsGet } from 'node:https';
import { request as httpRequest } from 'node:http';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The emulator's first stdout line (its ready line); rejects when it exits first. */
function readyLine(cli: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    createInterface({ input: cli.stdout! }).once('line', resolve);
    cli.once('exit', (c) => reject(new Error(`emulator exited ${c}`)));
  });
}

/** Stops the emulator (SIGTERM) and waits for it to exit. */
async function stopCli(cli: ChildProcess): Promise<void> {
  if (cli.exitCode !== null) return;
  const exited = new Promise((r) => cli.once('exit', r));
  cli.kill('SIGTERM');
  await exited;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const drifted = JSON.parse(readFileSync(path.join(root, 'emulator/scenarios/drifted.json'), 'utf8'));

interface Ready {
  env: Record<string, string>;
  adminUrl: string;
  caCertPath: string;
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string>
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** GET a JSON document over HTTPS trusting only `ca` (this test process started before the twin's CA existed). */
function getJson<T>(url: string, ca: string): Promise<T> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body) as T));
    }).on('error', reject);
  });
}

describe('emulator CLI', () => {
  let cli: ChildProcess;
  let ready: Ready;
  let firstLine = '';

  beforeAll(async () => {
    cli = spawn(tsx, ['emulator/cli.ts', '--state', 'emulator/scenarios/drifted.json'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    firstLine = await readyLine(cli);
    ready = JSON.parse(firstLine) as Ready;
  }, 30_000);

  afterAll(() => stopCli(cli));

  it('prints exactly one JSON object as its first stdout line, with the contract fields', () => {
    expect(Object.keys(ready).sort()).toEqual(['adminUrl', 'caCertPath', 'env']);
    expect(ready.adminUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/_emulator$/);
    for (const k of [
      'NODE_EXTRA_CA_CERTS',
      'ACTIONS_ID_TOKEN_REQUEST_URL',
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
      'GITHUB_API_URL',
      'GITHUB_REPOSITORY',
      'GITHUB_EVENT_NAME',
      'GITHUB_EVENT_PATH',
      'INPUT_ARM-ENDPOINT',
      'INPUT_AUTHORITY-HOST'
    ]) {
      expect(ready.env[k]).toBeTruthy();
    }
    expect(ready.env.ACTIONS_ID_TOKEN_REQUEST_URL).toContain('?');
    expect(readFileSync(ready.caCertPath, 'utf8')).toMatch(/BEGIN CERTIFICATE/);
  });

  it('with its env, a script using the real SDKs enables the system identity through the LRO; /requests lists the calls', async () => {
    const wi = drifted.workflowIdentity;
    const r = await run(
      tsx,
      [
        path.join(root, 'emulator/examples/enable-identity.ts'),
        drifted.tenantId,
        wi.clientId,
        drifted.subscriptionId,
        'rg-demo',
        'apim-x'
      ],
      { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...ready.env }
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^before: identity\.type=UserAssigned principalId=-$/m);
    const principalId = /^after: identity\.type=SystemAssigned, UserAssigned principalId=([0-9a-f-]{36})$/m.exec(
      r.out
    )?.[1];
    expect(principalId).toBeDefined();

    const ca = readFileSync(ready.caCertPath, 'utf8');
    const requests = await getJson<{ method: string; url: string; status: number }[]>(`${ready.adminUrl}/requests`, ca);
    const arm = requests.filter((q) => q.url.includes('/Microsoft.ApiManagement/service/apim-x'));
    expect(arm.map((q) => q.method)).toEqual(expect.arrayContaining(['GET', 'PATCH']));
    expect(arm.find((q) => q.method === 'PATCH')?.status).toBe(202);
    expect(requests.some((q) => /operationresults/.test(q.url) && q.status === 200)).toBe(true);
    const state = await getJson<{ servicePrincipals: { id: string }[] }>(`${ready.adminUrl}/state`, ca);
    expect(state.servicePrincipals.map((s) => s.id)).toContain(principalId);
  }, 60_000);
});

describe('emulator CLI usage', () => {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  const cli = (...args: string[]) => run(tsx, [path.join(root, 'emulator/cli.ts'), ...args], env);

  it('--help (and -h) prints the usage on stdout — the options and what the ready line holds — and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(/^usage: npm run -s emulator -- --state <file\.json> \[--proxy\] \[--quiet\]/);
      for (const text of [
        '--state <file.json>',
        '--proxy',
        '--quiet',
        '-h, --help',
        'ready line',
        'env',
        'adminUrl',
        'caCertPath'
      ]) {
        expect(r.out).toContain(text);
      }
      expect(r.out).toContain('ACTIONS_ID_TOKEN_REQUEST_URL');
    }
  }, 30_000);

  it.each([[['--bogus']], [['--state']], [[]]])(
    'bad usage %j exits 2 with the usage on stderr',
    async (args) => {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^emulator: /);
      expect(r.err).toContain('usage: npm run -s emulator -- --state <file.json> [--proxy] [--quiet]');
    },
    30_000
  );
});

/** CONNECT `target` through the proxy at `proxyUrl`; resolves with the status and, on 200, the tunnel's socket. */
function connect(proxyUrl: string, target: string): Promise<{ status: number; socket?: import('node:net').Socket }> {
  const u = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: Number(u.port), method: 'CONNECT', path: target });
    req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('emulator CLI --proxy', () => {
  let cli: ChildProcess;
  let ready: Ready & { proxy: { url: string; env: Record<string, string> } };

  beforeAll(async () => {
    cli = spawn(tsx, ['emulator/cli.ts', '--state', 'emulator/scenarios/drifted.json', '--proxy', '--quiet'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    ready = JSON.parse(await readyLine(cli)) as typeof ready;
  }, 30_000);

  afterAll(() => stopCli(cli));

  it('adds proxy {url, env} to the ready line: loopback, real hostnames, no endpoint overrides', () => {
    expect(ready.proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const env = ready.proxy.env;
    expect(env['HTTPS_PROXY']).toBe(ready.proxy.url);
    expect(env['NODE_EXTRA_CA_CERTS']).toBe(ready.caCertPath);
    expect(env['REQUESTS_CA_BUNDLE']).toBe(ready.caCertPath);
    expect(env['ACTIONS_ID_TOKEN_REQUEST_URL']).toMatch(/^https:\/\/pipelines\.actions\.githubusercontent\.com\//);
    expect(env['GITHUB_API_URL']).toBe('https://api.github.com');
    expect(Object.keys(env).filter((k) => k.startsWith('INPUT_'))).toEqual([]);
  });

  it('tunnels management.azure.com to the twin, which presents a certificate for that name from its CA', async () => {
    const { status, socket } = await connect(ready.proxy.url, 'management.azure.com:443');
    expect(status).toBe(200);
    const ca = readFileSync(ready.caCertPath, 'utf8');
    const answer = await new Promise<string>((resolve, reject) => {
      const t = tls.connect({ socket: socket!, servername: 'management.azure.com', ca }, () => {
        t.write(
          'GET /subscriptions?api-version=2022-12-01 HTTP/1.1\r\nHost: management.azure.com\r\nConnection: close\r\n\r\n'
        );
      });
      let text = '';
      t.on('data', (d) => (text += d));
      t.on('end', () => resolve(text));
      t.on('error', reject);
    });
    // No token: ARM's 401, pointing at the real authority.
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect(answer).toContain('login.microsoftonline.com');
  });

  it('refuses a host the twin does not play', async () => {
    expect((await connect(ready.proxy.url, 'example.com:443')).status).toBe(403);
  });
});

describe('emulator CLI --targets', () => {
  it('serves the generated targets and writes the targets file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twin-targets-'));
    const file = path.join(dir, 'targets.yml');
    const stateFile = path.join(dir, 'state.json');
    writeFileSync(stateFile, JSON.stringify(drifted));
    const p = spawn(
      tsx,
      ['emulator/cli.ts', '--state', stateFile, '--targets', '4', '--targets-file', file, '--quiet'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe']
      }
    );
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: p.stdout! }).once('line', resolve);
        p.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const ready = JSON.parse(first) as { adminUrl: string };
      expect(ready.adminUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/_emulator$/);
      const doc = parse(readFileSync(file, 'utf8')) as { targets: { name: string }[] };
      expect(doc.targets.map((t) => t.name)).toEqual(['target-001', 'target-002', 'target-003', 'target-004']);
    } finally {
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses --targets-file without --targets, and a bad count', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; err: string }>((resolve) => {
        const p = spawn(tsx, ['emulator/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr!.on('data', (d) => (err += d));
        p.on('close', (code) => resolve({ code: code ?? -1, err }));
      });
    const a = await run(['--state', 'emulator/scenarios/drifted.json', '--targets-file', 'x.yml']);
    expect(a).toMatchObject({ code: 2, err: expect.stringContaining('--targets-file needs --targets') });
    const b = await run(['--state', 'emulator/scenarios/drifted.json', '--targets', '0']);
    expect(b).toMatchObject({ code: 2, err: expect.stringContaining('1 to 500') });
  }, 60_000);
});
