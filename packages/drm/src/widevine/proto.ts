import { openplay_widevine as pb } from '../../generated/license_protocol';

/**
 * The Widevine license protocol messages this licenser reads and writes: static code that protobufjs-cli generates
 * from `proto/license_protocol.proto` (the package's `generate` script), behind one decode and one encode.
 */
const TYPES = {
  SignedMessage: pb.SignedMessage,
  LicenseRequest: pb.LicenseRequest,
  ClientIdentification: pb.ClientIdentification,
  EncryptedClientIdentification: pb.EncryptedClientIdentification,
  License: pb.License,
  LicenseIdentification: pb.LicenseIdentification,
  LicenseError: pb.LicenseError,
  DrmCertificate: pb.DrmCertificate,
  SignedDrmCertificate: pb.SignedDrmCertificate,
  WidevinePsshData: pb.WidevinePsshData,
  SignedCertificateStatusList: pb.SignedCertificateStatusList,
  DeviceCertificateStatusList: pb.DeviceCertificateStatusList,
} as const;

export type MessageName = keyof typeof TYPES;

/**
 * A decoded message as `decode` gives it: proto2 presence kept (absent fields are undefined, never null), bytes
 * fields are Buffers (protobufjs reads them as views of the Buffer decoded), int64 fields numbers.
 */
export type Plain<T> = T extends Uint8Array
  ? Buffer
  : T extends ReadonlyArray<infer E>
    ? Plain<E>[]
    : T extends object
      ? { [K in keyof T]?: Plain<NonNullable<T[K]>> }
      : T;

export type SignedMessage = Plain<pb.ISignedMessage>;
export type LicenseRequest = Plain<pb.ILicenseRequest>;
export type ContentIdentification = Plain<pb.LicenseRequest.IContentIdentification>;
export type ClientIdentification = Plain<pb.IClientIdentification>;
export type EncryptedClientIdentification = Plain<pb.IEncryptedClientIdentification>;
export type LicenseIdentification = Plain<pb.ILicenseIdentification>;
export type License = Plain<pb.ILicense>;
export type Policy = Plain<pb.License.IPolicy>;
export type KeyContainer = Plain<pb.License.IKeyContainer>;
export type OutputProtection = Plain<pb.License.KeyContainer.IOutputProtection>;
export type LicenseError = Plain<pb.ILicenseError>;
export type DrmCertificate = Plain<pb.IDrmCertificate>;
export type SignedDrmCertificate = Plain<pb.ISignedDrmCertificate>;
export type WidevinePsshData = Plain<pb.IWidevinePsshData>;
export type SignedCertificateStatusList = Plain<pb.ISignedCertificateStatusList>;
export type DeviceCertificateStatusList = Plain<pb.IDeviceCertificateStatusList>;

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

/** Generated classes share these static methods; `TYPES[name]` is a union the compiler cannot call through. */
interface Codec {
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: { longs: NumberConstructor; defaults: boolean; arrays: boolean }): object;
  encode(value: object): { finish(): Uint8Array };
}

const TO_PLAIN = { longs: Number, defaults: false, arrays: false };

/**
 * Decodes `bytes` as message `name`. Throws (a protobufjs Error/RangeError) on malformed input; callers map that
 * to their own error.
 */
export function decode<N extends MessageName>(name: N, bytes: Uint8Array): Shapes[N] {
  const codec: Codec = TYPES[name];
  return codec.toObject(codec.decode(bytes), TO_PLAIN);
}

/** Canonical encoding (fields in ascending number order, each once, no unknown fields). */
export function encode<N extends MessageName>(name: N, value: Shapes[N]): Buffer {
  const codec: Codec = TYPES[name];
  const bytes = codec.encode(value).finish();
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
