/**
 * The 16-byte key control block (OEMCrypto / Security Integration Guide v9), big-endian:
 * verification(4) ‖ duration(4) ‖ nonce(4) ‖ control bits(4).
 */
export const KeyControlBit = {
  OBSERVE_DATA_PATH: 1 << 31,
  OBSERVE_HDCP: 1 << 30,
  HDCP_VERSION_SHIFT: 9,
  DATA_PATH_SECURE: 1 << 4,
  NONCE_ENABLED: 1 << 3,
  HDCP_REQUIRED: 1 << 2,
} as const;

export interface KeyControlOptions {
  /** Seconds the key may be used after it is loaded; 0 = unlimited. */
  readonly durationSeconds: number;
  /** The request's key_control_nonce; when present Nonce_Enable is set. */
  readonly nonce: number | undefined;
  /** 0 none, 1 HDCP 1.x, 2 HDCP 2.0, 3 2.1, 4 2.2, 5 2.3 (OEMCrypto_HDCP_Capability values; 4 bits in the block). */
  readonly hdcp: 0 | 1 | 2 | 3 | 4 | 5;
  /** Grant security level 1–5; 4 and 5 (HW_SECURE_DECODE/ALL) require the secure data path. */
  readonly securityLevel: number;
}

/**
 * HDCP_Version bits need verification 'kc09' (kctl clients ignore them); without them the original 'kctl' is used,
 * which every OEMCrypto version accepts.
 */
export function keyControlBlock(options: KeyControlOptions): Buffer {
  let bits = 0;
  if (options.nonce !== undefined) bits |= KeyControlBit.NONCE_ENABLED;
  if (options.hdcp > 0) {
    bits |=
      KeyControlBit.OBSERVE_HDCP | KeyControlBit.HDCP_REQUIRED | (options.hdcp << KeyControlBit.HDCP_VERSION_SHIFT);
  }
  if (options.securityLevel >= 4) bits |= KeyControlBit.OBSERVE_DATA_PATH | KeyControlBit.DATA_PATH_SECURE;
  const block = Buffer.alloc(16);
  block.write(options.hdcp > 0 ? 'kc09' : 'kctl', 0, 'latin1');
  block.writeUInt32BE(Math.max(0, Math.min(options.durationSeconds, 0xffffffff)) >>> 0, 4);
  block.writeUInt32BE((options.nonce ?? 0) >>> 0, 8);
  block.writeUInt32BE(bits >>> 0, 12);
  return block;
}
