/**
 * Drives the independent `widevine` npm client (Frooastside/node-widevine 1.0.7) against the licenser, plus a small
 * test-side CDM for what that client cannot do (license inspection, renewal and release), written from the protocol
 * description with its own CMAC, not the licenser's code.
 */
import { constants, createCipheriv, createDecipheriv, createHmac, privateDecrypt } from 'node:crypto';
import { LicenseType, Widevine } from 'widevine';
import { pb, unpb, type TestDevice } from './test-pki';

export { LicenseType };

const WIDEVINE_SYSTEM_ID = Buffer.from('edef8ba979d64acea3c827dcd51d21ed', 'hex');

/** ExpressPlay's recommended PSSH names a dummy key id; the license must still carry the grant's kid. */
export function psshBox(keyIds: Buffer[] = [Buffer.alloc(16)], protectionScheme?: number): Buffer {
  const data = pb('WidevinePsshData', {
    key_ids: keyIds,
    ...(protectionScheme !== undefined ? { protection_scheme: protectionScheme } : {}),
  });
  const header = Buffer.alloc(32);
  header.writeUInt32BE(32 + data.length, 0);
  header.write('pssh', 4, 'latin1');
  WIDEVINE_SYSTEM_ID.copy(header, 12);
  header.writeUInt32BE(data.length, 28);
  return Buffer.concat([header, data]);
}

export interface ClientSession {
  readonly challenge: Buffer;
  /** node-widevine's own parse: the keys it recovers, as {kid, key} hex. */
  parse(license: Buffer): Array<{ kid: string; key: string }>;
}

export function clientChallenge(
  device: TestDevice,
  options: { serviceDrmCertificate?: Buffer; pssh?: Buffer; licenseType?: number } = {},
): ClientSession {
  const cdm = Widevine.initWVD(device.wvd);
  const session = cdm.createSession(options.pssh ?? psshBox(), options.licenseType ?? LicenseType.STREAMING);
  if (options.serviceDrmCertificate) {
    // node-widevine only accepts service certificates signed by Google's root; a test certificate is assigned to
    // its private field (the client has no setter for it), after which generateChallenge encrypts the client identification.
    (session as unknown as { serviceCertificate: unknown }).serviceCertificate = {
      drmCertificate: options.serviceDrmCertificate,
    };
  }
  const challenge = session.generateChallenge();
  return {
    challenge,
    parse: (license) => session.parseLicense(license).filter((k): k is { kid: string; key: string } => k !== undefined),
  };
}

// --------------------------------------------------------------------------------------------- test-side CDM

function aesEcb(key: Buffer, block: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

function dbl(block: Buffer): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) out[i] = ((block[i] << 1) | (i < 15 ? block[i + 1] >> 7 : 0)) & 0xff;
  if (block[0] & 0x80) out[15] ^= 0x87;
  return out;
}

/** Straight RFC 4493, block by block. */
export function referenceCmac(key: Buffer, message: Buffer): Buffer {
  const k1 = dbl(aesEcb(key, Buffer.alloc(16)));
  const k2 = dbl(k1);
  const blocks = Math.max(1, Math.ceil(message.length / 16));
  const complete = message.length > 0 && message.length % 16 === 0;
  let x: Buffer = Buffer.alloc(16);
  for (let i = 0; i < blocks; i++) {
    let block: Buffer = Buffer.alloc(16);
    message.copy(block, 0, i * 16, Math.min(message.length, i * 16 + 16));
    if (i === blocks - 1) {
      if (!complete) block[message.length - i * 16] = 0x80;
      const sub = complete ? k1 : k2;
      block = Buffer.from(block.map((b, j) => b ^ sub[j]));
    }
    x = aesEcb(key, Buffer.from(x.map((b, j) => b ^ block[j])));
  }
  return x;
}

export function referenceDerive(
  sessionKey: Buffer,
  requestMsg: Buffer,
): { enc: Buffer; macServer: Buffer; macClient: Buffer } {
  const ctx = (label: string, bits: number): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bits);
    return Buffer.concat([Buffer.from(label, 'latin1'), Buffer.from([0]), requestMsg, len]);
  };
  const enc = ctx('ENCRYPTION', 128);
  const mac = ctx('AUTHENTICATION', 512);
  const c = (n: number, context: Buffer): Buffer =>
    referenceCmac(sessionKey, Buffer.concat([Buffer.from([n]), context]));
  return {
    enc: c(1, enc),
    macServer: Buffer.concat([c(1, mac), c(2, mac)]),
    macClient: Buffer.concat([c(3, mac), c(4, mac)]),
  };
}

function cbcDecrypt(key: Buffer, iv: Buffer, data: Buffer, padding = true): Buffer {
  const d = createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(padding);
  return Buffer.concat([d.update(data), d.final()]);
}

export interface LicenseView {
  readonly type: number;
  readonly license: Record<string, any>;
  readonly contentKeys: Array<{ kid: Buffer; key: Buffer; keyControl: Buffer; container: Record<string, any> }>;
  /** mac_key_server ‖ mac_key_client from the SIGNING key: what the CDM uses for renewals. */
  readonly signingKeys?: { macServer: Buffer; macClient: Buffer };
  readonly request: Record<string, any>;
}

