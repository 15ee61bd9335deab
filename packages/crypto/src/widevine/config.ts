import { readFileSync } from 'node:fs';
import {
  DrmCertificateVerifier,
  GOOGLE_WIDEVINE_ROOT_CERTIFICATE,
  importServicePrivateKey,
  parseServiceCertificate,
  parseTrustedRoot,
} from './certificates';
import { parseDeviceStatusList } from './devices';
import { decode } from './proto';
import type {
  WidevineDeviceEntry,
  WidevineLicenserConfig,
  WidevineUnknownDevicePolicy,
} from './types';

/** Everything the licenser needs except the renewal secret, which the app supplies. */
export type WidevineFileConfig = Omit<WidevineLicenserConfig, 'renewalSecret'>;

/**
 * Reads the Widevine settings:
 * - WIDEVINE_TRUSTED_ROOTS: comma-separated files, each a root's serialized SignedDrmCertificate (binary or base64);
 *   Google's root is always trusted in addition.
 * - WIDEVINE_SERVICE_CERTIFICATE + WIDEVINE_SERVICE_PRIVATE_KEY: files, both or neither. The certificate is a
 *   serialized SignedDrmCertificate (or the SERVICE_CERTIFICATE SignedMessage that wraps one), binary or base64;
 *   the key PEM or DER.
 * - WIDEVINE_DEVICES: JSON file `{"7777": {"level": "L1", "status": "valid"}}` (status defaults to valid).
 * - WIDEVINE_DCSL: optional Device Certificate Status List file (binary or base64).
 * - WIDEVINE_UNKNOWN_DEVICES: reject | L1 | L2 | L3; default L3 in test, reject in production.
 * Throws an Error whose message is one line naming the setting on any bad value.
 * Use: `createSoftwareWidevineLicenser({ ...loadWidevineConfig(process.env, environment), renewalSecret })`.
 */
export function loadWidevineConfig(
  env: Record<string, string | undefined>,
  environment: 'test' | 'production',
): WidevineFileConfig {
  const setting = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const unknownSetting = setting('WIDEVINE_UNKNOWN_DEVICES');
  let unknownDevices: WidevineUnknownDevicePolicy = environment === 'production' ? 'reject' : 'L3';
  if (unknownSetting !== undefined) {
    if (!['reject', 'L1', 'L2', 'L3'].includes(unknownSetting)) {
      throw new Error(`WIDEVINE_UNKNOWN_DEVICES must be reject, L1, L2 or L3 (got ${JSON.stringify(unknownSetting)})`);
    }
    unknownDevices = unknownSetting as WidevineUnknownDevicePolicy;
  }

  const rootsSetting = setting('WIDEVINE_TRUSTED_ROOTS');
  const rootPaths = rootsSetting ? rootsSetting.split(',').map((path) => path.trim()).filter(Boolean) : [];
  const trustedRoots = rootPaths.map((path) => {
    const bytes = readBinary('WIDEVINE_TRUSTED_ROOTS', path);
    try {
      parseTrustedRoot(bytes);
    } catch (error) {
      throw new Error(`WIDEVINE_TRUSTED_ROOTS ${path}: ${(error as Error).message}`);
    }
    return bytes;
  });

  const certificatePath = setting('WIDEVINE_SERVICE_CERTIFICATE');
  const keyPath = setting('WIDEVINE_SERVICE_PRIVATE_KEY');
  if ((certificatePath === undefined) !== (keyPath === undefined)) {
    throw new Error('WIDEVINE_SERVICE_CERTIFICATE and WIDEVINE_SERVICE_PRIVATE_KEY must be set together');
  }
  let serviceCertificate: WidevineFileConfig['serviceCertificate'];
  if (certificatePath !== undefined && keyPath !== undefined) {
    serviceCertificate = {
      certificate: unwrapServiceCertificate(readBinary('WIDEVINE_SERVICE_CERTIFICATE', certificatePath)),
      privateKey: readFile('WIDEVINE_SERVICE_PRIVATE_KEY', keyPath),
    };
    const verifier = new DrmCertificateVerifier([GOOGLE_WIDEVINE_ROOT_CERTIFICATE, ...trustedRoots].map((r) => parseTrustedRoot(r)), 0);
    let parsed;
    try {
      parsed = parseServiceCertificate(serviceCertificate.certificate, verifier);
    } catch (error) {
      throw new Error(`WIDEVINE_SERVICE_CERTIFICATE ${certificatePath}: ${(error as Error).message}`);
    }
    try {
      importServicePrivateKey(serviceCertificate.privateKey, parsed);
    } catch (error) {
      throw new Error(`WIDEVINE_SERVICE_PRIVATE_KEY ${keyPath}: ${(error as Error).message.replace(/^Widevine service private key /, '')}`);
    }
  }

  const devicesPath = setting('WIDEVINE_DEVICES');
  const devices = devicesPath ? parseDevicesJson(readFile('WIDEVINE_DEVICES', devicesPath).toString('utf8')) : undefined;

  const dcslPath = setting('WIDEVINE_DCSL');
  let deviceStatusList: Buffer | undefined;
  if (dcslPath) {
    deviceStatusList = readBinary('WIDEVINE_DCSL', dcslPath);
    try {
      parseDeviceStatusList(deviceStatusList);
    } catch (error) {
      throw new Error(`WIDEVINE_DCSL ${dcslPath}: ${(error as Error).message}`);
    }
  }

  return { trustedRoots, serviceCertificate, devices, deviceStatusList, unknownDevices };
}

