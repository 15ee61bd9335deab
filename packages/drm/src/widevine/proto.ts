import * as protobuf from 'protobufjs';

/**
 * The subset of Widevine's `license_protocol.proto` this licenser reads and writes (field numbers as in the upstream
 * file; identical across pywidevine, node-widevine and the CENC30 CDM copies).
 * It ships inside the compiled package as this string and is parsed once by protobufjs reflection.
 *
 * Deliberate deviations from the upstream file, all wire-compatible:
 * - `SignedDrmCertificate.signer` is declared `bytes` instead of the recursive message, so a chain is decoded one
 *   level at a time (no unbounded recursion on hostile input) and the signer's exact serialized bytes are at hand
 *   for the verified-certificate cache.
 * - `SignedMessage.remote_attestation` is `bytes` (the pywidevine shape); `metric_data` is left out (skipped as unknown).
 * - Enums are plain integers so that unknown values from newer clients pass through unchanged.
 */
export const LICENSE_PROTOCOL_PROTO = `
syntax = "proto2";
package openplay_widevine;

message SignedMessage {
  optional int32 type = 1;              // LICENSE_REQUEST=1 LICENSE=2 ERROR_RESPONSE=3 SERVICE_CERTIFICATE_REQUEST=4 SERVICE_CERTIFICATE=5
  optional bytes msg = 2;
  optional bytes signature = 3;
  optional bytes session_key = 4;
  optional bytes remote_attestation = 5;
  optional VersionInfo service_version_info = 7;
  optional int32 session_key_type = 8;  // UNDEFINED=0 WRAPPED_AES_KEY=1 EPHEMERAL_ECC_PUBLIC_KEY=2
  optional bytes oemcrypto_core_message = 9;
  optional int32 hash_algorithm = 10;
  optional bool using_secondary_key = 11;
}

message VersionInfo {
  optional string license_sdk_version = 1;
  optional string license_service_version = 2;
}

message LicenseRequest {
  message ContentIdentification {
    message WidevinePsshData {
      repeated bytes pssh_data = 1;
      optional int32 license_type = 2;
      optional bytes request_id = 3;
    }
    message WebmKeyId {
      optional bytes header = 1;
      optional int32 license_type = 2;
      optional bytes request_id = 3;
    }
    message ExistingLicense {
      optional LicenseIdentification license_id = 1;
      optional int64 seconds_since_started = 2;
      optional int64 seconds_since_last_played = 3;
      optional bytes session_usage_table_entry = 4;
    }
    message InitData {
      optional int32 init_data_type = 1;
      optional bytes init_data = 2;
      optional int32 license_type = 3;
      optional bytes request_id = 4;
    }
    // Qualified: protobufjs resolves a bare name against root-level full names before the enclosing scope.
    optional .openplay_widevine.LicenseRequest.ContentIdentification.WidevinePsshData widevine_pssh_data = 1;
    optional WebmKeyId webm_key_id = 2;
    optional ExistingLicense existing_license = 3;
    optional InitData init_data = 4;
  }
  optional ClientIdentification client_id = 1;
  optional ContentIdentification content_id = 2;
  optional int32 type = 3;                  // NEW=1 RENEWAL=2 RELEASE=3
  optional int64 request_time = 4;
  optional bytes key_control_nonce_deprecated = 5;
  optional int32 protocol_version = 6;      // 20, 21, 22
  optional uint32 key_control_nonce = 7;
  optional EncryptedClientIdentification encrypted_client_id = 8;
  optional string client_version = 9;
}

message ClientIdentification {
  message NameValue {
    optional string name = 1;
    optional string value = 2;
  }
  message ClientCapabilities {
    optional bool client_token = 1;
    optional bool session_token = 2;
    optional bool video_resolution_constraints = 3;
    optional int32 max_hdcp_version = 4;
    optional uint32 oem_crypto_api_version = 5;
  }
  optional int32 type = 1;                  // KEYBOX=0 DRM_DEVICE_CERTIFICATE=1 ...
  optional bytes token = 2;
  repeated NameValue client_info = 3;
  optional bytes provider_client_token = 4;
  optional uint32 license_counter = 5;
  optional ClientCapabilities client_capabilities = 6;
  optional bytes vmp_data = 7;
}

message EncryptedClientIdentification {
  optional string provider_id = 1;
  optional bytes service_certificate_serial_number = 2;
  optional bytes encrypted_client_id = 3;
  optional bytes encrypted_client_id_iv = 4;
  optional bytes encrypted_privacy_key = 5;
}

message LicenseIdentification {
  optional bytes request_id = 1;
  optional bytes session_id = 2;
  optional bytes purchase_id = 3;
  optional int32 type = 4;                  // STREAMING=1 OFFLINE=2 AUTOMATIC=3
  optional int32 version = 5;
  optional bytes provider_session_token = 6;
}

message License {
  message Policy {
    optional bool can_play = 1;
    optional bool can_persist = 2;
    optional bool can_renew = 3;
    optional int64 rental_duration_seconds = 4;
    optional int64 playback_duration_seconds = 5;
    optional int64 license_duration_seconds = 6;
    optional int64 renewal_recovery_duration_seconds = 7;
    optional string renewal_server_url = 8;
    optional int64 renewal_delay_seconds = 9;
    optional int64 renewal_retry_interval_seconds = 10;
    optional bool renew_with_usage = 11;
    optional bool always_include_client_id = 12;
    optional int64 play_start_grace_period_seconds = 13;
    optional bool soft_enforce_playback_duration = 14;
    optional bool soft_enforce_rental_duration = 15;
  }
  message KeyContainer {
    message KeyControl {
      optional bytes key_control_block = 1;
      optional bytes iv = 2;
    }
    message OutputProtection {
      optional int32 hdcp = 1;              // HDCP_NONE=0 HDCP_V1=1 HDCP_V2=2 ...
      optional int32 cgms_flags = 2;
    }
    optional bytes id = 1;
    optional bytes iv = 2;
    optional bytes key = 3;
    optional int32 type = 4;                // SIGNING=1 CONTENT=2 KEY_CONTROL=3 ...
    optional int32 level = 5;               // SW_SECURE_CRYPTO=1 ... HW_SECURE_ALL=5
    optional OutputProtection required_protection = 6;
    optional OutputProtection requested_protection = 7;
    optional KeyControl key_control = 8;
  }
  optional LicenseIdentification id = 1;
  optional Policy policy = 2;
  repeated KeyContainer key = 3;
  optional int64 license_start_time = 4;
  optional bool remote_attestation_verified = 5;
  optional bytes provider_client_token = 6;
  optional uint32 protection_scheme = 7;
}

message LicenseError {
  optional int32 error_code = 1;            // INVALID_DRM_DEVICE_CERTIFICATE=1 REVOKED_DRM_DEVICE_CERTIFICATE=2 SERVICE_UNAVAILABLE=3
}

message DrmCertificate {
  message EncryptionKey {
    optional bytes public_key = 1;
    optional int32 algorithm = 2;
  }
  optional int32 type = 1;                  // ROOT=0 DEVICE_MODEL=1 DEVICE=2 SERVICE=3 PROVISIONER=4
  optional bytes serial_number = 2;
  optional uint32 creation_time_seconds = 3;
  optional bytes public_key = 4;            // PKCS#1 DER RSAPublicKey
  optional uint32 system_id = 5;
  optional bool test_device_deprecated = 6;
  optional string provider_id = 7;
  repeated int32 service_types = 8;
  optional int32 algorithm = 9;             // UNKNOWN=0 RSA=1 ECC_*=2..4
  optional EncryptionKey encryption_key = 11;
  optional uint32 expiration_time_seconds = 12;
}

message SignedDrmCertificate {
  optional bytes drm_certificate = 1;
  optional bytes signature = 2;
  optional bytes signer = 3;                // a serialized SignedDrmCertificate (see the note above)
  optional int32 hash_algorithm = 4;        // UNSPECIFIED=0 SHA_1=1 SHA_256=2 SHA_384=3
}

message WidevinePsshData {
  repeated bytes key_ids = 2;
  optional bytes content_id = 4;
  optional uint32 protection_scheme = 9;
}

message SignedCertificateStatusList {
  optional bytes certificate_status_list = 1;
  optional bytes signature = 2;
}

message DeviceCertificateStatusList {
  message ProvisionedDeviceInfo {
    optional uint32 system_id = 1;
    optional string soc = 2;
    optional string manufacturer = 3;
    optional string model = 4;
    optional string device_type = 5;
    optional uint32 model_year = 6;
    optional int32 security_level = 7;      // LEVEL_UNSPECIFIED=0 LEVEL_1=1 LEVEL_2=2 LEVEL_3=3
    optional bool test_device = 8;
  }
  message DeviceCertificateStatus {
    optional bytes serial_number = 1;
    optional int32 status = 2;              // VALID=0 REVOKED=1
    optional ProvisionedDeviceInfo device_info = 4;
  }
  optional uint32 creation_time_seconds = 1;
  repeated DeviceCertificateStatus certificate_status = 2;
}
`;

