/**
 * CLI of the local Azure twin: `npm run emulator -- --state <file.json>`.
 * First stdout line: one JSON object `{env, adminUrl, caCertPath}` (+ `proxy` with `--proxy`); request logs go to stderr;
 * SIGTERM/SIGINT stop it.
 * `--help` prints the usage on stdout (exit 0); an unknown option or a missing `--state` prints it on stderr (exit 2).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateTargets, targetsYaml } from './src/scenario-gen.js';
import { startEmulator } from './src/server.js';
import type { TwinState } from './src/contracts.js';

const USAGE = `usage: npm run -s emulator -- --state <file.json> [--proxy] [--quiet]
       npm run -s emulator -- --state <file.json> --targets <n> [--targets-file <out.yml>] [--quiet]
       tsx emulator/cli.ts --state <file.json> [--targets <n> [--targets-file <out.yml>]] [--proxy] [--quiet]

Starts the local Azure twin (ARM, Entra ID, Microsoft Graph, GitHub OIDC and REST, the APIM gateway, the Function
host) over HTTPS on 127.0.0.1, with the state in <file.json> (e.g. emulator/scenarios/drifted.json).

options:
  --state <file.json>  the twin's starting state (version 1); required
  --proxy              also serve the real hostnames (management.azure.com, login.microsoftonline.com,
                       graph.microsoft.com, api.github.com, the state's *.azure-api.net and *.azurewebsites.net)
                       through an HTTPS CONNECT proxy on 127.0.0.1 that never connects out (ready line: proxy)
  --targets <n>        copy the state's target (apim-x, func-x) into n distinct targets apim-t001/func-t001, …
                       (1-500; emulator/src/scenario-gen.ts), each with its own app registration and identity
  --targets-file <p>   with --targets: write a targets file for them (the action's targets input) to <p>
  --quiet              no request log on stderr
  -h, --help           this text, then exit 0

The first stdout line (the ready line) is one JSON object:
  env         variables that point an action run at the twin: NODE_EXTRA_CA_CERTS (its CA), ACTIONS_ID_TOKEN_REQUEST_URL
              and ACTIONS_ID_TOKEN_REQUEST_TOKEN (GitHub OIDC), GITHUB_* (REST API, repository, event), and
              INPUT_ARM-ENDPOINT, INPUT_AUTHORITY-HOST, INPUT_GRAPH-ENDPOINT (pass them with env, not export)
  adminUrl    the admin API (GET <adminUrl>/requests lists the requests served, GET <adminUrl>/state the state)
  caCertPath  the twin's CA certificate (PEM)
  proxy       with --proxy: {url, env}; env points an unmodified client at the twin through the proxy: HTTPS_PROXY
              (and https_proxy, HTTP_PROXY, http_proxy), NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, the GitHub runner
              variables with real hostnames, and no INPUT_* endpoint overrides
Request logs go to stderr; SIGTERM or SIGINT stops the twin (exit 0). Exit codes: 0 stopped or --help, 1 failed to
start, 2 bad usage.
`;

/** Parses the command line; bad usage prints the usage on stderr and exits 2. */
function options(): { state: string; quiet: boolean; proxy: boolean; targets?: number; targetsFile?: string } {
  let values: {
    state?: string;
    quiet?: boolean;
    help?: boolean;
    proxy?: boolean;
    targets?: string;
    'targets-file'?: string;
  };
  try {
    ({ values } = parseArgs({
      options: {
        state: { type: 'string' },
        targets: { type: 'string' },
        'targets-file': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        proxy: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false }
      }
    }));
  } catch (e) {
    process.stderr.write(`emulator: ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (!values.state) {
    process.stderr.write(`emulator: --state is required\n\n${USAGE}`);
    process.exit(2);
  }
  const targets = values.targets === undefined ? undefined : Number(values.targets);
  if (targets !== undefined && !(Number.isInteger(targets) && targets >= 1 && targets <= 500)) {
    process.stderr.write(`emulator: --targets must be a whole number from 1 to 500\n\n${USAGE}`);
    process.exit(2);
  }
  if (values['targets-file'] !== undefined && targets === undefined) {
    process.stderr.write(`emulator: --targets-file needs --targets\n\n${USAGE}`);
    process.exit(2);
  }
  return {
    state: values.state,
    quiet: values.quiet ?? false,
    proxy: values.proxy ?? false,
    ...(targets !== undefined ? { targets } : {}),
    ...(values['targets-file'] !== undefined ? { targetsFile: values['targets-file'] } : {})
  };
}

async function main(): Promise<void> {
  const values = options();
  let state = JSON.parse(readFileSync(values.state, 'utf8')) as TwinState;
  if (state.version !== 1)
    throw new Error(`${values.state}: unsupported state version ${String(state.version)} (expected 1)`);
  if (values.targets !== undefined) {
    const generated = generateTargets(state, values.targets);
    state = generated.state;
    if (values.targetsFile) writeFileSync(values.targetsFile, targetsYaml(generated.targets));
  }
  const twin = await startEmulator(state, {
    log: values.quiet ? undefined : (line) => process.stderr.write(line + '\n'),
    proxy: values.proxy
  });
  const proxy = twin.proxy ? { proxy: { url: twin.proxy.url, env: twin.proxy.env } } : {};
  const ready = { env: twin.env, adminUrl: twin.adminUrl, caCertPath: twin.caCertPath, ...proxy };
  process.stdout.write(JSON.stringify(ready) + '\n');
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void twin.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`emulator: ${(e as Error).message}\n`);
  process.exit(1);
});
