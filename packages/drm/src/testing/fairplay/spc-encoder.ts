import { constants, createHash, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto';
import { SPC_TAG } from '../../fairplay/constants';
import { aes128 } from '../../fairplay/spc';
import { encodeTllv } from '../../fairplay/tllv';

/**
 * Everything needed to encode an SPC as a FairPlay client would. For tests and client simulators (the
 * rights server's e2e tests): a real device's SPC comes from Apple's client, not from here.
 * Unset secrets are random.
 */
export interface SpcDraft {
  /** Application certificate (DER or PEM): its public key wraps the SPC key, its SHA-1 names it. */
  readonly certificate: Buffer;
  readonly dask: Buffer;
  /** Container version; default 1 (needs a 1024-bit certificate), 2 for a 2048-bit one. */
  readonly version?: 1 | 2;
  readonly assetId?: Buffer;
  readonly transactionId?: Buffer;
  readonly sk?: Buffer;
  readonly hu?: Buffer;
  readonly r1?: Buffer;
  readonly r2?: Buffer;
  readonly antiReplaySeed?: Buffer;
  readonly protocolVersionUsed?: number;
  readonly protocolVersionsSupported?: readonly number[];
  /** Tags to echo; default asset ID and transaction ID. */
  readonly returnRequest?: readonly string[];
  readonly playbackState?: { readonly creationDate: number; readonly state: number; readonly sessionId?: bigint };
  /** Further TLLVs (device info, capabilities, unknown tags…), appended in order. */
  readonly extraTllvs?: ReadonlyArray<{ readonly tag: string; readonly value: Buffer; readonly padding?: Buffer }>;
  /** Built-in TLLVs to leave out (negative tests); `extraTllvs` are always written. */
  readonly omitTags?: readonly string[];
  /** Replaces the [SK..R1] integrity TLLV value (negative tests). */
  readonly integrity?: Buffer;
  /** Last word on the plaintext payload before encryption (negative tests); must keep it a multiple of 16. */
  readonly transformPayload?: (payload: Buffer) => Buffer;
}

export function encodeSpc(draft: SpcDraft): Buffer {
  const version = draft.version ?? 1;
  const certificate = new X509Certificate(draft.certificate);
  const sk = draft.sk ?? randomBytes(16);
  const hu = draft.hu ?? randomBytes(20);
  const r1 = draft.r1 ?? randomBytes(44);
  const integrity = randomBytes(16);
  const skIv = randomBytes(16);
  const sessionKeyR1 = Buffer.concat([
    skIv,
    aes128('cbc', 'encrypt', draft.dask, skIv, Buffer.concat([sk, hu, r1, integrity])),
  ]);
  const u32s = (values: readonly number[]) => {
    const out = Buffer.alloc(4 * values.length);
    values.forEach((value, i) => out.writeUInt32BE(value, 4 * i));
    return out;
  };
  const tllvs: Array<{ tag: string; value: Buffer; padding?: Buffer }> = [
    { tag: SPC_TAG.sessionKeyR1, value: sessionKeyR1 },
    { tag: SPC_TAG.sessionKeyR1Integrity, value: draft.integrity ?? integrity },
    { tag: SPC_TAG.antiReplaySeed, value: draft.antiReplaySeed ?? randomBytes(16) },
    { tag: SPC_TAG.r2, value: draft.r2 ?? randomBytes(21) },
    { tag: SPC_TAG.assetId, value: draft.assetId ?? Buffer.from('asset') },
    { tag: SPC_TAG.transactionId, value: draft.transactionId ?? randomBytes(8) },
    { tag: SPC_TAG.protocolVersionUsed, value: u32s([draft.protocolVersionUsed ?? 1]) },
    { tag: SPC_TAG.protocolVersionsSupported, value: u32s(draft.protocolVersionsSupported ?? [1]) },
    {
      tag: SPC_TAG.returnRequest,
      value: Buffer.from((draft.returnRequest ?? [SPC_TAG.assetId, SPC_TAG.transactionId]).join(''), 'hex'),
    },
  ];
  if (draft.playbackState) {
    const value = Buffer.alloc(16);
    value.writeUInt32BE(draft.playbackState.creationDate, 0);
    value.writeUInt32BE(draft.playbackState.state, 4);
    value.writeBigUInt64BE(draft.playbackState.sessionId ?? 1n, 8);
    tllvs.push({ tag: SPC_TAG.mediaPlaybackState, value });
  }
  const omit = new Set(draft.omitTags ?? []);
  const kept = [...tllvs.filter(({ tag }) => !omit.has(tag)), ...(draft.extraTllvs ?? [])];
  let payload: Buffer = Buffer.concat(kept.map(({ tag, value, padding }) => encodeTllv(tag, value, padding)));
  if (draft.transformPayload) payload = draft.transformPayload(payload);

  const spck = randomBytes(16);
  const iv = randomBytes(16);
  const wrappedKey = publicEncrypt(
    {
      key: certificate.publicKey,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: version === 1 ? 'sha1' : 'sha256',
    },
    spck,
  );
  const encrypted = aes128('cbc', 'encrypt', spck, iv, payload);
  const header = Buffer.alloc(8 + 16);
  header.writeUInt32BE(version, 0);
  iv.copy(header, 8);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(encrypted.length, 0);
  const certificateHash = createHash('sha1').update(certificate.raw).digest();
  return Buffer.concat([header, wrappedKey, certificateHash, length, encrypted]);
}
