/**
 * Widevine test world for the rights e2e tests: a test root, device models and devices (docs/architecture.md), a
 * service certificate and the settings files the rights app reads (WIDEVINE_TRUSTED_ROOTS, …). Certificates and
 * `.wvd` devices are built at test time by the drm package's test PKI, from its cached RSA keys; the CDM is the
 * independent npm `widevine` client, driven by the drm package's client support (reused, not copied).
 */
import { constants, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openToken, parseKeyRing, type TokenClaims } from '@openplay/core';
import { DEV_TOKEN_KEYS } from '@openplay/nest-kit';
import { LicenseType, Widevine } from 'widevine';
import {
  createDevice,
  createModel,
  createRoot,
  createServiceCertificate,
  type KeyPair,
  type TestDevice,
  type TestRoot,
  type TestServiceCertificate,
  unpb,
  WIDEVINE_TEST_KEYS_FILE,
} from '@openplay/drm/testing';

export {
  clientChallenge,
  decodeErrorResponse,
  inspectLicense,
  inspectRenewal,
  psshBox,
  renewalChallenge,
  usageTableEntry,
  type ClientSession,
  type LicenseView,
  pb,
  pssSign,
  unpb,
  type TestDevice,
} from '@openplay/drm/testing';

const KEYS_FIXTURE = WIDEVINE_TEST_KEYS_FILE;

/** System ids and what WIDEVINE_DEVICES says of them (UNKNOWN is in no list; UNTRUSTED chains to another root). */
export const SYSTEM_ID = { L1: 7777, L2: 5555, L3: 8888, REVOKED: 9999, UNKNOWN: 4242, UNTRUSTED: 6666 } as const;
export type DeviceName = keyof typeof SYSTEM_ID;

const DEVICES_JSON = {
  [SYSTEM_ID.L1]: { level: 'L1', status: 'valid' },
  [SYSTEM_ID.L2]: { level: 'L2', status: 'valid' },
  [SYSTEM_ID.L3]: { level: 'L3' },
  [SYSTEM_ID.REVOKED]: { level: 'L1', status: 'revoked' },
  [SYSTEM_ID.UNTRUSTED]: { level: 'L1', status: 'valid' },
};

export interface WidevineWorld {
  readonly root: TestRoot;
  readonly service: TestServiceCertificate;
  readonly devices: Record<DeviceName, TestDevice>;
  /**
   * A valid L1 device whose client_info carries a NUL and bytes that are not UTF-8: a NUL is text PostgreSQL
   * refuses, which the audit row must survive.
   */
  readonly oddClientInfo: TestDevice;
  readonly dir: string;
  /** The rights settings: trusted root, service certificate and key, device list (files in `dir`). */
  env(overrides?: Record<string, string>): Record<string, string>;
  cleanup(): void;
}

function cachedKeyPairs(): KeyPair[] {
  const { keys } = JSON.parse(readFileSync(KEYS_FIXTURE, 'utf8')) as { keys: string[] };
  return keys.map((pem) => {
    const privateKey = createPrivateKey(pem);
    return { privateKey, publicKey: createPublicKey(privateKey) };
  });
}

export async function createWidevineWorld(): Promise<WidevineWorld> {
  const keys = cachedKeyPairs();
  if (keys.length < 8) throw new Error(`${KEYS_FIXTURE} holds ${keys.length} keys, 8 are needed`);
  const root = await createRoot(keys[0]);
  const otherRoot = await createRoot(keys[1]);
  const service = await createServiceCertificate(root);
  const devices = {} as Record<DeviceName, TestDevice>;
  for (const [i, name] of (Object.keys(SYSTEM_ID) as DeviceName[]).entries()) {
    const model = await createModel(name === 'UNTRUSTED' ? otherRoot : root, SYSTEM_ID[name], { keys: keys[2] });
    devices[name] = await createDevice(model, { keys: keys[3 + (i % 5)] });
  }
  const oddClientInfo = await createDevice(await createModel(root, SYSTEM_ID.L1, { keys: keys[2] }), {
    keys: keys[3],
    clientInfo: [
      { name: 'company_name', value: 'odd\u0000co\udc80' },
      { name: 'model_name', value: 'model\u0000' },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'openplay-rights-wv-'));
  writeFileSync(join(dir, 'root.bin'), root.certificate);
  writeFileSync(join(dir, 'service.bin'), service.certificate);
  writeFileSync(join(dir, 'service.pem'), service.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'devices.json'), JSON.stringify(DEVICES_JSON));
  return {
    root,
    service,
    devices,
    oddClientInfo,
    dir,
    env: (overrides = {}) => ({
      WIDEVINE_TRUSTED_ROOTS: join(dir, 'root.bin'),
      WIDEVINE_SERVICE_CERTIFICATE: join(dir, 'service.bin'),
      WIDEVINE_SERVICE_PRIVATE_KEY: join(dir, 'service.pem'),
      WIDEVINE_DEVICES: join(dir, 'devices.json'),
      ...overrides,
    }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The `08 04` SERVICE_CERTIFICATE_REQUEST, as the independent client builds it. */
export function serviceCertificateRequest(device: TestDevice): Buffer {
  return Widevine.initWVD(device.wvd)
    .createSession(Buffer.alloc(0), LicenseType.STREAMING)
    .getServiceCertificateChallenge();
}

/**
 * Reads a SERVICE_CERTIFICATE answer and checks it as a CDM would, against the test root instead of Google's:
 * the DrmCertificate (type SERVICE) inside, whose PSS-SHA1 signature must verify with the root key.
 */
export function serviceDrmCertificateOf(root: TestRoot, response: Buffer): Buffer {
  const signed = unpb<{ type: number; msg: Buffer }>('SignedMessage', response);
  if (signed.type !== 5) throw new Error(`not a SERVICE_CERTIFICATE message: type ${signed.type}`);
  const certificate = unpb<{ drm_certificate: Buffer; signature: Buffer }>('SignedDrmCertificate', signed.msg);
  const ok = verify(
    'sha1',
    certificate.drm_certificate,
    { key: root.keys.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 },
    certificate.signature,
  );
  if (!ok) throw new Error('service certificate is not signed by the test root');
  const drm = unpb<{ type: number }>('DrmCertificate', certificate.drm_certificate);
  if (drm.type !== 3) throw new Error(`service certificate has type ${drm.type}`);
  return certificate.drm_certificate;
}

/** What the rights server reads from a token (opened with the development key ring the test stack uses). */
export function claimsOf(rightsUrl: string): TokenClaims {
  const token = new URL(rightsUrl).searchParams.get('ExpressPlayToken')!;
  return openToken(token, parseKeyRing(DEV_TOKEN_KEYS), Math.floor(Date.now() / 1000));
}

/** A Widevine world made before the suite's stack starts (register it before useStack) and removed after. */
export function useWidevineWorld(): { readonly current: WidevineWorld } {
  const world = {} as { current: WidevineWorld };
  beforeAll(async () => {
    world.current = await createWidevineWorld();
  });
  afterAll(() => world.current?.cleanup());
  return world;
}