const root = protobuf.parse(LICENSE_PROTOCOL_PROTO, { keepCase: true }).root;

function type(name: string): protobuf.Type {
  return root.lookupType(`openplay_widevine.${name}`);
}

const TYPES = {
  SignedMessage: type('SignedMessage'),
  LicenseRequest: type('LicenseRequest'),
  ClientIdentification: type('ClientIdentification'),
  EncryptedClientIdentification: type('EncryptedClientIdentification'),
  License: type('License'),
  LicenseIdentification: type('LicenseIdentification'),
  LicenseError: type('LicenseError'),
  DrmCertificate: type('DrmCertificate'),
  SignedDrmCertificate: type('SignedDrmCertificate'),
  WidevinePsshData: type('WidevinePsshData'),
  SignedCertificateStatusList: type('SignedCertificateStatusList'),
  DeviceCertificateStatusList: type('DeviceCertificateStatusList'),
} as const;

export type MessageName = keyof typeof TYPES;

// ---------------------------------------------------------------------------------------------------------------
// Plain shapes of the decoded messages. Every field is optional: proto2 presence is kept (absent fields are
// undefined), int64 fields come back as numbers.

export interface SignedMessage {
  type?: number;
  msg?: Buffer;
  signature?: Buffer;
  session_key?: Buffer;
  remote_attestation?: Buffer;
  service_version_info?: { license_sdk_version?: string; license_service_version?: string };
  session_key_type?: number;
  oemcrypto_core_message?: Buffer;
  hash_algorithm?: number;
  using_secondary_key?: boolean;
}

