// Shared by the Widevine baseline route and bench:crypto's baseline: the little of a SignedMessage the unavoidable
// RSA work needs, read without the protobuf library the subject uses.

/** SignedMessage fields 2 (msg) and 3 (signature): length-delimited, found by walking the wire format. */
export function msgAndSignature(bytes) {
  const found = {};
  let offset = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 1; ; shift *= 128) {
      if (offset >= bytes.length) throw new Error('truncated');
      const byte = bytes[offset++];
      value += (byte & 0x7f) * shift;
      if (byte < 0x80) return value;
    }
  };
  while (offset < bytes.length) {
    const key = varint();
    if (key % 8 === 0) varint();
    else if (key % 8 === 2) {
      const length = varint();
      const value = bytes.subarray(offset, offset + length);
      offset += length;
      if (key >> 3 === 2) found.msg = value;
      if (key >> 3 === 3) found.signature = value;
    } else throw new Error('unexpected wire type');
  }
  return found;
}
