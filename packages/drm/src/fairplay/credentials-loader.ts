import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { prepareFairPlayCredentials, type FairPlayCredentialSet } from './credentials';

const HEX32 = /^[0-9a-fA-F]{32}$/;

/**
 * Reads FairPlay credentials from a JSON file:
 * `[{"certificate": "<DER file>", "privateKey": "<PEM file>", "ask": "<32 hex>"}]` ("dask" instead of
 * "ask" for a fixed DASk). Relative paths are relative to the JSON file. Every set is validated as
 * `createSoftwareFairPlayKsm` would (certificate and key must match), so a bad file fails at start-up with
 * one clear Error line that names the file and entry and never contains key material.
 */
export function loadFairPlayCredentials(jsonPath: string): FairPlayCredentialSet[] {
  const file = resolve(jsonPath);
  const where = `FairPlay credentials ${file}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'not valid JSON';
    throw new Error(`${where}: cannot read (${reason})`, { cause: error });
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new Error(`${where}: expected a non-empty JSON array of credential sets`);
  }
  const base = dirname(file);
  return parsed.map((entry: unknown, index) => {
    const label = `${where} entry ${index}`;
    if (typeof entry !== 'object' || entry === null) throw new Error(`${label}: expected an object`);
    const { certificate, privateKey, ask, dask } = entry as Record<string, unknown>;
    if (typeof certificate !== 'string' || certificate === '')
      throw new Error(`${label}: "certificate" must be a file path`);
    if (typeof privateKey !== 'string' || privateKey === '')
      throw new Error(`${label}: "privateKey" must be a file path`);
    if ((ask === undefined) === (dask === undefined)) throw new Error(`${label}: give exactly one of "ask" or "dask"`);
    const secretName = ask !== undefined ? 'ask' : 'dask';
    const secret = ask ?? dask;
    if (typeof secret !== 'string' || !HEX32.test(secret))
      throw new Error(`${label}: "${secretName}" must be 32 hex digits`);
    const read = (name: string, path: string): Buffer => {
      try {
        return readFileSync(resolve(base, path));
      } catch (error) {
        throw new Error(
          `${label}: cannot read ${name} file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
          {
            cause: error,
          },
        );
      }
    };
    const set: FairPlayCredentialSet = {
      certificate: read('certificate', certificate),
      privateKey: read('privateKey', privateKey),
      [secretName]: Buffer.from(secret, 'hex'),
      label: `${label} (${certificate}, ${privateKey})`,
    };
    // Fail now, with this file's name, rather than at first use; keep the parsed key so it is parsed once.
    return { ...set, privateKey: prepareFairPlayCredentials(set, index).privateKey };
  });
}