export interface LicenseIdentification {
  request_id?: Buffer;
  session_id?: Buffer;
  purchase_id?: Buffer;
  type?: number;
  version?: number;
  provider_session_token?: Buffer;
}

export interface ContentIdentification {
  widevine_pssh_data?: { pssh_data?: Buffer[]; license_type?: number; request_id?: Buffer };
  webm_key_id?: { header?: Buffer; license_type?: number; request_id?: Buffer };
  existing_license?: {
    license_id?: LicenseIdentification;
    seconds_since_started?: number;
    seconds_since_last_played?: number;
    session_usage_table_entry?: Buffer;
  };
  init_data?: { init_data_type?: number; init_data?: Buffer; license_type?: number; request_id?: Buffer };
}

export interface ClientIdentification {
  type?: number;
  token?: Buffer;
  client_info?: Array<{ name?: string; value?: string }>;
  provider_client_token?: Buffer;
  license_counter?: number;
  client_capabilities?: {
    client_token?: boolean;
    session_token?: boolean;
    video_resolution_constraints?: boolean;
    max_hdcp_version?: number;
    oem_crypto_api_version?: number;
  };
  vmp_data?: Buffer;
}

export interface EncryptedClientIdentification {
  provider_id?: string;
  service_certificate_serial_number?: Buffer;
  encrypted_client_id?: Buffer;
  encrypted_client_id_iv?: Buffer;
  encrypted_privacy_key?: Buffer;
}

export interface LicenseRequest {
  client_id?: ClientIdentification;
  content_id?: ContentIdentification;
  type?: number;
  request_time?: number;
  key_control_nonce_deprecated?: Buffer;
  protocol_version?: number;
  key_control_nonce?: number;
  encrypted_client_id?: EncryptedClientIdentification;
  client_version?: string;
}

export interface OutputProtection {
  hdcp?: number;
  cgms_flags?: number;
}

export interface KeyContainer {
  id?: Buffer;
  iv?: Buffer;
  key?: Buffer;
  type?: number;
  level?: number;
  required_protection?: OutputProtection;
  requested_protection?: OutputProtection;
  key_control?: { key_control_block?: Buffer; iv?: Buffer };
}

