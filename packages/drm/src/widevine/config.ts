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
import type { WidevineDeviceEntry, WidevineLicenserConfig, WidevineUnknownDevicePolicy } from './types';

/** Everything the licenser needs except the renewal secret, which the app supplies. */
export type WidevineFileConfig = Omit<WidevineLicenserConfig, 'renewalSecret'>;

/**
 * Where the Widevine files are, as the app's validated configuration gives them (paths relative to the working
 * directory):
 * - trustedRoots: files, each a root's serialized SignedDrmCertificate (binary or base64); Google's root is always
 *   trusted in addition.
 * - serviceCertificate: the certificate, a serialized SignedDrmCertificate (or the SERVICE_CERTIFICATE SignedMessage
 *   that wraps one), binary or base64; and its private key, PEM or DER.
 * - devices: JSON file `{"7777": {"level": "L1", "status": "valid"}}` (status defaults to valid).
 * - deviceStatusList: a Device Certificate Status List file (binary or base64).
 */
export interface WidevineSettings {
  readonly trustedRoots?: readonly string[];
  readonly serviceCertificate?: { readonly certificate: string; readonly privateKey: string };
  readonly devices?: string;
  readonly deviceStatusList?: string;
  readonly unknownDevices: WidevineUnknownDevicePolicy;
}

/** Which setting was bad: `serviceCertificate.privateKey` is the key of the service certificate. */
export type WidevineSettingName =
  'trustedRoots' | 'serviceCertificate' | 'serviceCertificate.privateKey' | 'devices' | 'deviceStatusList';

/** A bad Widevine file: the message is one line (the path and what is wrong), never key material. */
export class WidevineSettingError extends Error {
  constructor(
    readonly setting: WidevineSettingName,
    message: string,
  ) {
    super(message);
    this.name = 'WidevineSettingError';
  }
}

/**
 * Reads and checks the Widevine files, so a bad one stops the start-up rather than the first license. Throws a
 * WidevineSettingError naming the setting on any bad file.
 * Use: `createSoftwareWidevineLicenser({ ...loadWidevineConfig(settings), renewalSecret })`.
 */
export function loadWidevineConfig(settings: WidevineSettings): WidevineFileConfig {
  const trustedRoots = (settings.trustedRoots ?? []).map((path) => {
    const bytes = readBinary('trustedRoots', path);
    checked('trustedRoots', path, () => parseTrustedRoot(bytes));
    return bytes;
  });

  let serviceCertificate: WidevineFileConfig['serviceCertificate'];
  if (settings.serviceCertificate) {
    const { certificate: certificatePath, privateKey: keyPath } = settings.serviceCertificate;
    serviceCertificate = {
      certificate: unwrapServiceCertificate(readBinary('serviceCertificate', certificatePath)),
      privateKey: readFile('serviceCertificate.privateKey', keyPath),
    };
    const verifier = new DrmCertificateVerifier(
      [GOOGLE_WIDEVINE_ROOT_CERTIFICATE, ...trustedRoots].map((r) => parseTrustedRoot(r)),
      0,
    );
    const parsed = checked('serviceCertificate', certificatePath, () =>
      parseServiceCertificate(serviceCertificate!.certificate, verifier),
    );
    try {
      importServicePrivateKey(serviceCertificate.privateKey, parsed);
    } catch (error) {
      throw new WidevineSettingError(
        'serviceCertificate.privateKey',
        `${keyPath}: ${(error as Error).message.replace(/^Widevine service private key /, '')}`,
      );
    }
  }

  const devicesPath = settings.devices;
  let devices: ReadonlyMap<number, WidevineDeviceEntry> | undefined;
  if (devicesPath) {
    const text = readFile('devices', devicesPath).toString('utf8');
    devices = checked('devices', devicesPath, () => parseDevicesJson(text));
  }

  const dcslPath = settings.deviceStatusList;
  let deviceStatusList: Buffer | undefined;
  if (dcslPath) {
    const bytes = readBinary('deviceStatusList', dcslPath);
    checked('deviceStatusList', dcslPath, () => parseDeviceStatusList(bytes));
    deviceStatusList = bytes;
  }

  return { trustedRoots, serviceCertificate, devices, deviceStatusList, unknownDevices: settings.unknownDevices };
}

/** Parses the devices JSON: keys are decimal system ids, values {level, status?}. */
export function parseDevicesJson(text: string): ReadonlyMap<number, WidevineDeviceEntry> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('not valid JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error('must be a JSON object of system id → {"level", "status"}');
  }
  const devices = new Map<number, WidevineDeviceEntry>();
  for (const [key, value] of Object.entries(json)) {
    if (!/^\d{1,10}$/.test(key) || Number(key) > 0xffffffff) {
      throw new Error(`${JSON.stringify(key)} is not a system id (a decimal uint32)`);
    }
    const entry = value as { level?: unknown; status?: unknown } | null;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new Error(`entry ${key} must be an object {"level", "status"}`);
    }
    if (entry.level !== 'L1' && entry.level !== 'L2' && entry.level !== 'L3') {
      throw new Error(`entry ${key} level must be L1, L2 or L3 (got ${JSON.stringify(entry.level)})`);
    }
    const status = entry.status ?? 'valid';
    if (status !== 'valid' && status !== 'revoked') {
      throw new Error(`entry ${key} status must be valid or revoked (got ${JSON.stringify(entry.status)})`);
    }
    devices.set(Number(key), { level: entry.level, status });
  }
  return devices;
}

/** Runs a parser over a setting's file; its error becomes one line naming the setting and the file. */
function checked<T>(setting: WidevineSettingName, path: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new WidevineSettingError(setting, `${path}: ${(error as Error).message}`);
  }
}

function readFile(setting: WidevineSettingName, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new WidevineSettingError(
      setting,
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

const BASE64_TEXT = /^[A-Za-z0-9+/=\s]+$/;

/** A binary protobuf file, or the same bytes as base64 text. */
function readBinary(setting: WidevineSettingName, path: string): Buffer {
  const bytes = readFile(setting, path);
  if (bytes.length === 0) throw new WidevineSettingError(setting, `${path} is empty`);
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
