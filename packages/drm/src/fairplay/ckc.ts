import { hash } from 'node:crypto';
import { malformed } from './errors';
import { aes128 } from './spc';
import { parseTllvs, type Tllv } from './tllv';

/** ARkey = AES-128-ECB(key = first 16 bytes of SHA-1(R1), anti-replay seed). */
export function deriveAntiReplayKey(r1: Buffer, antiReplaySeed: Buffer): Buffer {
  const key = hash('sha1', r1, 'buffer').subarray(0, 16);
  return aes128('ecb', 'encrypt', key, null, antiReplaySeed);
}

export const CKC_HEADER_SIZE = 28;

/**
 * CKC container: version u32 (1) ‖ reserved u32 (0) ‖ IV 16 ‖ payload length u32 ‖ AES-128-CBC(ARkey, IV, payload).
 * `payload` (concatenated TLLVs) must be a multiple of 16 bytes.
 */
export function encodeCkc(payload: Buffer, antiReplayKey: Buffer, iv: Buffer): Buffer {
  const encrypted = aes128('cbc', 'encrypt', antiReplayKey, iv, payload);
  const ckc = Buffer.allocUnsafe(CKC_HEADER_SIZE + encrypted.length);
  ckc.writeUInt32BE(1, 0);
  ckc.writeUInt32BE(0, 4);
  iv.copy(ckc, 8);
  ckc.writeUInt32BE(encrypted.length, 24);
  encrypted.copy(ckc, CKC_HEADER_SIZE);
  return ckc;
}

export interface OpenedCkc {
  readonly version: number;
  readonly reserved: number;
  readonly iv: Buffer;
  /** TLLVs in CKC order. */
  readonly tllvs: readonly Tllv[];
}

/**
 * Decrypts a CKC with its anti-replay key (what the client does). For tests, diagnostics and checking
 * third-party CKCs; throws ExpressPlayError(-6004) on a malformed container or payload.
 */
export function openCkc(ckc: Buffer, antiReplayKey: Buffer): OpenedCkc {
  if (ckc.length < CKC_HEADER_SIZE) throw malformed(`CKC truncated: ${ckc.length} bytes`);
  const length = ckc.readUInt32BE(24);
  if (length % 16 !== 0 || CKC_HEADER_SIZE + length !== ckc.length) {
    throw malformed(`CKC payload length ${length} does not match the ${ckc.length}-byte CKC`);
  }
  const iv = ckc.subarray(8, 24);
  const payload = aes128('cbc', 'decrypt', antiReplayKey, iv, ckc.subarray(CKC_HEADER_SIZE));
  return { version: ckc.readUInt32BE(0), reserved: ckc.readUInt32BE(4), iv, tllvs: parseTllvs(payload) };
}