export interface Policy {
  can_play?: boolean;
  can_persist?: boolean;
  can_renew?: boolean;
  rental_duration_seconds?: number;
  playback_duration_seconds?: number;
  license_duration_seconds?: number;
  renewal_recovery_duration_seconds?: number;
  renewal_server_url?: string;
  renewal_delay_seconds?: number;
  renewal_retry_interval_seconds?: number;
  renew_with_usage?: boolean;
  always_include_client_id?: boolean;
  play_start_grace_period_seconds?: number;
  soft_enforce_playback_duration?: boolean;
  soft_enforce_rental_duration?: boolean;
}

export interface License {
  id?: LicenseIdentification;
  policy?: Policy;
  key?: KeyContainer[];
  license_start_time?: number;
  remote_attestation_verified?: boolean;
  provider_client_token?: Buffer;
  protection_scheme?: number;
}

export interface LicenseError {
  error_code?: number;
}

export interface DrmCertificate {
  type?: number;
  serial_number?: Buffer;
  creation_time_seconds?: number;
  public_key?: Buffer;
  system_id?: number;
  test_device_deprecated?: boolean;
  provider_id?: string;
  service_types?: number[];
  algorithm?: number;
  encryption_key?: { public_key?: Buffer; algorithm?: number };
  expiration_time_seconds?: number;
}

export interface SignedDrmCertificate {
  drm_certificate?: Buffer;
  signature?: Buffer;
  signer?: Buffer;
  hash_algorithm?: number;
}

export interface WidevinePsshData {
  key_ids?: Buffer[];
  content_id?: Buffer;
  protection_scheme?: number;
}

export interface SignedCertificateStatusList {
  certificate_status_list?: Buffer;
  signature?: Buffer;
}

export interface DeviceCertificateStatusList {
  creation_time_seconds?: number;
  certificate_status?: Array<{
    serial_number?: Buffer;
    status?: number;
    device_info?: {
      system_id?: number;
      soc?: string;
      manufacturer?: string;
      model?: string;
      device_type?: string;
      model_year?: number;
      security_level?: number;
      test_device?: boolean;
    };
  }>;
}

interface Shapes {
  SignedMessage: SignedMessage;
  LicenseRequest: LicenseRequest;
  ClientIdentification: ClientIdentification;
  EncryptedClientIdentification: EncryptedClientIdentification;
  License: License;
  LicenseIdentification: LicenseIdentification;
  LicenseError: LicenseError;
  DrmCertificate: DrmCertificate;
  SignedDrmCertificate: SignedDrmCertificate;
  WidevinePsshData: WidevinePsshData;
  SignedCertificateStatusList: SignedCertificateStatusList;
  DeviceCertificateStatusList: DeviceCertificateStatusList;
}

const TO_PLAIN: protobuf.IConversionOptions = { longs: Number, defaults: false, arrays: false };

/**
 * Decodes `bytes` as message `name`. Throws (a protobufjs Error/RangeError) on malformed input; callers map that
 * to their own error. Absent fields stay undefined; bytes fields are Buffers viewing `bytes`.
 */
export function decode<N extends MessageName>(name: N, bytes: Uint8Array): Shapes[N] {
  const message = TYPES[name].decode(bytes);
  return TYPES[name].toObject(message, TO_PLAIN) as Shapes[N];
}

/** Canonical encoding (fields in ascending number order, each once, no unknown fields). */
export function encode<N extends MessageName>(name: N, value: Shapes[N]): Buffer {
  const bytes = TYPES[name].encode(value as unknown as protobuf.Message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

function writeVarint(out: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[at++] = value;
  return at;
}

/**
 * `SignedMessage { type, msg, signature, session_key? }` written in one buffer: the same canonical bytes as
 * `encode('SignedMessage', …)` (fields 1–4 in order), without the writer's intermediate copies. `type` is 0–127.
 */
export function encodeSignedMessage(type: number, msg: Buffer, signature: Buffer, sessionKey?: Buffer): Buffer {
  const fields: Array<[number, Buffer]> = [
    [0x12, msg],
    [0x1a, signature],
  ];
  if (sessionKey !== undefined) fields.push([0x22, sessionKey]);
  let size = 2;
  for (const [, bytes] of fields) size += 1 + varintSize(bytes.length) + bytes.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = 0x08;
  out[1] = type;
  let at = 2;
  for (const [key, bytes] of fields) {
    out[at++] = key;
    at = writeVarint(out, at, bytes.length);
    at += bytes.copy(out, at);
  }
  return out;
}
