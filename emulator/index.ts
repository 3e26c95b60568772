/** Public entry of the local Azure twin (see emulator/README.md). */
export { startEmulator, type Twin, type Fault, type RequestRecord, type EmulatorOptions } from './src/server.js';
export type { TwinState } from './src/contracts.js';
