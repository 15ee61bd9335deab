/** What a Widevine challenge asks for, as the audit row's request type. */
export type ChallengeKind = 'new' | 'renewal' | 'release' | 'service-certificate';

/**
 * Reads the request type of a challenge without trusting it (protobuf wire format, no schema): `SignedMessage.type`
 * (1 LICENSE_REQUEST, 4 SERVICE_CERTIFICATE_REQUEST) and, for license requests, `LicenseRequest.type` in `msg`
 * (1 or absent NEW, 2 RENEWAL, 3 RELEASE). Only used for refused challenges, whose audit rows would otherwise not say
 * what was refused (a forged renewal, a new license from an untrusted device); null when the bytes do not tell.
 */
export function challengeKind(challenge: Buffer): ChallengeKind | null {
  const signed = firstFields(challenge, [1, 2]);
  if (!signed) return null;
  const type = signed.get(1);
  if (type === 4) return 'service-certificate';
  const msg = signed.get(2);
  if (type !== 1 || !Buffer.isBuffer(msg)) return null;
  const request = firstFields(msg, [3]);
  if (!request) return null;
  switch (request.get(3) ?? 1) {
    case 1:
      return 'new';
    case 2:
      return 'renewal';
    case 3:
      return 'release';
    default:
      return null;
  }
}

/** The first value of each wanted field (varints as numbers, length-delimited as bytes); null if malformed. */
function firstFields(bytes: Buffer, wanted: readonly number[]): Map<number, number | Buffer> | null {
  const found = new Map<number, number | Buffer>();
  let offset = 0;
  const varint = (): number | null => {
    let value = 0;
    for (let shift = 1, i = 0; i < 10; i++, shift *= 128) {
      if (offset >= bytes.length) return null;
      const byte = bytes[offset++]!;
      value += (byte & 0x7f) * shift;
      if (byte < 0x80) return value;
    }
    return null;
  };
  while (offset < bytes.length) {
    const key = varint();
    if (key === null) return null;
    const field = Math.floor(key / 8);
    let value: number | Buffer;
    switch (key % 8) {
      case 0: {
        const v = varint();
        if (v === null) return null;
        value = v;
        break;
      }
      case 1:
      case 5: {
        const size = key % 8 === 1 ? 8 : 4;
        if (offset + size > bytes.length) return null;
        value = bytes.subarray(offset, offset + size);
        offset += size;
        break;
      }
      case 2: {
        const length = varint();
        if (length === null || offset + length > bytes.length) return null;
        value = bytes.subarray(offset, offset + length);
        offset += length;
        break;
      }
      default:
        return null;
    }
    if (field === 0) return null;
    if (wanted.includes(field) && !found.has(field)) found.set(field, value);
  }
  return found;
}
