/**
 * A test Widevine PKI (docs/architecture.md, "What the tests prove"), built with node:crypto and its own
 * protobuf schema (independent of the licenser's): a test root, device model (intermediate) certificates per system
 * id, device certificates, `.wvd` v2 files the `widevine` npm client loads, and a service certificate.
 */
import { constants, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as protobuf from 'protobufjs';

const generate = promisify(generateKeyPair);

const SCHEMA = `
syntax = "proto2";
package openplay_widevine_test;
message DrmCertificate {
  optional int32 type = 1;
  optional bytes serial_number = 2;
  optional uint32 creation_time_seconds = 3;
  optional bytes public_key = 4;
  optional uint32 system_id = 5;
  optional string provider_id = 7;
  optional uint32 expiration_time_seconds = 12;
}
message SignedDrmCertificate {
  optional bytes drm_certificate = 1;
  optional bytes signature = 2;
  optional SignedDrmCertificate signer = 3;
}
message ClientIdentification {
  message NameValue { optional string name = 1; optional string value = 2; }
  message ClientCapabilities { optional uint32 max_hdcp_version = 4; optional uint32 oem_crypto_api_version = 5; }
  optional int32 type = 1;
  optional bytes token = 2;
  repeated NameValue client_info = 3;
  optional ClientCapabilities client_capabilities = 6;
}
message DeviceCertificateStatusList {
  message ProvisionedDeviceInfo { optional uint32 system_id = 1; optional int32 security_level = 7; }
  message DeviceCertificateStatus { optional bytes serial_number = 1; optional int32 status = 2; optional ProvisionedDeviceInfo device_info = 4; }
  optional uint32 creation_time_seconds = 1;
  repeated DeviceCertificateStatus certificate_status = 2;
}
message WidevinePsshData {
  repeated bytes key_ids = 2;
  optional bytes content_id = 4;
  optional uint32 protection_scheme = 9;
}
message SignedMessage {
  optional int32 type = 1;
  optional bytes msg = 2;
  optional bytes signature = 3;
  optional bytes session_key = 4;
  optional bytes oemcrypto_core_message = 9;
}
message LicenseIdentification {
  optional bytes request_id = 1;
  optional bytes session_id = 2;
  optional bytes purchase_id = 3;
  optional int32 type = 4;
  optional int32 version = 5;
}
message LicenseRequest {
  message ContentIdentification {
    message WidevinePsshData { repeated bytes pssh_data = 1; optional int32 license_type = 2; optional bytes request_id = 3; }
    message ExistingLicense { optional LicenseIdentification license_id = 1; optional int64 seconds_since_started = 2; optional int64 seconds_since_last_played = 3; optional bytes session_usage_table_entry = 4; }
    optional WidevinePsshData widevine_pssh_data = 1;
    optional ExistingLicense existing_license = 3;
  }
  optional ClientIdentification client_id = 1;
  optional ContentIdentification content_id = 2;
  optional int32 type = 3;
  optional int64 request_time = 4;
  optional int32 protocol_version = 6;
  optional uint32 key_control_nonce = 7;
  optional bytes encrypted_client_id = 8;
}
message License {
  message Policy {
    optional bool can_play = 1; optional bool can_persist = 2; optional bool can_renew = 3;
    optional int64 rental_duration_seconds = 4; optional int64 playback_duration_seconds = 5;
    optional int64 license_duration_seconds = 6; optional int64 renewal_delay_seconds = 9;
  }
  message KeyContainer {
    message KeyControl { optional bytes key_control_block = 1; optional bytes iv = 2; }
    message OutputProtection { optional int32 hdcp = 1; }
    message VideoResolutionConstraint {
      optional uint32 min_resolution_pixels = 1; optional uint32 max_resolution_pixels = 2;
      optional OutputProtection required_protection = 3;
    }
    optional bytes id = 1; optional bytes iv = 2; optional bytes key = 3; optional int32 type = 4; optional int32 level = 5;
    optional OutputProtection required_protection = 6; optional KeyControl key_control = 8;
    repeated VideoResolutionConstraint video_resolution_constraints = 10;
    optional string track_label = 12;
  }
  optional LicenseIdentification id = 1;
  optional Policy policy = 2;
  repeated KeyContainer key = 3;
  optional int64 license_start_time = 4;
  optional uint32 protection_scheme = 7;
}
message LicenseError { optional int32 error_code = 1; }
message SignedCertificateStatusList {
  optional bytes certificate_status_list = 1;
  optional bytes signature = 2;
}
`;
const schema = protobuf.parse(SCHEMA, { keepCase: true }).root;

export function pb(type: string, value: Record<string, unknown>): Buffer {
  const t = schema.lookupType(`openplay_widevine_test.${type}`);
  const err = t.verify(value);
  if (err) throw new Error(`${type}: ${err}`);
  const bytes = t.encode(t.fromObject(value)).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function unpb<T = Record<string, unknown>>(type: string, bytes: Uint8Array): T {
  const t = schema.lookupType(`openplay_widevine_test.${type}`);
  return t.toObject(t.decode(bytes), { longs: Number }) as T;
}

export function pssSign(key: KeyObject, data: Buffer): Buffer {
  return sign('sha1', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 });
}

const now = (): number => Math.floor(Date.now() / 1000);

export interface KeyPair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

export async function rsa(bits = 2048): Promise<KeyPair> {
  return generate('rsa', { modulusLength: bits });
}

const pkcs1 = (key: KeyObject): Buffer => key.export({ type: 'pkcs1', format: 'der' });

export interface TestRoot {
  readonly keys: KeyPair;
  /** Serialized SignedDrmCertificate (type ROOT, self-signed): what WIDEVINE_TRUSTED_ROOTS files hold. */
  readonly certificate: Buffer;
  readonly drmCertificate: Buffer;
}

export async function createRoot(keys?: KeyPair): Promise<TestRoot> {
  const k = keys ?? (await rsa());
  const drmCertificate = pb('DrmCertificate', {
    type: 0,
    serial_number: Buffer.from([0]),
    creation_time_seconds: now(),
    public_key: pkcs1(k.publicKey),
  });
  const certificate = pb('SignedDrmCertificate', {
    drm_certificate: drmCertificate,
    signature: pssSign(k.privateKey, drmCertificate),
  });
  return { keys: k, certificate, drmCertificate };
}

export interface TestModel {
  readonly systemId: number;
  readonly keys: KeyPair;
  readonly serialNumber: Buffer;
  /** Signed by the root; `includeRoot` adds the root as its signer. */
  readonly signed: Record<string, unknown>;
}

export async function createModel(
  root: TestRoot,
  systemId: number,
  options: { keys?: KeyPair; includeRoot?: boolean; expiration?: number } = {},
): Promise<TestModel> {
  const keys = options.keys ?? (await rsa());
  const serialNumber = randomBytes(16);
  const drmCertificate = pb('DrmCertificate', {
    type: 1,
    serial_number: serialNumber,
    creation_time_seconds: now(),
    public_key: pkcs1(keys.publicKey),
    system_id: systemId,
    ...(options.expiration !== undefined ? { expiration_time_seconds: options.expiration } : {}),
  });
  const signed: Record<string, unknown> = {
    drm_certificate: drmCertificate,
    signature: pssSign(root.keys.privateKey, drmCertificate),
  };
  if (options.includeRoot) signed.signer = unpb('SignedDrmCertificate', root.certificate);
  return { systemId, keys, serialNumber, signed };
}

export interface TestDevice {
  readonly systemId: number;
  readonly keys: KeyPair;
  /** Serialized SignedDrmCertificate chain device → model (→ root). */
  readonly token: Buffer;
  /** Serialized ClientIdentification. */
  readonly clientId: Buffer;
  /** WVD v2 file: "WVD" ‖ 2 ‖ type ‖ level ‖ flags ‖ u16 len ‖ PKCS#1 key ‖ u16 len ‖ ClientIdentification. */
  readonly wvd: Buffer;
}

export async function createDevice(
  model: TestModel,
  options: {
    keys?: KeyPair;
    expiration?: number;
    deviceType?: 1 | 2;
    signWith?: KeyObject;
    systemId?: number;
    /** The ClientIdentification's client_info; by default company_name openplay-test and model_name model-<system id>. */
    clientInfo?: ReadonlyArray<{ name: string; value: string }>;
  } = {},
): Promise<TestDevice> {
  const keys = options.keys ?? (await rsa());
  const drmCertificate = pb('DrmCertificate', {
    type: 2,
    serial_number: randomBytes(16),
    creation_time_seconds: now(),
    public_key: pkcs1(keys.publicKey),
    system_id: options.systemId ?? model.systemId,
    ...(options.expiration !== undefined ? { expiration_time_seconds: options.expiration } : {}),
  });
  const token = pb('SignedDrmCertificate', {
    drm_certificate: drmCertificate,
    signature: pssSign(options.signWith ?? model.keys.privateKey, drmCertificate),
    signer: model.signed,
  });
  const clientId = pb('ClientIdentification', {
    type: 1,
    token,
    client_info: options.clientInfo ?? [
      { name: 'company_name', value: 'openplay-test' },
      { name: 'model_name', value: `model-${model.systemId}` },
    ],
    client_capabilities: { max_hdcp_version: 2, oem_crypto_api_version: 15 },
  });
  return {
    systemId: model.systemId,
    keys,
    token,
    clientId,
    wvd: wvd(keys.privateKey, clientId, options.deviceType ?? 2),
  };
}

export function wvd(privateKey: KeyObject, clientId: Buffer, deviceType: 1 | 2 = 2, securityLevel = 3): Buffer {
  const key = privateKey.export({ type: 'pkcs1', format: 'der' }) as Buffer;
  const header = Buffer.from([0x57, 0x56, 0x44, 2, deviceType, securityLevel, 0]);
  const len = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
  return Buffer.concat([header, len(key.length), key, len(clientId.length), clientId]);
}

export interface TestServiceCertificate {
  readonly keys: KeyPair;
  /** Serialized SignedDrmCertificate (type SERVICE). */
  readonly certificate: Buffer;
  /** The DrmCertificate inside, what the client encrypts to. */
  readonly drmCertificate: Buffer;
  readonly serialNumber: Buffer;
  readonly privateKeyPem: string;
}

export async function createServiceCertificate(
  root: TestRoot,
  providerId = 'license.openplay.test',
): Promise<TestServiceCertificate> {
  const keys = await rsa();
  const serialNumber = randomBytes(16);
  const drmCertificate = pb('DrmCertificate', {
    type: 3,
    serial_number: serialNumber,
    creation_time_seconds: now(),
    public_key: pkcs1(keys.publicKey),
    provider_id: providerId,
  });
  const certificate = pb('SignedDrmCertificate', {
    drm_certificate: drmCertificate,
    signature: pssSign(root.keys.privateKey, drmCertificate),
  });
  return {
    keys,
    certificate,
    drmCertificate,
    serialNumber,
    privateKeyPem: keys.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
  };
}

/** A DCSL (SignedCertificateStatusList, unsigned) over `entries`. */
export function dcsl(
  entries: Array<{ serial?: Buffer; systemId: number; status: 0 | 1; level: 0 | 1 | 2 | 3 }>,
): Buffer {
  const list = pb('DeviceCertificateStatusList', {
    creation_time_seconds: now(),
    certificate_status: entries.map((e) => ({
      ...(e.serial ? { serial_number: e.serial } : {}),
      status: e.status,
      device_info: { system_id: e.systemId, security_level: e.level },
    })),
  });
  return pb('SignedCertificateStatusList', { certificate_status_list: list, signature: Buffer.alloc(0) });
}