/** Parses the WIDEVINE_DEVICES JSON: keys are decimal system ids, values {level, status?}. */
export function parseDevicesJson(text: string, setting = 'WIDEVINE_DEVICES'): ReadonlyMap<number, WidevineDeviceEntry> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${setting} is not valid JSON`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`${setting} must be a JSON object of system id → {"level", "status"}`);
  }
  const devices = new Map<number, WidevineDeviceEntry>();
  for (const [key, value] of Object.entries(json)) {
    if (!/^\d{1,10}$/.test(key) || Number(key) > 0xffffffff) {
      throw new Error(`${setting}: ${JSON.stringify(key)} is not a system id (a decimal uint32)`);
    }
    const entry = value as { level?: unknown; status?: unknown } | null;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new Error(`${setting}: entry ${key} must be an object {"level", "status"}`);
    }
    if (entry.level !== 'L1' && entry.level !== 'L2' && entry.level !== 'L3') {
      throw new Error(`${setting}: entry ${key} level must be L1, L2 or L3 (got ${JSON.stringify(entry.level)})`);
    }
    const status = entry.status ?? 'valid';
    if (status !== 'valid' && status !== 'revoked') {
      throw new Error(`${setting}: entry ${key} status must be valid or revoked (got ${JSON.stringify(entry.status)})`);
    }
    devices.set(Number(key), { level: entry.level, status });
  }
  return devices;
}

function readFile(setting: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${setting}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

const BASE64_TEXT = /^[A-Za-z0-9+/=\s]+$/;

/** A binary protobuf file, or the same bytes as base64 text. */
function readBinary(setting: string, path: string): Buffer {
  const bytes = readFile(setting, path);
  if (bytes.length === 0) throw new Error(`${setting}: ${path} is empty`);
  const text = bytes.toString('latin1');
  if (BASE64_TEXT.test(text)) {
    const decoded = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    if (decoded.length > 0) return decoded;
  }
  return bytes;
}

/** Accepts the SERVICE_CERTIFICATE SignedMessage (`08 05 12 …`) as well as the bare SignedDrmCertificate (`0a …`). */
function unwrapServiceCertificate(bytes: Buffer): Buffer {
  if (bytes[0] !== 0x08) return bytes;
  try {
    const message = decode('SignedMessage', bytes);
    if (message.type === 5 && message.msg?.length) return message.msg;
  } catch {
    // not a SignedMessage: let the licenser report what it is
  }
  return bytes;
}
