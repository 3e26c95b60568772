/**
 * Action inputs → typed, validated settings: the implementation lives in src/inputs/ (see src/inputs/index.ts). This
 * file keeps the import path `./inputs.js` working for its importers.
 */
export * from './inputs/index.js';
