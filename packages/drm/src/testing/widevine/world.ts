/** One test PKI shared by the Widevine specs: built once per spec file (RSA key generation dominates). */
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { WidevinePolicy } from '@openplay/core';
import {
  createSoftwareWidevineLicenser,
  type SoftwareWidevineLicenser,
  type WidevineGrant,
  type WidevineLicenserConfig,
} from '../../widevine';
import {
  createDevice,
  createModel,
  createRoot,
  createServiceCertificate,
  rsa,
  type KeyPair,
  type TestDevice,
  type TestModel,
  type TestRoot,
  type TestServiceCertificate,
} from './test-pki';
import { WIDEVINE_TEST_KEYS_FILE } from '../fixtures';

export const SYSTEM_ID = { L1: 7777, L2: 5555, L3: 8888, REVOKED: 9999, UNKNOWN: 4242, UNTRUSTED: 6666 } as const;

export interface World {
  readonly root: TestRoot;
  readonly otherRoot: TestRoot;
  readonly service: TestServiceCertificate;
  readonly models: Record<keyof typeof SYSTEM_ID, TestModel>;
  readonly devices: Record<keyof typeof SYSTEM_ID, TestDevice>;
  readonly renewalSecret: Buffer;
  licenser(overrides?: Partial<WidevineLicenserConfig>): SoftwareWidevineLicenser;
}

const KEYS_FIXTURE = WIDEVINE_TEST_KEYS_FILE;

/** Eight RSA-2048 key pairs: from the fixture (generate-keys.js) when present, else generated now. */
async function keyPairs(): Promise<KeyPair[]> {
  if (existsSync(KEYS_FIXTURE)) {
    const { keys } = JSON.parse(readFileSync(KEYS_FIXTURE, 'utf8')) as { keys: string[] };
    if (keys.length >= 8) {
      return keys.slice(0, 8).map((pem) => {
        const privateKey = createPrivateKey(pem);
        return { privateKey, publicKey: createPublicKey(privateKey) };
      });
    }
  }
  return Promise.all(Array.from({ length: 8 }, () => rsa()));
}

export async function createWorld(): Promise<World> {
  const keys = await keyPairs();
  const [rootKeys, otherRootKeys, modelKeys, deviceKeys] = [keys[0], keys[1], keys[2], keys.slice(3)];
  const root = await createRoot(rootKeys);
  const otherRoot = await createRoot(otherRootKeys);
  const service = await createServiceCertificate(root);
  const names = Object.keys(SYSTEM_ID) as Array<keyof typeof SYSTEM_ID>;
  const models = {} as Record<keyof typeof SYSTEM_ID, TestModel>;
  const devices = {} as Record<keyof typeof SYSTEM_ID, TestDevice>;
  // Models share one key pair (each its own certificate and system id); devices take the remaining key pairs in turn.
  for (const [i, name] of names.entries()) {
    models[name] = await createModel(name === 'UNTRUSTED' ? otherRoot : root, SYSTEM_ID[name], { keys: modelKeys });
    devices[name] = await createDevice(models[name], { keys: deviceKeys[i % deviceKeys.length] });
  }
  const renewalSecret = randomBytes(32);
  return {
    root,
    otherRoot,
    service,
    models,
    devices,
    renewalSecret,
    licenser: (overrides = {}) =>
      createSoftwareWidevineLicenser({
        trustedRoots: [root.certificate],
        serviceCertificate: { certificate: service.certificate, privateKey: service.privateKeyPem },
        devices: {
          [SYSTEM_ID.L1]: { level: 'L1', status: 'valid' },
          [SYSTEM_ID.L2]: { level: 'L2', status: 'valid' },
          [SYSTEM_ID.L3]: { level: 'L3', status: 'valid' },
          [SYSTEM_ID.REVOKED]: { level: 'L1', status: 'revoked' },
          [SYSTEM_ID.UNTRUSTED]: { level: 'L1', status: 'valid' },
        },
        unknownDevices: 'reject',
        renewalSecret,
        ...overrides,
      }),
  };
}

export function grant(policy: Partial<WidevinePolicy> = {}, overrides: Partial<WidevineGrant> = {}): WidevineGrant {
  return {
    kid: Buffer.from('0123456789abcdef0123456789abcdef', 'hex'),
    contentKey: randomBytes(16),
    policy: {
      drm: 'wv',
      securityLevel: 1,
      hdcpOutputControl: 0,
      licenseDuration: 3600,
      contentId: null,
      extensions: [],
      ...policy,
    },
    tokenId: randomBytes(16),
    issuedAt: Math.floor(Date.now() / 1000),
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    ...overrides,
  };
}
