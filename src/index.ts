/** The action's entry point (runs: node24, main: dist/index.js). Kept thin: all logic is in main.ts. */
import { run } from './main.js';

await run();
