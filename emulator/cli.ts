/**
 * CLI of the local Azure twin: `npm run emulator -- --state <file.json>`.
 * First stdout line: one JSON object `{env, adminUrl, caCertPath}`; request logs go to stderr; SIGTERM/SIGINT stop it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startEmulator } from './src/server.js';
import type { TwinState } from './src/contracts.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { state: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
  if (!values.state) {
    process.stderr.write('usage: npm run emulator -- --state <file.json> [--quiet]\n');
    process.exit(2);
  }
  const state = JSON.parse(readFileSync(values.state, 'utf8')) as TwinState;
  if (state.version !== 1)
    throw new Error(`${values.state}: unsupported state version ${String(state.version)} (expected 1)`);
  const twin = await startEmulator(state, {
    log: values.quiet ? undefined : (line) => process.stderr.write(line + '\n')
  });
  process.stdout.write(JSON.stringify({ env: twin.env, adminUrl: twin.adminUrl, caCertPath: twin.caCertPath }) + '\n');
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
