/**
 * A typed fake of @actions/core for in-process tests of the entry (the actions/typescript-action way): every function
 * the action uses is a jest.fn with the real signature. Tests load it with
 * `jest.unstable_mockModule('@actions/core', () => core)` before importing src/main.ts.
 */
import type * as core from '@actions/core';
import { jest } from '@jest/globals';

export const debug = jest.fn<typeof core.debug>();
export const info = jest.fn<typeof core.info>();
export const warning = jest.fn<typeof core.warning>();
export const error = jest.fn<typeof core.error>();
export const getInput = jest.fn<typeof core.getInput>();
export const getIDToken = jest.fn<typeof core.getIDToken>();
export const setOutput = jest.fn<typeof core.setOutput>();
export const setFailed = jest.fn<typeof core.setFailed>();
export const setSecret = jest.fn<typeof core.setSecret>();
export const group = jest.fn(async <T>(_name: string, f: () => Promise<T>): Promise<T> => f());
export const summary = {
  addRaw: jest.fn(() => summary),
  write: jest.fn(async () => summary)
};