/** Decrypts and checks a NEW license as a CDM would (HMAC over msg, every container PKCS#7, KCBs). */
export function inspectLicense(device: TestDevice, challenge: Buffer, response: Buffer): LicenseView {
  const signedRequest = unpb<any>('SignedMessage', challenge);
  const request = unpb<any>('LicenseRequest', signedRequest.msg);
  const signed = unpb<any>('SignedMessage', response);
  if (signed.type !== 2) throw new Error(`response type ${signed.type}`);
  const sessionKey = privateDecrypt(
    { key: device.keys.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    signed.session_key,
  );
  const keys = referenceDerive(sessionKey, signedRequest.msg);
  const expected = createHmac('sha256', keys.macServer).update(signed.msg).digest();
  if (!expected.equals(signed.signature)) throw new Error('license HMAC does not verify');
  const license = unpb<any>('License', signed.msg);
  const contentKeys: LicenseView['contentKeys'] = [];
  let signingKeys: LicenseView['signingKeys'];
  for (const container of license.key ?? []) {
    const plain = cbcDecrypt(keys.enc, container.iv, container.key);
    if (container.type === 1) {
      if (container.key.length !== 80) throw new Error('SIGNING key is not 64 bytes padded');
      signingKeys = { macServer: plain.subarray(0, 32), macClient: plain.subarray(32, 64) };
    } else if (container.type === 2) {
      const kc = container.key_control;
      const keyControl = cbcDecrypt(plain, kc.iv, kc.key_control_block, false);
      contentKeys.push({ kid: container.id, key: plain, keyControl, container });
    }
  }
  return { type: signed.type, license, contentKeys, signingKeys, request };
}

/** The facts of a test usage report (OEMCrypto's PST report); times in seconds before now. */
export interface TestUsageReport {
  status: number;
  clockSecurityLevel?: number;
  sinceLicenseReceived: bigint;
  sinceFirstDecrypt: bigint;
  sinceLastDecrypt: bigint;
  pst?: Buffer;
}

/**
 * A usage report as OEMCrypto writes one into a release (the `widevine` client cannot): HMAC-SHA1 (20) under the
 * license's client MAC key over status (1), clock security level (1), PST length (1), padding (1), seconds since the
 * license was received, since the first and since the last decrypt (signed 64-bit big-endian each), then the PST.
 */
export function usageTableEntry(report: TestUsageReport, macClient: Buffer): Buffer {
  const pst = report.pst ?? Buffer.alloc(0);
  const body = Buffer.alloc(28 + pst.length);
  body[0] = report.status;
  body[1] = report.clockSecurityLevel ?? 2;
  body[2] = pst.length;
  body.writeBigInt64BE(report.sinceLicenseReceived, 4);
  body.writeBigInt64BE(report.sinceFirstDecrypt, 12);
  body.writeBigInt64BE(report.sinceLastDecrypt, 20);
  pst.copy(body, 28);
  return Buffer.concat([createHmac('sha1', macClient).update(body).digest(), body]);
}

/** A RENEWAL or RELEASE request for `license`, HMAC-signed with the issued mac_key_client. */
export function renewalChallenge(
  view: LicenseView,
  kind: 'renewal' | 'release',
  options: {
    nonce?: number;
    secondsSinceStarted?: number;
    licenseId?: Record<string, any>;
    macClient?: Buffer;
    /** An offline release's usage report (OEMCrypto usage table entry), opaque to the server. */
    sessionUsageTableEntry?: Buffer;
  } = {},
): Buffer {
  const msg = pb('LicenseRequest', {
    content_id: {
      existing_license: {
        license_id: options.licenseId ?? view.license.id,
        seconds_since_started: options.secondsSinceStarted ?? 0,
        seconds_since_last_played: 0,
        ...(options.sessionUsageTableEntry && { session_usage_table_entry: options.sessionUsageTableEntry }),
      },
    },
    type: kind === 'renewal' ? 2 : 3,
    request_time: Math.floor(Date.now() / 1000),
    protocol_version: 21,
    key_control_nonce: options.nonce ?? 0x1234567,
  });
  const signature = createHmac('sha256', options.macClient ?? view.signingKeys!.macClient)
    .update(msg)
    .digest();
  return pb('SignedMessage', { type: 1, msg, signature });
}

/** Checks a renewal/release response with the issued mac_key_server and decrypts refreshed key controls. */
export function inspectRenewal(
  view: LicenseView,
  response: Buffer,
  contentKey: Buffer,
): { license: Record<string, any>; keyControls: Buffer[] } {
  const signed = unpb<any>('SignedMessage', response);
  if (signed.type !== 2) throw new Error(`response type ${signed.type}`);
  const expected = createHmac('sha256', view.signingKeys!.macServer).update(signed.msg).digest();
  if (!expected.equals(signed.signature)) throw new Error('renewal HMAC does not verify');
  const license = unpb<any>('License', signed.msg);
  const keyControls = (license.key ?? []).map((c: any) =>
    cbcDecrypt(contentKey, c.key_control.iv, c.key_control.key_control_block, false),
  );
  return { license, keyControls };
}

export function decodeErrorResponse(body: Buffer): number {
  const signed = unpb<any>('SignedMessage', body);
  if (signed.type !== 3) throw new Error(`not an ERROR_RESPONSE: ${signed.type}`);
  return unpb<any>('LicenseError', signed.msg).error_code;
}
